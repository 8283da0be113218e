"""A PostgreSQL login that must give its password, on the suite's trust-everyone server.

The throwaway server (`tests/support/postgres.py`) trusts every local connection. Members
of the group role `veyedesk_password_required` are the exception: a first line in
`pg_hba.conf` makes them authenticate with SCRAM, so a test can see the server refuse a
URL without the password, or with a wrong one.
"""

from __future__ import annotations

import secrets

from sqlalchemy.engine import make_url

from tests.support.postgres import PostgresServer
from tests.support.waiting import wait_for
from veyedesk.db import make_engine, roles

GROUP = "veyedesk_password_required"
HBA_LINE = f"local all +{GROUP} scram-sha-256\n"


def _require_passwords(server: PostgresServer) -> None:
    """Put the group's line first in pg_hba.conf (once per server) and reload."""
    hba = server.socket_dir / "data" / "pg_hba.conf"
    text = hba.read_text()
    if not text.startswith(HBA_LINE):
        # Written in place: the file keeps its owner (the `postgres` user when run as root).
        with hba.open("r+") as f:
            f.write(HBA_LINE + text)
    server.psql_admin(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{GROUP}') "
        f"THEN CREATE ROLE {GROUP} NOLOGIN; END IF; END $$"
    )
    server.psql_admin("SELECT pg_reload_conf()")


def password_login(server: PostgresServer, url: str, role: str = "admin") -> tuple[str, str]:
    """A new login in veyedesk's `role` on `url`'s database that needs a password.

    Returns (its URL without the password, the password).
    """
    _require_passwords(server)
    engine = make_engine(url)
    try:
        roles.create_roles(engine)
        name = f"pw_{secrets.token_hex(4)}"
        password = f"s3cret {secrets.token_hex(4)}"
        roles.add_login(engine, name, role, password)
    finally:
        engine.dispose()
    server.psql_admin(f"GRANT {GROUP} TO {name}")
    login_url = make_url(url).set(username=name).render_as_string(hide_password=False)
    _await_reload(login_url)
    return login_url, password


def _await_reload(login_url: str) -> None:
    """Wait until the server has read the new pg_hba.conf (a reload is asynchronous)."""
    import psycopg

    parsed = make_url(login_url)

    def refused_without_password() -> bool:
        try:
            psycopg.connect(
                host=parsed.query["host"],
                port=int(parsed.query["port"]),
                user=parsed.username,
                dbname=parsed.database,
            ).close()
        except psycopg.OperationalError:
            return True  # the rule is in force
        return False

    wait_for("the server to apply pg_hba.conf", refused_without_password, timeout=10)
