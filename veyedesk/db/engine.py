"""One engine/session factory for SQLite (embedded) and PostgreSQL (shared)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from veyedesk.config import DEFAULT_STATEMENT_TIMEOUT, mask_text, mask_url
from veyedesk.db import revision
from veyedesk.errors import UserError


class DatabaseError(UserError, RuntimeError):
    """The database cannot be used as it is; the message says what to do."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets a reader (the GUI) and a writer (a local worker) work at once; the busy
    # timeout makes a second writer wait instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # FULL: a saved edit survives a power cut too (NORMAL in WAL mode may lose the last
    # commits). bench/save.py measures what it costs per save.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


# A PostgreSQL connection whose peer vanished (a laptop's Wi-Fi, a NAT dropping idle
# flows) is noticed within about a minute instead of the kernel's two hours.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def postgres_connect_args(statement_timeout_seconds: float, query_options: str = "") -> dict:
    """psycopg's connect arguments: connect timeout, keepalives and the statement timeout.

    `statement_timeout_seconds` 0 means none. A statement waiting for a row lock counts
    too; the default (config.DEFAULT_STATEMENT_TIMEOUT) is no shorter than a worker's
    lease, so a wait it ends is one whose lease had run out anyway.
    """
    args: dict = {"connect_timeout": 5, **KEEPALIVES}
    millis = max(0, round(statement_timeout_seconds * 1000))
    options = f"-c statement_timeout={millis}"
    # The URL's own `?options=` (a search_path, say) is kept, ours after it.
    args["options"] = f"{query_options} {options}".strip()
    return args


# (backend, driver) pairs a URL may name: the ones installed with veyedesk.
SUPPORTED_DRIVERS = {("sqlite", "pysqlite"), ("postgresql", "psycopg")}
DEFAULT_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}


def make_engine(url: str, *, statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT) -> Engine:
    """An engine for `url`, with SQLite pragmas or PostgreSQL timeouts set.

    `statement_timeout` (seconds, 0 = none) is the setting db_statement_timeout_seconds;
    `veyedesk db upgrade` and `db roles` use none.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        # The text is not echoed even masked: a malformed URL may hold its password anywhere.
        raise DatabaseError(
            "the database setting (--db, VEYEDESK_DB or db in the config file) is not a "
            "database URL; use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/NAME "
            "(`veyedesk config show` shows it, password masked)"
        ) from None
    backend = parsed.get_backend_name()
    if backend != "sqlite" and url.count("@") > 1:
        # Where the password ends is a guess then, and the driver's error would show the rest
        # of it as the host name.
        raise DatabaseError(
            "the database URL has more than one @: write an @ inside the user name or "
            "password as %40 (`veyedesk config show` shows the URL, password masked)"
        )
    # From the text alone: asking SQLAlchemy would load the driver, and fail for an unknown one.
    driver = parsed.drivername.partition("+")[2] or DEFAULT_DRIVERS.get(backend, "")
    if (backend, driver) not in SUPPORTED_DRIVERS and backend in ("sqlite", "postgresql"):
        # Only these are installed and tested; another driver would fail deep inside
        # SQLAlchemy (a missing module, an unknown plugin) with a traceback.
        raise DatabaseError(
            f"the database URL asks for the driver {parsed.drivername!r}, which veyedesk does "
            "not use; write sqlite:///PATH or postgresql://USER@HOST/NAME "
            "(postgresql+psycopg:// is the same)"
        )
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"cannot make the folder {folder} for the database ({exc.strerror}); "
                    "give --db a file in a folder you can write"
                ) from None
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # Fail fast on an unreachable server instead of hanging the window or the worker,
        # notice a vanished one, and never let one statement hold everyone's rows for ever.
        own_options = parsed.query.get("options", "")
        if not isinstance(own_options, str):
            own_options = " ".join(own_options)
        return create_engine(
            parsed,
            pool_pre_ping=True,
            connect_args=postgres_connect_args(statement_timeout, own_options),
        )
    raise DatabaseError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


# What the front ends hold to open one session per action; they need no SQLAlchemy import.
SessionFactory = sessionmaker[Session]


def is_connection_error(exc: BaseException) -> bool:
    """True when `exc` means the database could not be reached (retry later, keep edits)."""
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, OperationalError)
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (GUI holds them)."""
    return sessionmaker(engine, expire_on_commit=False)


def check_reachable(engine: Engine) -> None:
    """Connect once; raise DatabaseError naming the server when it cannot be reached."""
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:  # OperationalError, or psycopg refusing a malformed option
        reason = mask_text(str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc))
        # Masked by us: SQLAlchemy's hide_password leaves `?password=` in the query shown.
        where = mask_url(engine.url.render_as_string(hide_password=False))
        raise DatabaseError(
            f"cannot reach the database {where}: {reason}. "
            "Check the server is running and the URL (--db / VEYEDESK_DB) is right."
        ) from None


def open_database(
    url: str,
    *,
    upgrade_sqlite: bool = True,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
) -> Engine:
    """Engine for `url`, reachable and at the current schema (SQLite upgraded automatically)."""
    engine = make_engine(url, statement_timeout=statement_timeout)
    check_reachable(engine)
    if revision.is_current(engine):
        return engine  # the usual case, decided without importing Alembic
    from veyedesk.db import migrate  # alembic import is slow; only needed here

    migrate.ensure_current(engine, upgrade_sqlite=upgrade_sqlite)
    return engine
