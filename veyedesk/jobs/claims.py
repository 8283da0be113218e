"""A job's life after it is queued: claimed under a lease, renewed, finished or failed,
cancelled, retried or re-prioritised (the rules of safe claiming are in `jobs.queue`'s
docstring; how a holder keeps and finishes its lease is `jobs.lease`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from veyedesk.jobs.defaults import (
    DEFAULT_LEASE_SECONDS as DEFAULT_LEASE_SECONDS,
    DEFAULT_MAX_ATTEMPTS as DEFAULT_MAX_ATTEMPTS,
)

# The queue panel's view of the queue, re-exported so callers need only this module.
from veyedesk.jobs.listing import (
    JobView as JobView,
    job_counts as job_counts,
    list_jobs as list_jobs,
)
from veyedesk.jobs.queue import (
    BORKED_STATE,
    JobError,
    LeaseLost,
    db_now,
    describe,
    enqueue,
    job_state_slug,
    live_job,
)
from veyedesk.jobs.state_moves import enter_state, log_step, move, next_state, state_by_slug
from veyedesk.model import Cut, EncodeJob, Episode, RawFile
from veyedesk.model.kinds import ENCODE_KINDS, LIVE_JOB_STATUSES, JobKind, JobStatus


def _shortest_first() -> Any:
    # Seconds of applied cuts (blank end = end of the raw file), else the scheduled length:
    # Veyepar's wish that short talks come out first so reviewers get work early.
    cut_seconds = (
        select(
            func.sum(func.coalesce(Cut.end, RawFile.duration, 0.0) - func.coalesce(Cut.start, 0.0))
        )
        .join(RawFile, Cut.raw_file_id == RawFile.id)
        .where(Cut.episode_id == Episode.id, Cut.apply.is_(True))
        .correlate(Episode)
        .scalar_subquery()
    )
    return func.coalesce(cut_seconds, Episode.duration, 1e9)


def claim(
    session: Session,
    worker_id: str,
    *,
    profiles: Sequence[str] = (),
    kinds: Sequence[str] = tuple(JobKind),
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> EncodeJob | None:
    """Take the next queued job for `worker_id`, or None when there is none to take.

    Order: priority (high first), then the shortest talk, then the oldest job. Episodes
    with `stop` set are skipped, and so is an encode waiting for its sub-jobs (`split`).
    `profiles` limits encode jobs (and their sub-jobs) to those profiles. On SQLite run
    this in a BEGIN IMMEDIATE transaction (writer_engine).
    """
    child = aliased(EncodeJob)
    waiting = exists().where(child.parent_id == EncodeJob.id, child.status.in_(LIVE_JOB_STATUSES))
    stmt = (
        select(EncodeJob)
        .join(Episode, EncodeJob.episode_id == Episode.id)
        .where(
            EncodeJob.status == JobStatus.QUEUED,
            Episode.stop.is_(False),
            EncodeJob.kind.in_(kinds),
            ~waiting,
        )
        .order_by(
            EncodeJob.priority.desc(),
            _shortest_first(),
            EncodeJob.created_at,
            EncodeJob.id,
        )
        .limit(1)
        .with_for_update(skip_locked=True, of=EncodeJob)
    )
    if profiles:
        stmt = stmt.where(or_(EncodeJob.kind.not_in(ENCODE_KINDS), EncodeJob.profile.in_(profiles)))
    job = session.scalar(stmt)
    if job is None:
        return None
    _start(session, job, worker_id, lease_seconds)
    return job


def _start(session: Session, job: EncodeJob, worker_id: str, lease_seconds: float) -> None:
    now = db_now(session)
    job.status, job.worker_id, job.cancel_requested = JobStatus.RUNNING, worker_id, False
    job.started_at = job.heartbeat_at = job.updated_at = now
    job.lease_expires_at = now + timedelta(seconds=lease_seconds)
    job.progress, job.speed, job.eta_seconds, job.finished_at = 0.0, None, None, None
    session.flush()


def take(
    session: Session,
    episode: Episode,
    profile: str,
    worker_id: str,
    *,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> EncodeJob:
    """Claim the episode's live encode job for `profile` (queueing one first if there is none).

    For the foreground `veyedesk encode`, which then holds the job like a worker does, so
    a talk is encoded once however it was started. `stop` is not checked: the user asked
    for this talk by name. Raises JobError when another process is encoding it right now.
    """
    job = live_job(session, episode.id, JobKind.ENCODE, profile)
    if job is not None and job.status == JobStatus.RUNNING:
        raise JobError(
            f"{describe(episode)} is being encoded with {profile} by {job.worker_id} "
            f"(job {job.id}); wait for it, or cancel it with `veyedesk queue cancel {job.id}`"
        )
    if job is None:
        job = enqueue(session, episode, profile)
    _start(session, job, worker_id, lease_seconds)
    return job


def _owned(session: Session, job_id: int, worker_id: str, *, leased: bool = False) -> EncodeJob:
    """The job, row-locked, if it is running under `worker_id`; else LeaseLost.

    With `leased`, its lease must also still run by the database's clock: a worker whose
    lease ran out no longer holds the job, even before another worker took it over.
    """
    job = session.scalar(
        select(EncodeJob)
        .where(
            EncodeJob.id == job_id,
            EncodeJob.worker_id == worker_id,
            EncodeJob.status == JobStatus.RUNNING,
        )
        .with_for_update(of=EncodeJob)
    )
    if job is None:
        raise LeaseLost(f"job {job_id} is no longer running under {worker_id}")
    if leased and (job.lease_expires_at is None or job.lease_expires_at <= db_now(session)):
        raise LeaseLost(f"the lease of job {job_id} under {worker_id} has run out")
    return job


def hold(session: Session, job_id: int, worker_id: str) -> EncodeJob:
    """Lock the job's episode and the job, and check `worker_id` still holds its lease.

    The start of the transaction that finishes a job: what the worker writes or publishes
    after this, in the same transaction, happens only while it holds the job (nobody can
    requeue or claim a row this transaction has locked). The episode is locked first, as
    every writer of both rows does, so two finishing jobs of one talk take turns.
    Raises LeaseLost.
    """
    episode_id = session.scalar(select(EncodeJob.episode_id).where(EncodeJob.id == job_id))
    if episode_id is None:
        raise LeaseLost(f"job {job_id} no longer exists")
    # populate_existing: the episode as it is now that it is locked, not as first loaded.
    session.scalar(
        select(Episode)
        .where(Episode.id == episode_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return _owned(session, job_id, worker_id, leased=True)


def heartbeat(
    session: Session,
    job_id: int,
    worker_id: str,
    *,
    progress: float,
    speed: float | None = None,
    eta_seconds: float | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> bool:
    """Renew the lease and store progress; returns True when a cancel was requested.

    Raises LeaseLost when the job is not running under this worker any more, or its lease
    already ran out (then it is no longer this worker's to renew).
    """
    job = _owned(session, job_id, worker_id, leased=True)
    now = db_now(session)
    job.heartbeat_at = job.updated_at = now
    job.lease_expires_at = now + timedelta(seconds=lease_seconds)
    job.progress = min(1.0, max(0.0, progress))
    job.speed, job.eta_seconds = speed, eta_seconds
    return job.cancel_requested


def _run_seconds(job: EncodeJob, now: datetime) -> float:
    return max(0.0, (now - job.started_at).total_seconds()) if job.started_at else 0.0


def complete(
    session: Session,
    job_id: int,
    worker_id: str,
    *,
    user: str,
    output_path: str = "",
    summary: str = "",
    default_profile: str = "mp4",
) -> EncodeJob:
    """Mark a job done and advance its episode to the next state (logged who/where/how long).

    The episode advances only when it is still in the job's state and no other live job of
    that state remains (e.g. the webm encode of the same talk). The episode row is locked
    (`hold`) before the others are counted, so of two jobs finishing at the same moment
    the second waits for the first to commit and sees it done: the last one advances the
    talk. Raises LeaseLost when the job is not this worker's any more or its lease ran
    out, so a job is done exactly once and only by the worker holding it.
    """
    job = hold(session, job_id, worker_id)
    now = db_now(session)
    seconds = _run_seconds(job, now)
    job.status, job.progress, job.finished_at, job.updated_at = JobStatus.DONE, 1.0, now, now
    job.lease_expires_at, job.speed, job.eta_seconds, job.error = None, None, 0.0, ""
    job.output_path = output_path or job.output_path
    episode = job.episode
    what = f"{job.kind} {job.profile} done on {worker_id} in {seconds:.1f} s"
    if summary:
        what = f"{what}: {summary}"
    from_state = job_state_slug(job)
    others = session.scalar(
        select(func.count(EncodeJob.id)).where(
            EncodeJob.episode_id == episode.id,
            EncodeJob.kind == job.kind,
            EncodeJob.id != job.id,
            EncodeJob.status.in_(LIVE_JOB_STATUSES),
        )
    )
    here = episode.state
    target = next_state(session, here) if here is not None and here.slug == from_state else None
    # A sub-job is a piece of its parent's work: only the parent, joined, moves the talk.
    if target is None or (job.kind == JobKind.ENCODE and others) or job.parent_id is not None:
        log_step(session, episode, here, user, what, seconds)
    else:
        enter_state(session, episode, target, user, default_profile, result=what, seconds=seconds)
    session.flush()
    return job


def _give_up(session: Session, job: EncodeJob, user: str, now: datetime) -> None:
    job.status, job.finished_at, job.lease_expires_at = JobStatus.FAILED, now, None
    parent = session.get(EncodeJob, job.parent_id) if job.parent_id is not None else None
    if parent is not None and parent.status == JobStatus.QUEUED:
        # The encode cannot be joined without this piece; `queue retry` of the encode
        # queues the failed pieces again.
        parent.status, parent.finished_at, parent.updated_at = JobStatus.FAILED, now, now
        parent.error = f"{job.kind} {job.chunk_index} (job {job.id}) failed: {job.error}"
    episode = job.episode
    what = (
        f"{job.kind} {job.profile} failed after {job.attempts} attempt(s), "
        f"last on {job.worker_id or 'no worker'}: {job.error}"
    )
    if episode.state is not None and episode.state.slug == job_state_slug(job):
        move(session, episode, state_by_slug(session, BORKED_STATE), user, what)
    else:
        log_step(session, episode, episode.state, user, what)


def split(
    session: Session,
    job_id: int,
    worker_id: str,
    sub_jobs: Sequence[tuple[JobKind, int]],
    *,
    user: str,
) -> EncodeJob:
    """Queue a held encode's sub-jobs (kind, chunk index) and put the encode back in the
    queue, attempts uncounted: it is claimed again (to join) once none of them is live.

    A sub-job that exists already (done, or failed before) is queued again, so only the
    pieces named are made. Raises LeaseLost.
    """
    job = hold(session, job_id, worker_id)
    now = db_now(session)
    existing = {
        (child.kind, child.chunk_index): child
        for child in session.scalars(select(EncodeJob).where(EncodeJob.parent_id == job.id))
    }
    for kind, index in sub_jobs:
        child = existing.get((kind, index))
        if child is None:
            child = EncodeJob(
                episode_id=job.episode_id,
                profile=job.profile,
                kind=kind,
                parent_id=job.id,
                chunk_index=index,
                created_at=now,
            )
            session.add(child)
        elif child.status == JobStatus.RUNNING:
            continue  # another worker is making it right now
        # Ahead of other talks' jobs: this talk's worker slots wait for its pieces. The
        # audio is the longest piece (the whole talk's), so it starts first and the chunks
        # share the other workers meanwhile: the last piece ends soonest.
        bump = 2 if kind == JobKind.AUDIO else 1
        child.priority, child.max_attempts = job.priority + bump, job.max_attempts
        child.attempts, child.error, child.cancel_requested = 0, "", False
        child.started_at = child.finished_at = None
        _requeue(child, now)
    _requeue(job, now)
    log_step(
        session,
        job.episode,
        job.episode.state,
        user,
        f"{job.kind} {job.profile} split: {len(sub_jobs)} piece(s) queued for any worker",
    )
    session.flush()
    return job


def sub_job_statuses(session: Session, job_id: int) -> dict[tuple[str, int], str]:
    """The status of each sub-job of a split encode, by (kind, chunk index)."""
    rows = session.execute(
        select(EncodeJob.kind, EncodeJob.chunk_index, EncodeJob.status).where(
            EncodeJob.parent_id == job_id
        )
    )
    return {(kind, index or 0): status for kind, index, status in rows}


def _requeue(job: EncodeJob, now: datetime) -> None:
    job.status, job.worker_id, job.lease_expires_at, job.heartbeat_at = (
        JobStatus.QUEUED,
        "",
        None,
        None,
    )
    job.progress, job.speed, job.eta_seconds, job.updated_at = 0.0, None, None, now


def _cancelled(session: Session, job: EncodeJob, user: str, now: datetime) -> None:
    job.status, job.finished_at = JobStatus.CANCELLED, now
    job.lease_expires_at, job.updated_at = None, now
    job.speed, job.eta_seconds = None, None
    log_step(session, job.episode, job.episode.state, user, f"{job.kind} {job.profile} cancelled")


def _count_failure(
    session: Session, job: EncodeJob, error: str, user: str, *, retry: bool = True
) -> None:
    now = db_now(session)
    job.attempts += 1
    job.error, job.updated_at = error, now
    if job.cancel_requested:
        _cancelled(session, job, user, now)
    elif retry and job.attempts < job.max_attempts:
        _requeue(job, now)
    else:
        _give_up(session, job, user, now)


def fail(
    session: Session, job_id: int, worker_id: str, error: str, *, user: str, retry: bool = True
) -> EncodeJob:
    """Count a failed attempt: back to queued, or failed (episode borked) after max_attempts.

    `retry=False` fails the job at once (an error retrying cannot fix).
    """
    job = _owned(session, job_id, worker_id)
    _count_failure(session, job, error, user, retry=retry)
    session.flush()
    return job


def release(session: Session, job_id: int, worker_id: str, *, user: str) -> EncodeJob:
    """Give a running job back to the queue without counting an attempt (worker stopping)."""
    job = _owned(session, job_id, worker_id)
    now = db_now(session)
    if job.cancel_requested:
        _cancelled(session, job, user, now)
    else:
        _requeue(job, now)
    session.flush()
    return job


def finish_cancelled(session: Session, job_id: int, worker_id: str, *, user: str) -> EncodeJob:
    """Record that a worker stopped a job whose cancel was requested."""
    job = _owned(session, job_id, worker_id)
    _cancelled(session, job, user, db_now(session))
    session.flush()
    return job


def requeue_expired(session: Session, *, user: str) -> list[int]:
    """Jobs whose lease ran out go back to the queue with attempts+1 (or fail); their ids."""
    now = db_now(session)
    expired = session.scalars(
        select(EncodeJob)
        .where(EncodeJob.status == JobStatus.RUNNING, EncodeJob.lease_expires_at < now)
        .with_for_update(skip_locked=True, of=EncodeJob)
    ).all()
    for job in expired:
        error = (
            f"lease expired: worker {job.worker_id} stopped sending heartbeats "
            "(killed, asleep or offline)"
        )
        _count_failure(session, job, error, user)
    session.flush()
    return [job.id for job in expired]


def _get(session: Session, job_id: int) -> EncodeJob:
    job = session.get(EncodeJob, job_id, with_for_update=True)
    if job is None:
        raise JobError(f"no job with id {job_id}; `veyedesk queue list` shows the jobs")
    return job


def cancel(session: Session, job_id: int, *, user: str) -> EncodeJob:
    """Cancel a job: a queued one at once, a running one by asking its worker to stop."""
    job = _get(session, job_id)
    for child in session.scalars(
        select(EncodeJob).where(
            EncodeJob.parent_id == job.id, EncodeJob.status.in_(LIVE_JOB_STATUSES)
        )
    ):
        # A split encode's pieces go with it (a running one is asked to stop).
        if child.status == JobStatus.QUEUED:
            child.status, child.finished_at = JobStatus.CANCELLED, db_now(session)
        else:
            child.cancel_requested = True
    if job.status == JobStatus.QUEUED:
        _cancelled(session, job, user, db_now(session))
    elif job.status == JobStatus.RUNNING:
        job.cancel_requested, job.updated_at = True, db_now(session)
    else:
        raise JobError(
            f"job {job_id} is {job.status}; only queued or running jobs can be cancelled"
        )
    session.flush()
    return job


def retry(session: Session, job_id: int, *, user: str, priority: int | None = None) -> EncodeJob:
    """Queue a failed or cancelled job again; a borked episode goes back to the job's state."""
    job = _get(session, job_id)
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise JobError(
            f"job {job_id} is {job.status}; only failed or cancelled jobs can be retried"
        )
    live = live_job(session, job.episode_id, job.kind, job.profile)
    if live is not None:
        raise JobError(
            f"episode {job.episode_id} already has job {live.id} {live.status} for {job.profile}"
        )
    now = db_now(session)
    _requeue(job, now)
    job.attempts, job.error, job.cancel_requested = 0, "", False
    job.started_at = job.finished_at = None
    job.created_at = now
    if priority is not None:
        job.priority = priority
    episode = job.episode
    if episode.state is not None and episode.state.slug == BORKED_STATE:
        move(
            session,
            episode,
            state_by_slug(session, job_state_slug(job)),
            user,
            f"retry job {job.id}",
        )
    else:
        log_step(
            session, episode, episode.state, user, f"retry {job.kind} {job.profile} (job {job.id})"
        )
    session.flush()
    return job


def set_priority(session: Session, job_id: int, priority: int) -> EncodeJob:
    """Change a queued or running job's priority (the queue panel's raise priority)."""
    job = _get(session, job_id)
    job.priority, job.updated_at = priority, db_now(session)
    session.flush()
    return job
