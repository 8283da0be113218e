"""Engine, sessions and migrations; SQLite for one laptop, PostgreSQL for a crew."""

from veyedesk.db.engine import (
    DatabaseError,
    SessionFactory,
    is_connection_error,
    make_engine,
    open_database,
    session_factory,
)

__all__ = [
    "DatabaseError",
    "SessionFactory",
    "is_connection_error",
    "make_engine",
    "open_database",
    "session_factory",
]
