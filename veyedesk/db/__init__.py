"""Engine, sessions and migrations; SQLite for one laptop, PostgreSQL for a crew."""

from veyedesk.db.engine import DatabaseError, make_engine, open_database, session_factory

__all__ = ["DatabaseError", "make_engine", "open_database", "session_factory"]
