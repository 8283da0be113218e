"""`veyedesk db roles`: PostgreSQL refuses what a role does not need, whatever client asks."""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import ProgrammingError

from tests.cli.test_cli import ok, one_error_line, run
from tests.support.factory import make_show, set_state, walk_into
from veyedesk.config import Settings
from veyedesk.db import make_engine, session_factory
from veyedesk.db.roles import add_login, create_roles
from veyedesk.encode.outputs import output_path
from veyedesk.jobs.claims import claim, requeue_expired
from veyedesk.jobs.queue import enqueue
from veyedesk.jobs.state_moves import enter_state
from veyedesk.jobs.worker import WorkerOptions, default_handlers, run_worker
from veyedesk.model import EncodeJob, Episode, PublishTarget, User
from veyedesk.model.kinds import JobKind
from veyedesk.services.admin.users import (
    add_user,
    authenticate,
    is_weak,
    set_password,
    verify_password,
)
from veyedesk.services.episodes import get_episode, get_state
from veyedesk.services.errors import AuthenticationFailed
from veyedesk.services.identity import Identity, has_users
from veyedesk.services.pipeline.review import approve, mark_opened, reject

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


# -- issue 20 item 4: a reviewer's or a worker's login cannot publish a private file ------

FORGED_ENCODE = (
    "INSERT INTO encode_job (episode_id, profile, kind, status, priority, attempts, "
    "max_attempts, worker_id, progress, output_path, error, cancel_requested) "
    "VALUES ({episode}, 'mp4', 'encode', 'done', 0, 1, 3, 'w', 1.0, '{private}', '', false)"
)
FORGED_COMMAND = (
    "INSERT INTO encode_job (episode_id, profile, kind, status, priority, attempts, "
    "max_attempts, worker_id, progress, output_path, error, cancel_requested) "
    "VALUES ({episode}, 'make public', 'command', 'queued', 0, 0, 3, '', 0, '', '', false)"
)


def _refused_by_policy(engine: Engine, sql: str) -> bool:
    """True when PostgreSQL refuses `sql` (a privilege or a row-level security policy)."""
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    except ProgrammingError as exc:
        message = str(exc.orig)
        assert "permission denied" in message or "row-level security" in message, message
        return True
    return False


def _publishing_show(owner: Engine, tmp_path: Path) -> tuple[int, Path, Path]:
    """A talk in *edit* with release Unknown, *make public* copying {output} to a web folder."""
    private = tmp_path / "private.mp4"
    private.write_bytes(b"private")
    www = tmp_path / "www"
    www.mkdir()
    with session_factory(owner)() as session:
        episode = session.scalars(select(Episode).order_by(Episode.id)).first()
        assert episode is not None and episode.released is None
        assert episode.state is not None and episode.state.slug == "edit"
        get_state(session, "make public").command = f"cp {{output}} {www}/"
        session.commit()
        return episode.id, private, www


def test_a_reviewer_login_cannot_insert_the_two_rows_that_published_a_private_file(
    pg_url: str, owner: Engine, tmp_path: Path
) -> None:
    create_roles(owner)
    episode, private, _ = _publishing_show(owner, tmp_path)
    reviewer = _login_as(pg_url, owner, "reviewer")
    try:
        assert _refused_by_policy(reviewer, FORGED_ENCODE.format(episode=episode, private=private))
        assert _refused_by_policy(reviewer, FORGED_COMMAND.format(episode=episode))
        assert _refused_by_policy(
            reviewer,
            f"INSERT INTO log (episode_id, \"user\", result, kind) VALUES ({episode}, 'w', "
            "'encoded', 'encoded')",
        )
        assert _refused_by_policy(reviewer, "UPDATE encode_job SET profile = 'make public'")
        assert _refused_by_policy(reviewer, "DELETE FROM log")
    finally:
        reviewer.dispose()
    with owner.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM encode_job")).scalar() == 0


def test_a_reviewers_approve_still_queues_the_next_states_command(
    pg_url: str, owner: Engine, tmp_path: Path
) -> None:
    """What a review writes passes the policies: the opened Log row, the move, the job."""
    create_roles(owner)
    episode, _, _ = _publishing_show(owner, tmp_path)
    with session_factory(owner)() as session:
        talk = get_episode(session, episode)
        talk.released = True
        set_state(session, talk, "review 2", "ed")
        session.commit()
    reviewer = _login_as(pg_url, owner, "reviewer")
    who = Identity("rev", "reviewer")
    try:
        with session_factory(reviewer)() as session, session.begin():
            mark_opened(session, episode, who)
        with session_factory(reviewer)() as session, session.begin():
            assert approve(session, episode, who, "mp4") == "make public"
    finally:
        reviewer.dispose()
    with session_factory(owner)() as session:
        job = session.scalars(select(EncodeJob)).one()
        assert (job.kind, job.profile, job.status) == ("command", "make public", "queued")


def _run_worker_as(engine: Engine, settings: Settings) -> None:
    run_worker(engine, settings, default_handlers(), WorkerOptions(once=True, poll_seconds=0.1))


def test_a_worker_login_changes_only_live_jobs_and_its_forged_job_is_refused_when_run(
    pg_url: str, owner: Engine, tmp_path: Path
) -> None:
    create_roles(owner)
    episode, private, www = _publishing_show(owner, tmp_path)
    worker = _login_as(pg_url, owner, "worker")
    try:
        # A done encode cannot be inserted, nor a finished job changed afterwards.
        assert _refused_by_policy(worker, FORGED_ENCODE.format(episode=episode, private=private))
        with owner.begin() as conn:
            conn.execute(text(FORGED_ENCODE.format(episode=episode, private="/tmp/old.mp4")))
        assert not _refused_by_policy(worker, f"UPDATE encode_job SET output_path = '{private}'")
        assert _refused_by_policy(worker, "UPDATE encode_job SET kind = 'command'")
        assert _refused_by_policy(
            worker,
            f"INSERT INTO log (episode_id, \"user\", result, kind) VALUES ({episode}, 'w', "
            "'opened', 'review opened')",
        )
        with owner.connect() as conn:
            assert conn.execute(text("SELECT output_path FROM encode_job")).scalar() == (
                "/tmp/old.mp4"
            )

        # A fresh queued job is what a worker adds when it moves a talk on, so the forged
        # make-public job goes in; the worker refuses it when it runs (jobs.commands).
        assert not _refused_by_policy(worker, FORGED_COMMAND.format(episode=episode))
        settings = Settings(
            db=pg_url, user="w@test", worker_commands=("cp",), output_root=str(tmp_path / "out")
        )
        _run_worker_as(worker, settings)
    finally:
        worker.dispose()
    with session_factory(owner)() as session:
        job = session.scalars(select(EncodeJob).where(EncodeJob.kind == "command")).one()
        assert job.status == "failed" and "not 'make public'" in job.error
        talk = get_episode(session, episode)
        assert talk.public_url == "" and talk.state is not None and talk.state.slug == "edit"
    assert list(www.iterdir()) == []


def test_a_worker_login_still_runs_a_due_command_and_moves_the_talk_on(
    pg_url: str, owner: Engine, tmp_path: Path
) -> None:
    create_roles(owner)
    episode, _, www = _publishing_show(owner, tmp_path)
    settings = Settings(
        db=pg_url, user="w@test", worker_commands=("cp",), output_root=str(tmp_path / "out")
    )
    with session_factory(owner)() as session:
        talk = get_episode(session, episode)
        talk.released = True
        own = output_path(
            settings, talk.show.client.slug, talk.show.slug, settings.profile("mp4"), talk.slug
        )
        own.parent.mkdir(parents=True)
        own.write_bytes(b"the talk")
        session.add(EncodeJob(episode_id=episode, profile="mp4", status="done"))
        set_state(session, talk, "review 2", "ed")
        enter_state(session, talk, get_state(session, "make public"), "ed", "mp4")
        session.commit()
    worker = _login_as(pg_url, owner, "worker")
    try:
        _run_worker_as(worker, settings)
    finally:
        worker.dispose()
    with session_factory(owner)() as session:
        job = session.scalars(select(EncodeJob).where(EncodeJob.kind == "command")).one()
        assert job.status == "done", job.error
        assert get_episode(session, episode).state.slug == "done"
    assert [p.read_bytes() for p in www.iterdir()] == [b"the talk"]


# -- issue 20 item 5: no role reads a password hash; logins still work ------------------


def test_no_role_reads_password_hashes_yet_every_role_logs_in(pg_url: str, owner: Engine) -> None:
    create_roles(owner)
    with session_factory(owner)() as session:
        add_user(session, "boss", "admin", "boss password")
        add_user(session, "rev", "reviewer", "rev password")
        # As veyedesk hashed before issue 20: re-made at the next login.
        old = hashlib.scrypt(b"rev password", salt=b"s" * 16, n=2**14, r=8, p=1, dklen=32)
        session.execute(
            update(User)
            .where(User.name == "rev")
            .values(
                password_hash="scrypt$16384$8$1$"
                + base64.b64encode(b"s" * 16).decode()
                + "$"
                + base64.b64encode(old).decode()
            )
        )
        session.commit()
    logins = {role: _login_as(pg_url, owner, role) for role in ("reviewer", "worker", "admin")}
    try:
        for engine in logins.values():
            assert _refused(engine, "SELECT password_hash FROM user_account")
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM user_account")).scalar() == 2
            with session_factory(engine)() as session, session.begin():
                assert has_users(session)
                with pytest.raises(AuthenticationFailed):
                    authenticate(session, "boss", "wrong password")
                with pytest.raises(AuthenticationFailed):
                    authenticate(session, "nobody", "boss password")
                assert authenticate(session, "boss", "boss password").role == "admin"
        with session_factory(logins["reviewer"])() as session, session.begin():
            assert authenticate(session, "rev", "rev password").role == "reviewer"
        # An admin still sets passwords without reading them back.
        with session_factory(logins["admin"])() as session, session.begin():
            set_password(session, "boss", "new boss password")
            assert authenticate(session, "boss", "new boss password").name == "boss"
    finally:
        for engine in logins.values():
            engine.dispose()
    with session_factory(owner)() as session:
        stored = session.scalar(select(User.password_hash).where(User.name == "rev"))
        assert stored is not None and not is_weak(stored)
        assert verify_password("rev password", stored)


def test_a_worker_login_changes_only_the_jobs_it_holds(pg_url: str, owner: Engine) -> None:
    create_roles(owner)
    with session_factory(owner)() as session:
        episode = session.scalars(select(Episode).order_by(Episode.id)).first()
        assert episode is not None
        job_id = enqueue(session, episode, "mp4").id
        session.commit()
    first = _login_as(pg_url, owner, "worker")
    second = _login_as(pg_url, owner, "worker")
    try:
        with session_factory(first)() as session, session.begin():
            claimed = claim(session, "first/0", lease_seconds=600)
            assert claimed is not None and claimed.id == job_id
        with owner.connect() as conn:
            holder = conn.execute(text(f"SELECT held_by FROM encode_job WHERE id = {job_id}"))
            assert holder.scalar() == first.url.username  # written by the database
        # Another worker login sees the job but cannot finish, fail or take it over...
        for sql in (
            "UPDATE encode_job SET status = 'done', output_path = '/home/x/private.mp4'",
            "UPDATE encode_job SET worker_id = 'second/0'",
            "UPDATE encode_job SET held_by = current_user",
        ):
            _refused_by_policy(second, sql)  # refused, or no row it may change
        with owner.connect() as conn:
            row = conn.execute(text("SELECT status, worker_id, held_by FROM encode_job")).one()
            assert tuple(row) == ("running", "first/0", first.url.username)
        # ...until the lease ran out: then it requeues the job, as any worker does.
        with owner.begin() as conn:
            conn.execute(text("UPDATE encode_job SET lease_expires_at = '2000-01-01'"))
        with session_factory(second)() as session, session.begin():
            assert requeue_expired(session, user="second") == [job_id]
        with owner.connect() as conn:
            row = conn.execute(text("SELECT status, held_by FROM encode_job")).one()
            assert tuple(row) == ("queued", "")
    finally:
        first.dispose()
        second.dispose()


def test_a_worker_login_writes_publications_only_of_publish_jobs_it_holds(
    pg_url: str, owner: Engine
) -> None:
    create_roles(owner)
    with session_factory(owner)() as session:
        episode = session.scalars(select(Episode).order_by(Episode.id)).first()
        assert episode is not None
        episode_id = episode.id
        enqueue(session, episode, "post", kind=JobKind.PUBLISH)
        target = PublishTarget(show_id=episode.show_id, name="files", kind="rclone", options="{}")
        session.add(target)
        session.commit()
        target_id = target.id
    holder = _login_as(pg_url, owner, "worker")
    other = _login_as(pg_url, owner, "worker")
    reviewer = _login_as(pg_url, owner, "reviewer")
    insert = (
        "INSERT INTO publication (episode_id, target_id, status, privacy, remote_id, "
        "host_url, public_url, upload_state, bytes, error) VALUES "
        f"({episode_id}, {target_id}, 'uploading', '', 'x', '', '', '', 0, '')"
    )
    try:
        # Nobody holds the talk's publish job yet: no worker may write its publication.
        assert _refused_by_policy(holder, insert)
        with session_factory(holder)() as session, session.begin():
            assert claim(session, "holder/0", lease_seconds=600) is not None
        assert not _refused_by_policy(holder, insert)
        assert not _refused_by_policy(holder, "UPDATE publication SET bytes = 10")
        # Another worker login changes no row of it; a reviewer reads it, writes nothing.
        _refused_by_policy(other, "UPDATE publication SET remote_id = 'forged'")
        assert _refused(reviewer, "UPDATE publication SET remote_id = 'forged'")
        assert _refused(holder, "UPDATE publish_target SET options = '{}'")
        with reviewer.connect() as conn:
            row = conn.execute(text("SELECT remote_id, bytes FROM publication")).one()
        assert tuple(row) == ("x", 10)
    finally:
        for engine in (holder, other, reviewer):
            engine.dispose()
