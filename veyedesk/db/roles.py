"""PostgreSQL roles for a crew: what each kind of login may do, enforced by the database.

Roles in veyedesk (`user_account`) guard against mistakes; they are checked by veyedesk
itself, so anyone holding a database credential can bypass them with any PostgreSQL
client. When some people must not be trusted with everything (reviewers on their own
laptops, encode machines in a shared room), give each a PostgreSQL login in one of these
group roles; the database then refuses what the role does not need, whatever program
sends the SQL:

- reviewer: reads everything; writes only what a review writes: the episode's state and
  production notes (`comment`), Log rows, the next state's job (approve queues it) and the
  talk's release hold (an approved talk may stop before a public state).
  It cannot change cuts, titles, users or any state's command.
- editor: reviewer's rights plus the editing tables (episodes, cuts and their tombstones,
  raw files, marks, images, rooms), the queue and a venue sync's receipt; not users,
  clients, shows, states or a show's pipeline.
- worker: reads everything; claims and finishes jobs (encode_job), writes Log rows,
  advances an episode's state (release holds included) and stores what a state command
  wrote back (`host_url`, `public_url`, `thumbnail`). It cannot change cuts or commands.
- admin: reads and writes every table (users, states and their commands included). Schema
  changes (`veyedesk db upgrade`) stay with the database's owner.

The group roles are NOLOGIN (`veyedesk_reviewer`, ...); logins are members of one. The
grants are per database and per table, so run `veyedesk db roles` again after
`veyedesk db upgrade` adds a table. Running it again is always safe: it revokes and
re-grants, so a role ends with exactly the rights listed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from psycopg import sql as psql
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import Connection

from veyedesk.config import mask_text
from veyedesk.db.engine import DatabaseError
from veyedesk.model import Base

DEFAULT_PREFIX = "veyedesk_"
ROLE_NAMES = ("reviewer", "editor", "worker", "admin")

# Tables an editor changes: the talks, their cuts and what they are cut from.
EDITING_TABLES = (
    "episode",
    "cut",
    "cut_tombstone",
    "raw_file",
    "mark",
    "image_file",
    "image_file_episodes",
    "location",
)
WRITE = "SELECT, INSERT, UPDATE, DELETE"


@dataclass(frozen=True)
class Grant:
    """One GRANT: privileges (columns allowed, e.g. `UPDATE (state_id)`) on one table."""

    privileges: str
    table: str


# Every state change may stop a talk before a public state (jobs.pipeline): whoever moves
# talks writes their release hold.
MOVING = (
    Grant("INSERT", "log"),
    Grant("INSERT, UPDATE", "encode_job"),
    Grant(WRITE, "release_hold"),
)

# Beyond SELECT on every table, which every role gets.
GRANTS: dict[str, tuple[Grant, ...]] = {
    "reviewer": (Grant("UPDATE (state_id, comment)", "episode"), *MOVING),
    "editor": (
        *(Grant(WRITE, t) for t in EDITING_TABLES),
        *MOVING,
        Grant("INSERT", "venue_sync_receipt"),  # a venue copy's sync, pushed by its editor
        Grant("INSERT", "venue_checkout"),  # what a checkout took (change files are held to it)
    ),
    "worker": (
        # jobs.results: what a state command printed back (`veyedesk: public_url=…`).
        Grant("UPDATE (state_id, host_url, public_url, thumbnail)", "episode"),
        *MOVING,
    ),
    "admin": (),  # every table, below
}


def group_name(role: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The PostgreSQL group role for a veyedesk role (`veyedesk_reviewer`)."""
    if role not in ROLE_NAMES:
        raise DatabaseError(f"no database role {role!r}; choose one of {', '.join(ROLE_NAMES)}")
    return f"{prefix}{role}"


def _tables(conn: Connection) -> list[str]:
    existing = set(inspect(conn).get_table_names())
    wanted = [t.name for t in Base.metadata.sorted_tables] + ["alembic_version"]
    return [t for t in wanted if t in existing]


def role_statements(
    tables: Iterable[str], database: str, prefix: str = DEFAULT_PREFIX, *, quote=None
) -> list[str]:
    """The SQL that gives each group role exactly its rights on `tables` of `database`.

    Creating the roles is separate (`create_roles` does it only when they are missing,
    since CREATE ROLE has no IF NOT EXISTS).
    """
    q = quote or (lambda name: f'"{name}"')
    tables = list(tables)
    out: list[str] = []
    for role in ROLE_NAMES:
        who = q(group_name(role, prefix))
        out += [
            f"GRANT CONNECT ON DATABASE {q(database)} TO {who}",
            f"GRANT USAGE ON SCHEMA public TO {who}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {who}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {who}",
            # New rows take ids from sequences; nextval needs USAGE, and grants nothing else.
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {who}",
        ]
        for table in tables:
            out.append(f"GRANT SELECT ON {q(table)} TO {who}")
        if role == "admin":
            out += [f"GRANT {WRITE} ON {q(t)} TO {who}" for t in tables if t != "alembic_version"]
        for grant in GRANTS[role]:
            if grant.table in tables:
                out.append(f"GRANT {grant.privileges} ON {q(grant.table)} TO {who}")
    return out


def _exists(conn: Connection, name: str) -> bool:
    return bool(conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}))


def _require_postgres(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise DatabaseError(
            "database roles need PostgreSQL; an SQLite file has none (protect it with the "
            "file's permissions)"
        )


def create_roles(engine: Engine, prefix: str = DEFAULT_PREFIX) -> list[str]:
    """Create the missing group roles and (re)grant their rights; returns the SQL run.

    Run it as the database's owner or a superuser, on a database at the current schema.
    """
    _require_postgres(engine)
    q = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        database = str(conn.scalar(text("SELECT current_database()")))
        statements = [
            f"CREATE ROLE {q(group_name(role, prefix))} NOLOGIN"
            for role in ROLE_NAMES
            if not _exists(conn, group_name(role, prefix))
        ]
        statements += role_statements(_tables(conn), database, prefix, quote=q)
        for statement in statements:
            conn.exec_driver_sql(statement)
    return statements


def add_login(
    engine: Engine, name: str, role: str, password: str | None, prefix: str = DEFAULT_PREFIX
) -> None:
    """Create (or update) a LOGIN role `name` that is a member of exactly one group role."""
    _require_postgres(engine)
    q = engine.dialect.identifier_preparer.quote
    group = group_name(role, prefix)
    if password is not None and "\0" in password:
        raise DatabaseError("a password cannot hold a NUL character")
    with engine.begin() as conn:
        if not _exists(conn, group):
            raise DatabaseError(f"role {group} does not exist yet: run `veyedesk db roles` first")
        verb = "ALTER" if _exists(conn, name) else "CREATE"
        # Utility statements take no bind parameters: psycopg composes the literal, and the
        # driver's own cursor runs it so no error message can carry the statement (and the
        # password) the way SQLAlchemy's errors quote theirs.
        statement = psql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
            psql.Identifier(name), psql.Literal(password)
        )
        try:
            with conn.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
                cursor.execute(statement)
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot set the login {name!r}: {mask_text(str(exc))}") from None
        for other in ROLE_NAMES:  # one role each: moving a login takes it out of the old one
            if other != role and _exists(conn, group_name(other, prefix)):
                conn.execute(text(f"REVOKE {q(group_name(other, prefix))} FROM {q(name)}"))
        conn.execute(text(f"GRANT {q(group)} TO {q(name)}"))
