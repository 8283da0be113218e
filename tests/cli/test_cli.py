"""The real `veyedesk` command, as a user runs it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from veyedesk.db import make_engine
from veyedesk.db.migrate import head_revision
from veyedesk.model import Client

VEYEDESK = shutil.which("veyedesk", path=str(Path(sys.executable).parent)) or "veyedesk"


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):
    return subprocess.run(
        [VEYEDESK, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def ok(*args: str, **kw) -> str:
    result = run(*args, **kw)
    assert result.returncode == 0, result.stderr
    return result.stdout


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one clear line, no traceback
    assert lines[0].startswith("veyedesk: error: ")
    return lines[0]


def test_the_setup_flow_on_a_new_sqlite_file(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    assert f"database at {head_revision()}" in ok(*db, "db", "upgrade")
    assert "up to date" in ok(*db, "db", "current")
    ok(*db, "client", "add", "--client", "fosdem", "--name", "FOSDEM")
    ok(*db, "show", "add", "--client", "fosdem", "--show", "fosdem_2026", "--raw-root", "/srv/raw")
    ok(*db, "room", "add", "--client", "fosdem", "--show", "fosdem_2026", "janson")
    assert (
        json.loads(ok(*db, "episodes", "--client", "fosdem", "--show", "fosdem_2026", "--json"))
        == []
    )
    assert "(none)" in ok(*db, "episodes", "--client", "fosdem", "--show", "fosdem_2026")


@pytest.mark.postgres
def test_the_setup_flow_on_a_fresh_postgres(pg_empty_url: str) -> None:
    db = ["--db", pg_empty_url]
    behind = one_error_line(run(*db, "episodes", "--client", "a", "--show", "b"))
    assert "db upgrade" in behind
    ok(*db, "db", "upgrade")
    ok(*db, "client", "add", "--client", "fosdem")
    ok(*db, "show", "add", "--client", "fosdem", "--show", "fosdem_2026")
    ok(*db, "room", "add", "--client", "fosdem", "--show", "fosdem_2026", "janson")
    assert (
        json.loads(ok(*db, "episodes", "--client", "fosdem", "--show", "fosdem_2026", "--json"))
        == []
    )


def test_episodes_json_has_the_documented_fields(tmp_path: Path) -> None:
    from tests.support.factory import make_show
    from veyedesk.db import open_database, session_factory

    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = open_database(url)
    with session_factory(engine)() as session:
        make_show(session)
        session.commit()
    engine.dispose()
    rows = json.loads(
        ok(
            "--db",
            url,
            "episodes",
            "--client",
            "pyconf",
            "--show",
            "pyconf_2026",
            "--room",
            "room_b",
            "--json",
        )
    )
    assert len(rows) == 3
    assert {
        "id",
        "name",
        "slug",
        "room",
        "start",
        "duration",
        "authors",
        "emails",
        "state",
        "released",
        "locked_by",
    } <= set(rows[0])
    assert rows[0]["start"] == "2026-02-01T09:00:00+01:00"
    assert rows[0]["room"] == "room_b" and rows[0]["state"] == "edit"
    assert "“quotes”" in rows[0]["name"]
    out = ok("--db", url, "state", "set", str(rows[0]["id"]), "review 1")
    assert "edit -> review 1" in out
    again = json.loads(
        ok(
            "--db",
            url,
            "episodes",
            "--client",
            "pyconf",
            "--show",
            "pyconf_2026",
            "--state",
            "review 1",
            "--json",
        )
    )
    assert [r["id"] for r in again] == [rows[0]["id"]]


def test_user_errors_are_one_line_and_write_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    db = ["--db", url]
    ok(*db, "client", "add", "--client", "fosdem")
    assert "no show 'nope'" in one_error_line(
        run(*db, "room", "add", "--client", "fosdem", "--show", "nope", "k1")
    )
    assert "exists" in one_error_line(run(*db, "client", "add", "--client", "fosdem"))
    assert "no episode with id 1" in one_error_line(run(*db, "state", "set", "1", "edit"))
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Client)) == 1
    engine.dispose()
    usage = run(*db, "room", "add")
    assert usage.returncode == 2 and "usage:" in usage.stderr


def test_logins_are_required_once_users_exist(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    first = run(
        *db, "user", "add", "ed", "--role", "editor", "--password-stdin", stdin="ed-password\n"
    )
    assert "first user must be an admin" in one_error_line(first)
    assert "(--role admin)" in one_error_line(first)  # the CLI names its own flag
    ok(*db, "user", "add", "boss", "--role", "admin", "--password-stdin", stdin="boss-password\n")
    listed = one_error_line(run(*db, "user", "list"))
    assert "this database has users" in listed
    wrong = run(*db, "--user", "boss", "user", "list", env={"VEYEDESK_PASSWORD": "guess-guess"})
    assert "wrong user name or password" in one_error_line(wrong)
    boss = {"VEYEDESK_PASSWORD": "boss-password"}
    ok(
        *db,
        "--user",
        "boss",
        "user",
        "add",
        "rev",
        "--role",
        "reviewer",
        "--password-stdin",
        stdin="rev-password\n",
        env=boss,
    )
    users = json.loads(ok(*db, "--user", "boss", "user", "list", "--json", env=boss))
    assert [(u["name"], u["role"]) for u in users] == [("boss", "admin"), ("rev", "reviewer")]
    rev = {"VEYEDESK_PASSWORD": "rev-password"}
    denied = one_error_line(run(*db, "--user", "rev", "client", "add", "--client", "x", env=rev))
    assert "rev (reviewer) may not admin" in denied
    ok(
        *db,
        "--user",
        "rev",
        "user",
        "passwd",
        "rev",
        "--password-stdin",
        stdin="new-password\n",
        env=rev,
    )
    ok(*db, "--user", "rev", "user", "list", env={"VEYEDESK_PASSWORD": "new-password"})


def test_unreachable_postgres_is_one_line_with_the_password_hidden() -> None:
    result = run(
        "--db",
        "postgresql+psycopg://ed:s3cret@127.0.0.1:1/vey",
        "episodes",
        "--client",
        "a",
        "--show",
        "b",
    )
    line = one_error_line(result)
    assert "cannot reach the database" in line and "s3cret" not in line


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    ok("--db", url, "db", "upgrade")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'abcdef123456'"))
    engine.dispose()
    for args in (["client", "add", "--client", "x"], ["db", "upgrade"], ["db", "current"]):
        assert "newer veyedesk" in one_error_line(run("--db", url, *args))


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    out = ok("--db", "postgresql+psycopg://ed:s3cret@db.lan/vey", "config", "show")
    assert "postgresql+psycopg://ed:***@db.lan/vey" in out and "s3cret" not in out
    data = json.loads(ok("config", "show", "--json", env={"VEYEDESK_OUTPUT_ROOT": "/srv/out"}))
    assert data["output_root"] == "/srv/out" and "mp4" in data["profiles"]


def test_db_check_passes_and_python_m_works() -> None:
    assert "models match migrations" in ok("db", "check")
    result = subprocess.run(
        [sys.executable, "-m", "veyedesk", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("veyedesk ")


LEAKY_URLS = [
    "postgresql+psycopg://ed@127.0.0.1:1/vey?password=s3cret",  # query form
    "postgresql+psycopg://ed:s3cret@127.0.0.1:port/vey",  # port that is no number
    "postgresql+psycopg://ed:s3c@ret@[127.0.0.1/vey",  # unbalanced bracket, @ in password
    "ed:s3cret@127.0.0.1/vey",  # no scheme
    "host=127.0.0.1 port=1 password=s3cret",  # a libpq keyword string
]


@pytest.mark.parametrize("url", LEAKY_URLS)
def test_no_form_of_a_bad_url_shows_its_password_in_the_error_or_config_show(url: str) -> None:
    line = one_error_line(run("--db", url, "episodes", "--client", "a", "--show", "b"))
    assert "s3c" not in line and "ret" not in line, line
    shown = ok("--db", url, "config", "show")
    assert "s3c" not in shown and "ret@" not in shown, shown


def test_state_command_refuses_a_shell_template_with_unquoted_placeholders(
    tmp_path: Path,
) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    ok(*db, "db", "upgrade")
    line = one_error_line(run(*db, "state", "command", "post", "ssh host logger {name}"))
    assert "shell (ssh)" in line and "{name!q}" in line
    assert "no command (manual)" in ok(*db, "state", "command", "post")  # nothing written
    out = ok(*db, "state", "command", "post", "ssh host logger -- {name!q}")
    assert "runs: ssh host logger -- '{name!q}'" in out


def test_worker_help_names_the_allow_list_setting() -> None:
    out = " ".join(ok("worker", "--help").split())
    assert "worker_commands" in out and "VEYEDESK_WORKER_COMMANDS" in out
    assert "command_timeout_seconds" in out
    assert "worker_commands = []" in ok("config", "show")


def test_a_worker_says_at_start_which_commands_it_runs(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    ok(*db, "db", "upgrade")
    none = run(*db, "worker", "--once")
    assert "event=commands" in none.stderr and "none (set worker_commands)" in none.stderr
    some = run(*db, "worker", "--once", env={"VEYEDESK_WORKER_COMMANDS": "rsync:/usr/bin/up"})
    assert "allowed=rsync,/usr/bin/up" in some.stderr
