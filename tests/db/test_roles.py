"""`veyedesk db roles`: PostgreSQL refuses what a role does not need, whatever client asks."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from tests.cli.test_cli import ok, one_error_line, run
from tests.support.factory import make_show, walk_into
from veyedesk.db import make_engine, session_factory
from veyedesk.db.roles import add_login, create_roles
from veyedesk.services.episodes import get_episode, get_state
from veyedesk.services.identity import Identity
from veyedesk.services.pipeline.review import reject

pytestmark = pytest.mark.postgres

_logins = itertools.count(1)


@pytest.fixture
def owner(pg_url: str) -> Iterator[Engine]:
    """The database's owner (the throwaway server's superuser) with a show in it."""
    engine = make_engine(pg_url)
    with session_factory(engine)() as session:
        make_show(session)
        session.commit()
    yield engine
    engine.dispose()


def _login_as(pg_url: str, owner: Engine, role: str) -> Engine:
    # The throwaway server trusts local connections, so no password is needed to connect.
    name = f"{role}_{next(_logins)}"
    add_login(owner, name, role, None)
    return make_engine(pg_url.replace("//postgres@", f"//{name}@", 1))


def _refused(engine: Engine, sql: str) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    except ProgrammingError as exc:
        assert "permission denied" in str(exc.orig)
        return True
    return False


def test_a_reviewer_role_reads_and_reviews_but_cannot_change_cuts_or_commands(
    pg_url: str, owner: Engine
) -> None:
    create_roles(owner)
    create_roles(owner)  # again: safe, same rights
    reviewer = _login_as(pg_url, owner, "reviewer")
    try:
        with reviewer.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cut")).scalar()
        assert _refused(reviewer, "UPDATE cut SET start = 1")
        assert _refused(reviewer, "DELETE FROM cut")
        assert _refused(reviewer, "UPDATE state SET command = 'touch /tmp/pwned'")
        assert _refused(reviewer, "UPDATE episode SET name = 'x'")
        assert _refused(reviewer, "DELETE FROM user_account")
        assert _refused(reviewer, "INSERT INTO user_account (name, role) VALUES ('me', 'admin')")

        # What a review writes still works through the service, as the reviewer login.
        with session_factory(owner)() as session:
            episode = session.scalars(text("SELECT id FROM episode ORDER BY id")).first()
            walk_into(session, get_episode(session, episode), "review 1", "ed")
            session.commit()
        with session_factory(reviewer)() as session, session.begin():
            reject(session, episode, Identity("rev", "reviewer"), "audio drops at 12:00", "mp4")
        with session_factory(owner)() as session:
            assert get_episode(session, episode).state.slug == "edit"
    finally:
        reviewer.dispose()


def test_editor_worker_and_admin_roles_get_what_they_need_and_no_more(
    pg_url: str, owner: Engine
) -> None:
    create_roles(owner)
    editor = _login_as(pg_url, owner, "editor")
    worker = _login_as(pg_url, owner, "worker")
    admin = _login_as(pg_url, owner, "admin")
    try:
        assert not _refused(editor, "UPDATE cut SET start = 1")
        assert not _refused(editor, "UPDATE episode SET name = 'Renamed'")
        assert _refused(editor, "UPDATE state SET command = 'x'")
        assert _refused(editor, "UPDATE user_account SET role = 'admin'")

        assert not _refused(worker, "UPDATE encode_job SET progress = 0.5")
        assert not _refused(worker, "UPDATE episode SET state_id = state_id")
        assert _refused(worker, "UPDATE cut SET start = 1")
        assert _refused(worker, "UPDATE state SET command = 'x'")

        # Tables added with the pipeline and venue copies: each role writes what its work
        # writes (a gated state change, a command's results, a sync's receipt), no more.
        for engine in (editor, worker):
            assert not _refused(engine, "DELETE FROM release_hold")
        assert not _refused(worker, "UPDATE episode SET public_url = 'https://v.example/x'")
        assert _refused(worker, "UPDATE episode SET name = 'x'")
        receipt = (
            "INSERT INTO venue_sync_receipt (run_uuid, copy_uuid, applied_at, summary) "
            "VALUES ('run', 'copy', now(), '')"
        )
        assert not _refused(editor, receipt)
        assert _refused(editor, "DELETE FROM venue_sync_receipt")
        assert _refused(editor, "UPDATE pipeline_settings SET unknown_publishes = true")
        assert _refused(editor, "DELETE FROM show_state")

        assert not _refused(admin, "UPDATE state SET command = NULL WHERE slug = 'post'")
        assert not _refused(admin, "DELETE FROM mark")
        assert _refused(admin, "CREATE TABLE public.evil (id int)")  # schema stays the owner's
    finally:
        for engine in (editor, worker, admin):
            engine.dispose()


def test_moving_a_login_to_another_role_takes_the_old_rights_away(
    pg_url: str, owner: Engine
) -> None:
    create_roles(owner)
    add_login(owner, "moved_login", "editor", "it's 100% 'quoted'")
    add_login(owner, "moved_login", "reviewer", None)
    moved = make_engine(pg_url.replace("//postgres@", "//moved_login@", 1))
    try:
        assert _refused(moved, "UPDATE cut SET start = 1")
    finally:
        moved.dispose()
    with session_factory(owner)() as session:
        assert get_state(session, "post").command is None


def test_db_roles_from_the_command_line(pg_url: str, owner: Engine, sqlite_url: str) -> None:
    out = ok("--db", pg_url, "db", "roles", "--login", "cli_rev", "--role", "reviewer")
    assert "veyedesk_reviewer" in out and "login cli_rev" in out
    assert "--role" in one_error_line(run("--db", pg_url, "db", "roles", "--login", "x"))
    assert "need PostgreSQL" in one_error_line(run("--db", sqlite_url, "db", "roles"))
