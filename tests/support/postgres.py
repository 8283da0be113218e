"""A throwaway PostgreSQL server for the test session, started with initdb/pg_ctl.

As root (CI, the dev machines) initdb refuses to run, so the server runs as the `postgres`
system user; as a normal user it runs directly. It listens only on a Unix socket in its
own temp folder, so nothing else on the machine is touched.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not candidates:
        raise PostgresUnavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found; `make test` installs the "
            "postgresql package"
        )
    return Path(candidates[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    socket_dir: Path
    port: int
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def psql_admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self, template: str | None = None) -> str:
        name = f"t{os.getpid()}_{next(self._names)}"
        clause = f" TEMPLATE {template}" if template else ""
        self.psql_admin(f"CREATE DATABASE {name}{clause}")
        return name


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="veyedesk-pg-"))
    data = root / "data"
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    if as_root:
        try:
            pg_user = pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable("running as root needs the `postgres` system user") from None
        os.chown(root, pg_user.pw_uid, pg_user.pw_gid)
        root.chmod(0o755)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    log = root / "server.log"

    def run(*args: str) -> None:
        proc = subprocess.run([*prefix, *args], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise PostgresUnavailable(
                f"{args[0]} failed: {proc.stderr.strip() or proc.stdout.strip()}"
            )

    run(
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-A",
        "trust",
        "-U",
        "postgres",
        "--no-sync",
        "-E",
        "UTF8",
        "--locale=C",
    )
    opts = f"-k {root} -p {port} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log), "-w", "start")
    try:
        yield PostgresServer(socket_dir=root, port=port)
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)
