"""PostgreSQL roles for a crew: what each kind of login may do, enforced by the database.

Roles in veyedesk (`user_account`) guard against mistakes; they are checked by veyedesk
itself, so anyone holding a database credential can bypass them with any PostgreSQL
client. When some people must not be trusted with everything (reviewers on their own
laptops, encode machines in a shared room), give each a PostgreSQL login in one of these
group roles; the database then refuses what the role does not need, whatever program
sends the SQL:

- reviewer: reads everything; writes only what a review writes: the episode's state and
  production notes (`comment`), Log rows of the kinds a review writes (never an encode's
  or a command's), the command job of the state a talk is in now (approve queues it) and
  the talk's release hold (an approved talk may stop before a public state).
  It cannot change cuts, titles, users or any state's command, and cannot add an encode
  job or a job that is not fresh and queued.
- editor: reviewer's rights plus the editing tables (episodes, cuts and their tombstones,
  raw files, marks, images, rooms), the queue and a venue sync's receipt; not users,
  clients, shows, states or a show's pipeline.
- worker: reads everything; claims queued jobs and changes only the running jobs its
  login holds (`encode_job.held_by`, written by a trigger) or whose lease ran out (to
  requeue them); never a finished job, nor a job's talk, kind or profile; adds only
  fresh queued jobs (the next state's), writes Log rows (not a reviewer's "opened" or a
  mailed answer), advances an episode's state (release holds included) and stores what a
  state command wrote back (`host_url`, `public_url`, `thumbnail`), and the publication
  rows of the talks whose publish job it holds. It cannot change cuts, commands or
  publish targets.
- admin: reads and writes every table (users, states and their commands included). Schema
  changes (`veyedesk db upgrade`) stay with the database's owner.

No role reads `user_account.password_hash` (a hash read is a password guessed offline):
logins are checked through three SECURITY DEFINER functions owned by the database's owner
(PASSWORD_FUNCTIONS: a user's salt and cost, whether a hash the client computed is the
stored one, and replacing a weak hash after a right password), which never hand a hash
out. Admins still set passwords (UPDATE), without reading them back.

Which rows of `encode_job`, `log` and `publication` a role may add or change is row-level security
(policies named `<prefix><role>_<command>`): a job row is only a request, and a worker
still re-checks a command job when it runs (veyedesk.jobs.commands), but a reviewer's
login cannot queue a forged "done" encode or a public state's command for a talk in
*edit*. Row-level security does not bind the tables' owner (who runs `veyedesk db
upgrade`) or superusers; any other login must be a member of one of the group roles or
it sees no jobs and no Log rows.

The group roles are NOLOGIN (`veyedesk_reviewer`, ...); logins are members of one. The
grants are per database and per table, so run `veyedesk db roles` again after
`veyedesk db upgrade` adds a table. Running it again is always safe: it revokes and
re-grants, so a role ends with exactly the rights listed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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


# What a job row's changes may touch: never which talk, what kind of job or which profile
# (state) it is, nor when it was made.
JOB_COLUMNS = (
    "status", "priority", "attempts", "max_attempts", "worker_id", "lease_expires_at",
    "heartbeat_at", "progress", "speed", "eta_seconds", "output_path", "error",
    "cancel_requested", "started_at", "finished_at", "updated_at",
)  # fmt: skip
JOB_UPDATE = f"UPDATE ({', '.join(JOB_COLUMNS)})"

# Every state change may stop a talk before a public state (jobs.pipeline): whoever moves
# talks writes their release hold.
MOVING = (
    Grant("INSERT", "log"),
    Grant(f"INSERT, {JOB_UPDATE}", "encode_job"),
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
        # jobs.publishing: where a talk stands on a target, written as a publish job runs
        # (row-level security: only talks whose publish job this login holds).
        Grant("INSERT, UPDATE", "publication"),
    ),
    "admin": (),  # every table, below
}


@dataclass(frozen=True)
class Policy:
    """One row-level security policy: which rows `role` may see, add or change in `table`."""

    role: str
    table: str
    command: str  # SELECT, INSERT, UPDATE or ALL
    using: str | None = None  # rows it may see or change
    check: str | None = None  # what a row it adds or changes may become


# A job as enqueue makes it: queued, never tried, nobody's, no output. A forged "done"
# encode (the first of the two INSERTs that published a private file) is not one.
FRESH_JOB = (
    "status = 'queued' AND attempts = 0 AND worker_id = '' AND output_path = '' "
    "AND started_at IS NULL AND finished_at IS NULL AND NOT cancel_requested"
)
# A command job's profile is its state's slug (jobs.queue.command_profile): the talk must
# be in that state now, as it is when a review's approve (enter_state) queues the job.
IN_JOB_STATE = (
    "EXISTS (SELECT 1 FROM episode e JOIN state s ON s.id = e.state_id "
    "WHERE e.id = encode_job.episode_id AND s.slug = encode_job.profile)"
)
# A review's approve queues the next state's command or publish job (jobs.state_moves).
REVIEW_JOB = f"kind IN ('command', 'publish') AND {FRESH_JOB} AND {IN_JOB_STATE}"
# Log kinds (model.kinds.LogKind) a review writes: its move (or the hold before a public
# state), the reviewer opening the encode, an answer by mail, a note.
REVIEW_LOG_KINDS = ("state", "job", "release", "review opened", "by mail", "note")
# What only a reviewer's own action may say: a worker cannot fake that someone watched.
REVIEWER_ONLY_LOG_KINDS = ("review opened", "by mail")
RLS_TABLES = ("encode_job", "log", "publication")
# A talk whose publish job this login holds (running, claimed by it: HOLDER_TRIGGER).
HELD_PUBLICATION = (
    "EXISTS (SELECT 1 FROM encode_job j WHERE j.episode_id = publication.episode_id "
    "AND j.kind = 'publish' AND j.status = 'running' AND j.held_by = current_user)"
)
WORKER_JOBS = (
    "status = 'queued' OR (status = 'running' AND (held_by = current_user "
    "OR lease_expires_at <= timezone('UTC', clock_timestamp())))"
)
# Who holds a running job is written by the database, not the client: the login that
# claimed it (moved it to running, or to another worker id). SECURITY INVOKER, so
# current_user is the login running the statement.
HOLDER_FUNCTION = (
    "CREATE OR REPLACE FUNCTION veyedesk_job_holder() RETURNS trigger LANGUAGE plpgsql "
    "SET search_path = public, pg_temp AS $fn$ BEGIN "
    "IF NEW.status <> 'running' THEN NEW.held_by := ''; "
    "ELSIF TG_OP = 'INSERT' OR OLD.status <> 'running' "
    "OR OLD.worker_id IS DISTINCT FROM NEW.worker_id THEN NEW.held_by := current_user; "
    "ELSE NEW.held_by := OLD.held_by; END IF; "
    "RETURN NEW; END $fn$"
)
HOLDER_TRIGGER = (
    "CREATE TRIGGER veyedesk_job_holder BEFORE INSERT OR UPDATE ON encode_job "
    "FOR EACH ROW EXECUTE FUNCTION veyedesk_job_holder()"
)
# Columns no role may read (the owner and superusers still do).
HIDDEN_COLUMNS: dict[str, tuple[str, ...]] = {"user_account": ("password_hash",)}

# How a login is checked when its database login may not read hashes (services.admin.users
# calls them). SECURITY DEFINER: they run as the owner who creates them, with a fixed
# search_path so nobody can slip in a table of their own.
SALT_FUNCTION = "veyedesk_password_salt"  # (name) -> 'scrypt$N$r$p$salt', NULL if none
CHECK_FUNCTION = "veyedesk_password_check"  # (name, the hash the client computed) -> bool
UPGRADE_FUNCTION = "veyedesk_password_upgrade"  # (name, that hash, a stronger one) -> bool
_DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"
PASSWORD_FUNCTIONS: dict[str, str] = {
    f"{SALT_FUNCTION}(text)": (
        f"CREATE OR REPLACE FUNCTION {SALT_FUNCTION}(login text) RETURNS text "
        f"LANGUAGE sql STABLE {_DEFINER} AS $fn$ "
        "SELECT regexp_replace(password_hash, '[$][^$]*$', '') FROM user_account "
        "WHERE name = login AND active AND password_hash <> '' $fn$"
    ),
    f"{CHECK_FUNCTION}(text, text)": (
        f"CREATE OR REPLACE FUNCTION {CHECK_FUNCTION}(login text, candidate text) "
        f"RETURNS boolean LANGUAGE sql STABLE {_DEFINER} AS $fn$ "
        "SELECT coalesce((SELECT password_hash = candidate FROM user_account "
        "WHERE name = login AND active AND password_hash <> ''), false) $fn$"
    ),
    f"{UPGRADE_FUNCTION}(text, text, text)": (
        f"CREATE OR REPLACE FUNCTION {UPGRADE_FUNCTION}(login text, candidate text, "
        f"stronger text) RETURNS boolean LANGUAGE sql VOLATILE {_DEFINER} AS $fn$ "
        "UPDATE user_account SET password_hash = stronger WHERE name = login AND active "
        "AND password_hash <> '' AND password_hash = candidate "
        "AND left(stronger, 7) = 'scrypt$' RETURNING true $fn$"
    ),
}


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


POLICIES: tuple[Policy, ...] = (
    *(Policy(r, t, "SELECT", using="true") for r in ROLE_NAMES for t in RLS_TABLES),
    *(Policy(r, t, "ALL", "true", "true") for r in ("editor", "admin") for t in RLS_TABLES),
    Policy("reviewer", "encode_job", "INSERT", check=REVIEW_JOB),
    Policy(
        "reviewer",
        "encode_job",
        "UPDATE",
        "kind IN ('command', 'publish') AND status = 'queued'",
        REVIEW_JOB,
    ),
    Policy("reviewer", "log", "INSERT", check=f"kind IN {_in(REVIEW_LOG_KINDS)}"),
    Policy("worker", "encode_job", "INSERT", check=FRESH_JOB),
    # Only the jobs it holds (HOLDER_TRIGGER), a queued one to claim, and a running one
    # whose lease ran out by the database's clock (to requeue it, as jobs.queue does).
    Policy("worker", "encode_job", "UPDATE", WORKER_JOBS, "true"),
    Policy("worker", "log", "INSERT", check=f"kind NOT IN {_in(REVIEWER_ONLY_LOG_KINDS)}"),
    Policy("worker", "publication", "INSERT", check=HELD_PUBLICATION),
    Policy("worker", "publication", "UPDATE", HELD_PUBLICATION, HELD_PUBLICATION),
)


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
            hidden = HIDDEN_COLUMNS.get(table)
            if hidden is None:
                out.append(f"GRANT SELECT ON {q(table)} TO {who}")
            else:
                shown = [
                    c.name for c in Base.metadata.tables[table].columns if c.name not in hidden
                ]
                out.append(f"GRANT SELECT ({', '.join(map(q, shown))}) ON {q(table)} TO {who}")
        if role == "admin":
            for t in tables:
                if t != "alembic_version":
                    # Writing a row reads back nothing; SELECT was granted above, columns
                    # hidden or not.
                    out.append(f"GRANT INSERT, UPDATE, DELETE ON {q(t)} TO {who}")
        for grant in GRANTS[role]:
            if grant.table in tables:
                out.append(f"GRANT {grant.privileges} ON {q(grant.table)} TO {who}")
    if "user_account" in tables:
        for signature, create in PASSWORD_FUNCTIONS.items():
            out += [create, f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC"]
            out += [
                f"GRANT EXECUTE ON FUNCTION {signature} TO {q(group_name(r, prefix))}"
                for r in ROLE_NAMES
            ]
    if "encode_job" in tables:
        out += [
            HOLDER_FUNCTION,
            "DROP TRIGGER IF EXISTS veyedesk_job_holder ON encode_job",
            HOLDER_TRIGGER,
        ]
    for table in RLS_TABLES:
        if table in tables:
            out.append(f"ALTER TABLE {q(table)} ENABLE ROW LEVEL SECURITY")
    for p in POLICIES:
        if p.table not in tables:
            continue
        name = q(f"{prefix}{p.role}_{p.command.lower()}")
        out.append(f"DROP POLICY IF EXISTS {name} ON {q(p.table)}")
        who = q(group_name(p.role, prefix))
        sql = f"CREATE POLICY {name} ON {q(p.table)} FOR {p.command} TO {who}"
        if p.using is not None:
            sql += f" USING ({p.using})"
        if p.check is not None:
            sql += f" WITH CHECK ({p.check})"
        out.append(sql)
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
    # Here, not at the top: services.admin.users reads this module's function names on
    # every login and CLI command, and psycopg costs a SQLite user its whole import.
    import psycopg
    from psycopg import sql as psql

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
