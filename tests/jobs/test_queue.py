"""The queue's rules on SQLite and PostgreSQL: one live job, claim order, leases, outcomes."""

from __future__ import annotations

import contextlib
import threading

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture, set_state
from veyedesk.jobs import claims, queue, state_moves
from veyedesk.jobs.engine import writer_engine, writer_sessions
from veyedesk.model import EncodeJob, Episode, Log, State
from veyedesk.model.kinds import LogKind
from veyedesk.services.episodes import get_state

USER = "tester@here"


def _state(session: Session, slug: str) -> State:
    return get_state(session, slug)


def _encode(session: Session, episode: Episode, **kw) -> EncodeJob:
    set_state(session, episode, "encode", USER)
    job = state_moves.queue_for_state(session, episode, kw.pop("profile", "mp4"), **kw)
    assert job is not None
    return job


def _claim(session: Session, worker: str = "w:1/0", **kw) -> EncodeJob:
    job = claims.claim(session, worker, **kw)
    assert job is not None
    return job


def test_requeueing_replaces_a_queued_job_and_refuses_a_running_one(
    session: Session, show: ShowFixture
) -> None:
    ep = show.episodes[0]
    first = _encode(session, ep)
    again = queue.enqueue(session, ep, "mp4", priority=5)
    session.commit()
    assert again.id == first.id
    assert session.scalars(select(EncodeJob)).all() == [first]
    assert first.priority == 5
    other_profile = queue.enqueue(session, ep, "webm")
    assert other_profile.id != first.id
    _claim(session, profiles=["mp4"])
    with pytest.raises(queue.JobError, match="cancel it first"):
        queue.enqueue(session, ep, "mp4")


def test_claim_order_is_priority_then_shortest_talk_then_oldest_and_skips_stopped(
    session: Session, show: ShowFixture
) -> None:
    eps = show.episodes[:5]
    # Cut lengths: make talk 3 the shortest and talk 1 the longest.
    for ep, seconds in zip(eps, (1500.0, 900.0, 60.0, 600.0, 30.0), strict=True):
        for cut in ep.cuts:
            cut.start, cut.end = 0.0, seconds / len(ep.cuts)
    jobs = [_encode(session, ep) for ep in eps]
    eps[4].stop = True  # shortest of all, but stopped: never claimed
    jobs[0].priority = 1  # longest, but urgent
    session.commit()
    order = [_claim(session).id for _ in range(4)]
    assert order == [jobs[0].id, jobs[2].id, jobs[3].id, jobs[1].id]
    assert claims.claim(session, "w:1/0") is None


def test_claim_limits_encodes_to_the_worker_profiles(session: Session, show: ShowFixture) -> None:
    ep = show.episodes[0]
    _encode(session, ep, profile="webm")
    session.commit()
    assert claims.claim(session, "w", profiles=["mp4"]) is None
    assert _claim(session, profiles=["webm"]).profile == "webm"


def test_two_writers_never_claim_the_same_job(db_url: str, show: ShowFixture, session) -> None:
    for ep in show.episodes[:2]:
        _encode(session, ep)
    session.commit()
    engine: Engine = writer_engine(db_url)
    try:
        first_session = writer_sessions(engine)()
        second_session = writer_sessions(engine)()
        with first_session.begin():
            a = _claim(first_session, "a")
            if engine.dialect.name == "postgresql":
                # While `a` holds its row lock, another claim skips it instead of waiting.
                with second_session.begin():
                    b = _claim(second_session, "b")
                    assert b.id != a.id
        if engine.dialect.name == "sqlite":
            with second_session.begin():
                b = _claim(second_session, "b")
                assert b.id != a.id
        with second_session.begin():
            assert claims.claim(second_session, "c") is None
        first_session.close()
        second_session.close()
    finally:
        engine.dispose()


def test_heartbeat_renews_the_lease_and_reports_a_cancel(session: Session, show: ShowFixture):
    job = _encode(session, show.episodes[0])
    _claim(session, "w", lease_seconds=30)
    first_lease = job.lease_expires_at
    assert first_lease is not None
    assert (
        claims.heartbeat(
            session, job.id, "w", progress=0.5, speed=2.0, eta_seconds=9.0, lease_seconds=300
        )
        is False
    )
    assert job.lease_expires_at is not None and job.lease_expires_at > first_lease
    assert (job.progress, job.speed, job.eta_seconds) == (0.5, 2.0, 9.0)
    claims.cancel(session, job.id, user=USER)
    assert job.status == "running" and job.cancel_requested
    assert claims.heartbeat(session, job.id, "w", progress=0.6) is True
    with pytest.raises(queue.LeaseLost):
        claims.heartbeat(session, job.id, "someone else", progress=0.6)


def test_an_expired_lease_requeues_with_an_attempt_then_borks_the_episode(
    session: Session, show: ShowFixture
) -> None:
    ep = show.episodes[0]
    job = _encode(session, ep)
    job.max_attempts = 2
    session.commit()
    _claim(session, "dead:1/0", lease_seconds=-1)  # lease already over: the worker "died"
    assert claims.requeue_expired(session, user=USER) == [job.id]
    assert (job.status, job.attempts, job.worker_id) == ("queued", 1, "")
    assert "lease expired" in job.error
    # The dead worker cannot finish or heartbeat a job it lost.
    with pytest.raises(queue.LeaseLost):
        claims.complete(session, job.id, "dead:1/0", user=USER)
    _claim(session, "dead:2/0", lease_seconds=-1)
    assert claims.requeue_expired(session, user=USER) == [job.id]
    session.commit()
    assert (job.status, job.attempts) == ("failed", 2)
    assert ep.state is not None and ep.state.slug == "borked"
    last = session.scalars(select(Log).where(Log.episode_id == ep.id).order_by(Log.id)).all()[-1]
    assert "lease expired" in last.result and "2 attempt" in last.result
    assert last.state is not None and last.state.slug == "borked"


def test_done_advances_the_episode_and_queues_the_next_states_command(
    session: Session, show: ShowFixture
) -> None:
    ep = show.episodes[0]
    _state(session, "push to queue").command = "cp {output} /tmp/up/{slug}.mp4"
    job = _encode(session, ep)
    _claim(session, "host:7/0")
    claims.complete(session, job.id, "host:7/0", user=USER, output_path="/out/talk.mp4")
    session.commit()
    assert (job.status, job.progress, job.output_path) == ("done", 1.0, "/out/talk.mp4")
    assert ep.state is not None and ep.state.slug == "push to queue"
    log = session.scalars(select(Log).where(Log.episode_id == ep.id).order_by(Log.id)).all()[-1]
    assert "host:7/0" in log.result and "encode -> push to queue" in log.result
    assert log.user == USER and log.start is not None and log.end is not None
    command = session.scalar(select(EncodeJob).where(EncodeJob.kind == "command"))
    assert command is not None
    assert (command.profile, command.status) == ("push to queue", "queued")


def test_done_waits_for_the_other_profile_before_advancing(
    session: Session, show: ShowFixture
) -> None:
    ep = show.episodes[0]
    mp4 = _encode(session, ep)
    webm = queue.enqueue(session, ep, "webm")
    _claim(session, "w", profiles=["mp4"])
    claims.complete(session, mp4.id, "w", user=USER)
    assert ep.state is not None and ep.state.slug == "encode"
    _claim(session, "w", profiles=["webm"])
    claims.complete(session, webm.id, "w", user=USER)
    assert ep.state.slug == "review 1"  # push to queue, post, richard pass


def test_fail_retries_until_max_attempts_and_permanent_errors_fail_at_once(
    session: Session, show: ShowFixture
) -> None:
    a, b = show.episodes[:2]
    job_a = _encode(session, a)
    job_b = _encode(session, b)
    session.commit()
    claimed = _claim(session, "w")
    claims.fail(session, claimed.id, "w", "EncodeFailed: boom", user=USER)
    assert (claimed.status, claimed.attempts) == ("queued", 1)
    assert claimed.error == "EncodeFailed: boom"
    # A retried job keeps its place in the queue (same talk length, same age).
    again = _claim(session, "w")
    assert again.id == claimed.id
    claims.fail(session, again.id, "w", "bad cuts: end before start", user=USER, retry=False)
    assert (again.status, again.attempts) == ("failed", 2)
    failed_ep = a if again.id == job_a.id else b
    assert failed_ep.state is not None and failed_ep.state.slug == "borked"
    untouched = job_b if again.id == job_a.id else job_a
    assert untouched.status == "queued"


def test_release_gives_the_job_back_without_counting_an_attempt(
    session: Session, show: ShowFixture
) -> None:
    job = _encode(session, show.episodes[0])
    _claim(session, "w")
    claims.release(session, job.id, "w", user=USER)
    assert (job.status, job.attempts, job.worker_id) == ("queued", 0, "")


def test_cancel_and_retry(session: Session, show: ShowFixture) -> None:
    ep = show.episodes[0]
    job = _encode(session, ep)
    claims.cancel(session, job.id, user=USER)
    assert job.status == "cancelled"
    with pytest.raises(queue.JobError, match="only queued or running"):
        claims.cancel(session, job.id, user=USER)
    with pytest.raises(queue.JobError, match="no job with id 999"):
        claims.cancel(session, 999, user=USER)
    claims.retry(session, job.id, user=USER, priority=3)
    assert (job.status, job.attempts, job.priority) == ("queued", 0, 3)
    with pytest.raises(queue.JobError, match="only failed or cancelled"):
        claims.retry(session, job.id, user=USER)
    # A running job asked to stop ends as cancelled when its worker stops it.
    _claim(session, "w")
    claims.cancel(session, job.id, user=USER)
    claims.finish_cancelled(session, job.id, "w", user=USER)
    assert job.status == "cancelled"
    # Retrying a job whose failure borked the episode puts the episode back into encode.
    claims.retry(session, job.id, user=USER)
    _claim(session, "w")
    claims.fail(session, job.id, "w", "boom", user=USER, retry=False)
    assert ep.state is not None and ep.state.slug == "borked"
    claims.retry(session, job.id, user=USER)
    assert ep.state.slug == "encode" and job.status == "queued"


def test_list_jobs_gives_plain_rows_running_first(session: Session, show: ShowFixture) -> None:
    jobs = [_encode(session, ep) for ep in show.episodes[:3]]
    session.commit()
    running = _claim(session, "laptop:9/0")
    claims.heartbeat(session, running.id, "laptop:9/0", progress=0.25, speed=1.5, eta_seconds=30)
    session.commit()
    rows = queue.list_jobs(session)
    assert rows[0].id == running.id
    assert {r.id for r in rows} == {j.id for j in jobs}
    top = rows[0]
    assert (top.status, top.progress, top.speed, top.worker, top.attempts) == (
        "running",
        0.25,
        1.5,
        "laptop:9/0",
        0,
    )
    assert top.episode_state == "encode" and top.as_dict()["eta_seconds"] == 30
    assert not top.stopped
    show.episodes[1].stop = True
    session.commit()
    assert [r.stopped for r in queue.list_jobs(session, episode_ids=[show.episodes[1].id])] == [
        True
    ]
    assert queue.list_jobs(session, show_id=show.show.id + 1) == []
    assert queue.job_counts(session) == {
        "queued": 2,
        "running": 1,
        "done": 0,
        "failed": 0,
        "cancelled": 0,
    }
    assert [r.id for r in queue.list_jobs(session, statuses=["queued"])] == [
        j.id for j in jobs if j.id != running.id
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_profiles_finishing_together_advance_the_talk_once(
    db_url: str, session: Session, show: ShowFixture
) -> None:
    """Each finishing job used to count the other as live (uncommitted): the talk stuck."""
    ep = show.episodes[0]
    mp4 = _encode(session, ep)
    webm = queue.enqueue(session, ep, "webm")
    _claim(session, "a", profiles=["mp4"])
    _claim(session, "b", profiles=["webm"])
    session.commit()
    engine = writer_engine(db_url)
    together = threading.Barrier(2)
    # Each commits only after both have completed, or after it waited a while for the
    # other (which, with the episode locked, is blocked until this one commits).
    both_completed = threading.Barrier(2)
    errors: list[BaseException] = []

    def finish(job_id: int, worker: str) -> None:
        try:
            with writer_sessions(engine)() as s, s.begin():
                together.wait(timeout=30)
                claims.complete(s, job_id, worker, user=USER)
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_completed.wait(timeout=3)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=finish, args=(mp4.id, "a")),
        threading.Thread(target=finish, args=(webm.id, "b")),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        engine.dispose()
    assert errors == []
    session.expire_all()
    assert {j.status for j in session.scalars(select(EncodeJob))} == {"done"}
    assert ep.state is not None and ep.state.slug == "review 1"
    moves = session.scalars(
        select(Log).where(Log.episode_id == ep.id, Log.kind == LogKind.STATE)
    ).all()
    advances = [m.result.rsplit("; ", 1)[-1] for m in moves if m.result.endswith("push to queue")]
    assert advances == ["state encode -> push to queue"]


def test_log_rows_say_what_they_record(session: Session, show: ShowFixture) -> None:
    ep = show.episodes[0]
    job = _encode(session, ep)
    _claim(session, "w")
    claims.fail(session, job.id, "w", "boom", user=USER)  # retried: a job outcome, no move
    _claim(session, "w")
    claims.complete(session, job.id, "w", user=USER)  # done and the talk moves on
    session.commit()
    rows = session.scalars(select(Log).where(Log.episode_id == ep.id).order_by(Log.id)).all()
    # The move, then the pass states walked to review 1: nothing public on the way, so no
    # hold even though the release is unknown (issue 19).
    assert [(r.kind, r.result.split(" ", 2)[:2]) for r in rows][-4:] == [
        (LogKind.STATE, ["encode", "mp4"]),
        (LogKind.STATE, ["passed", "push"]),
        (LogKind.STATE, ["passed", "post:"]),
        (LogKind.STATE, ["passed", "richard:"]),
    ]
    assert LogKind.RELEASE not in {r.kind for r in rows}
    webm = queue.enqueue(session, ep, "webm")
    claims.cancel(session, webm.id, user=USER)
    last = session.scalars(select(Log).where(Log.episode_id == ep.id).order_by(Log.id)).all()[-1]
    assert (last.kind, last.result) == (LogKind.JOB, "encode webm cancelled")


def test_a_lease_that_ran_out_can_neither_be_renewed_nor_completed(
    session: Session, show: ShowFixture
) -> None:
    job = _encode(session, show.episodes[0])
    _claim(session, "w", lease_seconds=-1)  # nobody has requeued it yet, but it is over
    with pytest.raises(queue.LeaseLost, match="run out"):
        claims.heartbeat(session, job.id, "w", progress=0.5)
    with pytest.raises(queue.LeaseLost, match="run out"):
        claims.complete(session, job.id, "w", user=USER)
    assert job.status == "running"
    claims.fail(session, job.id, "w", "gave up", user=USER)  # its holder may still give it up
    assert (job.status, job.attempts) == ("queued", 1)


def test_take_claims_the_talks_queued_job_or_queues_one_and_refuses_a_running_one(
    session: Session, show: ShowFixture
) -> None:
    a, b = show.episodes[:2]
    queued = _encode(session, a)
    taken = claims.take(session, a, "mp4", "fg:1/encode")
    assert taken.id == queued.id and (taken.status, taken.worker_id) == ("running", "fg:1/encode")
    with pytest.raises(queue.JobError, match=r"being encoded with mp4 by fg:1/encode"):
        claims.take(session, a, "mp4", "fg:2/encode")
    fresh = claims.take(session, b, "mp4", "fg:1/encode")  # b had no job: one is queued for it
    assert fresh.id != queued.id and fresh.status == "running"
    assert claims.claim(session, "worker:1/0") is None  # nothing left for a worker
