"""Engines for queue writers: on SQLite every transaction starts with BEGIN IMMEDIATE.

pysqlite starts transactions lazily with a plain (deferred) BEGIN. A deferred transaction
that reads and then writes can fail at once with "database is locked" when another
connection committed in between, busy timeout or not, and two deferred readers could both
see the same queued job. SQLAlchemy's documented recipe for pysqlite turns off pysqlite's
own BEGIN (isolation_level=None) and emits ours from the engine's "begin" event; we emit
BEGIN IMMEDIATE, which takes SQLite's single write lock before the first read (waiting up
to the busy timeout). This engine is only for the queue and the worker; the GUI's engine
keeps deferred transactions so readers never wait for a writer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from veyedesk.config import DEFAULT_STATEMENT_TIMEOUT
from veyedesk.db import make_engine, session_factory


def _no_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def writer_engine(url: str, *, statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT) -> Engine:
    """An engine whose transactions may claim jobs atomically (BEGIN IMMEDIATE on SQLite)."""
    engine = make_engine(url, statement_timeout=statement_timeout)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _no_pysqlite_begin)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def writer_sessions(engine: Engine) -> sessionmaker[Session]:
    """Session factory on a writer engine (objects stay usable after commit)."""
    return session_factory(engine)
