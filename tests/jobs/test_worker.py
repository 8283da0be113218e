"""The worker loop in-process: state command chains, retries, borked, logging format."""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture, make_show, set_state
from tests.support.waiting import wait_for
from veyedesk.config import Settings
from veyedesk.db import make_engine, session_factory
from veyedesk.encode.outputs import output_path
from veyedesk.jobs import state_moves
from veyedesk.jobs.engine import writer_engine, writer_sessions
from veyedesk.jobs.handler import JobCancelled, JobContext, JobResult
from veyedesk.jobs.worker import Worker, WorkerOptions, default_handlers, logfmt, run_worker
from veyedesk.model import EncodeJob, Episode, Log
from veyedesk.services.episodes import get_state

USER = "encoder@test"


def _recorder(tmp_path: Path) -> tuple[Path, str]:
    """A script that appends its arguments as one JSON line; and the file it writes."""
    calls = tmp_path / "calls.jsonl"
    script = tmp_path / "record.py"
    script.write_text(
        "import json, sys\n"
        f"with open({str(calls)!r}, 'a', encoding='utf-8') as f:\n"
        "    f.write(json.dumps(sys.argv[1:]) + '\\n')\n",
        encoding="utf-8",
    )
    return calls, f"{sys.executable} {script}"


def _work(db_url: str, output_root: str = "", **options) -> None:
    engine = writer_engine(db_url)
    try:
        stats = run_worker(
            engine,
            # The recorder scripts run under this Python; `true` in one test.
            Settings(
                db=db_url,
                user=USER,
                worker_commands=(sys.executable, "true"),
                output_root=output_root,
            ),
            default_handlers(),
            WorkerOptions(once=True, poll_seconds=0.1, **options),
            name="test:1",
        )
    finally:
        engine.dispose()
    assert stats.claimed >= 1


def _logs(session: Session, episode: Episode) -> list[str]:
    return list(session.scalars(select(Log.result).where(Log.episode_id == episode.id)))


def test_a_chain_of_state_commands_runs_in_order_with_exact_arguments(
    db_url: str, session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    calls, program = _recorder(tmp_path)
    get_state(session, "push to queue").command = f"{program} push {{name}} {{output}} {{room}}"
    get_state(session, "post").command = f"{program} post {{slug}} {{state}}"
    episode = show.episodes[0]
    episode.name = 'Quotes "x", colons: a; $(rm) \\ 100% 🎥'
    episode.released = True  # post is public: the speaker agreed, so the chain goes on
    # A finished encode gives {output}: the talk's file under the worker's output root
    # (never a job row's output_path); entering `push to queue` queues its command.
    root = tmp_path / "output root"
    encoded = output_path(
        Settings(output_root=str(root)),
        show.client.slug,
        show.show.slug,
        Settings().profile("mp4"),
        episode.slug,
    )
    encoded.parent.mkdir(parents=True)
    encoded.write_bytes(b"encoded")
    session.add(
        EncodeJob(episode_id=episode.id, profile="mp4", status="done", output_path="/srv/x.mp4")
    )
    set_state(session, episode, "push to queue", USER)
    assert state_moves.queue_for_state(session, episode, "mp4") is not None
    session.commit()

    _work(db_url, str(root))

    session.expire_all()
    lines = [json.loads(line) for line in calls.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        ["push", episode.name, str(encoded), "room_a"],
        ["post", episode.slug, "post"],
    ]
    # richard has no command (a pass state): the talk walks on to review 1, a person's.
    assert episode.state is not None and episode.state.slug == "review 1"
    results = _logs(session, episode)
    assert any("command push to queue done on test:1/0" in r for r in results)
    assert any("state post -> richard" in r for r in results)
    passed = "passed richard: nothing to do there; state richard -> review 1"
    assert any(passed in r for r in results)


def test_a_failing_command_is_retried_then_borks_the_episode_with_its_error(
    db_url: str, session: Session, show: ShowFixture
) -> None:
    get_state(
        session, "post"
    ).command = f"{sys.executable} -c \"import sys; print('upload refused: quota'); sys.exit(3)\""
    episode = show.episodes[1]
    episode.released = True  # post is public: the worker checks the release when it runs
    set_state(session, episode, "post", USER)
    job = state_moves.queue_for_state(session, episode, "mp4")
    assert job is not None
    job.max_attempts = 2
    session.commit()

    _work(db_url)

    session.expire_all()
    assert (job.status, job.attempts) == ("failed", 2)
    assert "exited with status 3: upload refused: quota" in job.error
    assert episode.state is not None and episode.state.slug == "borked"
    assert any("failed after 2 attempt(s)" in r and "quota" in r for r in _logs(session, episode))


def test_a_command_removed_after_queueing_fails_at_once(
    db_url: str, session: Session, show: ShowFixture
) -> None:
    post = get_state(session, "post")
    post.command = "true"
    episode = show.episodes[2]
    episode.released = True  # post is public: the worker checks the release when it runs
    set_state(session, episode, "post", USER)
    job = state_moves.queue_for_state(session, episode, "mp4")
    assert job is not None
    post.command = None
    session.commit()
    _work(db_url)
    session.expire_all()
    assert (job.status, job.attempts) == ("failed", 1)
    assert "has no command any more" in job.error


def test_progress_reported_by_a_handler_reaches_the_queue(
    db_url: str, session: Session, show: ShowFixture
) -> None:
    seen: list[float] = []

    def handler(ctx: JobContext) -> JobResult:
        # Report, then wait for the loop's heartbeat to store it, as a long encode would.
        ctx.report(0.5, 2.0, 10.0)
        for _ in range(200):
            with ctx.sessions() as s:  # a new transaction each time, to see new commits
                progress = s.scalar(select(EncodeJob.progress).where(EncodeJob.id == ctx.job.id))
            if progress == 0.5:
                seen.append(progress)
                break
            ctx.cancel.wait(0.05)
        return JobResult(output_path="/out/x.mp4", summary="fake")

    episode = show.episodes[0]
    set_state(session, episode, "encode", USER)
    state_moves.queue_for_state(session, episode, "mp4")
    session.commit()
    engine = writer_engine(db_url)
    try:
        run_worker(
            engine,
            Settings(db=db_url, user=USER),
            {"encode": handler},
            WorkerOptions(once=True, heartbeat_seconds=0.1, poll_seconds=0.1),
        )
    finally:
        engine.dispose()
    assert seen == [0.5]
    session.expire_all()
    assert episode.state is not None and episode.state.slug == "review 1"


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        ({"event": "claimed", "job": 3, "seconds": 1.5}, "event=claimed job=3 seconds=1.500"),
        (
            {"event": "failed", "error": 'ffmpeg said "no"\nx'},
            'event=failed error="ffmpeg said \\"no\\" | x"',
        ),
        ({"event": "done", "output": ""}, "event=done"),
    ],
)
def test_log_lines_are_greppable_key_value_pairs(fields: dict, line: str) -> None:
    assert logfmt(**fields) == line


def test_a_worker_in_a_thread_stops_and_releases_its_job_on_stop(
    db_url: str, session: Session, show: ShowFixture
) -> None:
    # How the GUI hosts a local worker: run() in a thread, stop() from the GUI thread.
    started = threading.Event()

    def handler(ctx: JobContext) -> JobResult:
        started.set()
        ctx.cancel.wait(60)
        raise JobCancelled("stopped")

    episode = show.episodes[0]
    set_state(session, episode, "encode", USER)
    job = state_moves.queue_for_state(session, episode, "mp4")
    assert job is not None
    session.commit()
    engine = writer_engine(db_url)
    worker = Worker(
        engine, Settings(db=db_url, user=USER), {"encode": handler}, WorkerOptions(poll_seconds=0.1)
    )
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        assert started.wait(60)
        worker.stop(release=True)
        thread.join(60)
        assert not thread.is_alive()
    finally:
        worker.stop()
        thread.join(60)
        engine.dispose()
    session.expire_all()
    assert (job.status, job.attempts, job.worker_id) == ("queued", 0, "")
    assert worker.stats.released == 1


def test_a_worker_that_cannot_renew_its_lease_stops_the_job_and_counts_one_attempt(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The database stays locked for longer than the lease: the worker must stop the work.

    Another connection holds SQLite's write lock (a real, hung writer), so every renewal
    waits. The handler's cancel must be set with reason "lost" while the lock is still
    held, i.e. without the worker hearing anything from the database.
    """
    engine = writer_engine(sqlite_url)
    sessions = writer_sessions(engine)
    with sessions() as s, s.begin():
        episode = make_show(s).episodes[0]
        set_state(s, episode, "encode", USER)
        job = state_moves.queue_for_state(s, episode, "mp4")
        assert job is not None
    events: list[str] = []
    started, lost_while_locked = threading.Event(), threading.Event()
    locked = threading.Event()

    def handler(ctx: JobContext) -> JobResult:
        started.set()
        ctx.cancel.wait(60)
        if locked.is_set():
            lost_while_locked.set()
        raise JobCancelled("stopped")

    worker = Worker(
        engine,
        Settings(db=sqlite_url, user=USER),
        {"encode": handler},
        WorkerOptions(poll_seconds=0.1, lease_seconds=2.0),
    )
    worker._log = lambda event, *a, **kw: events.append(event)  # type: ignore[method-assign]
    thread = threading.Thread(target=worker.run)
    blocker = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        thread.start()
        assert started.wait(60)
        blocker.execute("BEGIN IMMEDIATE")  # nobody else may write: renewals hang
        locked.set()
        wait_for("the worker to stop the job", lambda: "lease-unrenewed" in events, timeout=30)
    finally:
        locked.clear()
        blocker.rollback()
        blocker.close()
        try:
            wait_for("the attempt to be counted", lambda: worker.stats.failed >= 1, timeout=30)
        finally:
            worker.stop()  # it may have claimed the job again: that claim is given back
            thread.join(60)
            engine.dispose()
    assert lost_while_locked.is_set()
    check = make_engine(sqlite_url)
    with session_factory(check)() as s:
        stored = s.get(EncodeJob, job.id)
        assert stored is not None
        # Given up by its holder: one attempt counted, queued for another worker.
        assert (stored.status, stored.attempts, stored.worker_id) == ("queued", 1, "")
        assert "lease could not be renewed" in stored.error
    check.dispose()
