"""The encode queue on the shared database: enqueue, claim, lease, finish, cancel, retry, list.

Every function takes the caller's session and works inside the caller's transaction. Two
rules make the queue safe with many workers on many machines:

- Claiming is atomic. On PostgreSQL the next job is selected `FOR UPDATE SKIP LOCKED`, so
  concurrent workers each lock a different row. On SQLite the caller must run the claim in
  a `BEGIN IMMEDIATE` transaction (see `veyedesk.jobs.engine.writer_engine`), which takes
  the single write lock before reading, so no two workers can read the same queued row.
- Every change a worker makes to a running job is conditional on the job still being
  `running` under that worker's id. A worker that lost its lease (killed, asleep, offline)
  cannot heartbeat, complete or fail a job another worker has taken over, and cannot
  renew or complete one whose lease ran out by the database's clock even if nobody took
  it over yet. `hold` starts the transaction that finishes a job: it locks the episode,
  then the job, and checks the lease; the worker publishes its file inside that
  transaction (the order, and what a failed commit leaves, is in veyedesk.jobs.lease).

Lease times come from the database server's clock (`clock_timestamp()` on PostgreSQL), not
from each worker's clock, because laptops sharing a PostgreSQL server may disagree by
minutes. SQLite lives on one machine, whose UTC clock is used. All job timestamps are
naive UTC; Log rows use local wall-clock time like the rest of the Log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veyedesk.errors import UserError
from veyedesk.jobs.defaults import DEFAULT_LEASE_SECONDS as DEFAULT_LEASE_SECONDS
from veyedesk.jobs.defaults import DEFAULT_MAX_ATTEMPTS as DEFAULT_MAX_ATTEMPTS
from veyedesk.jobs.handler import ClaimedJob

# The queue panel's view of the queue, re-exported so callers need only this module.
from veyedesk.jobs.listing import JobView as JobView
from veyedesk.jobs.listing import job_counts as job_counts
from veyedesk.jobs.listing import list_jobs as list_jobs
from veyedesk.jobs.pipeline import ShowPipeline, clear_hold, hold_of, set_hold
from veyedesk.model import Cut, EncodeJob, Episode, Log, RawFile, State
from veyedesk.model.kinds import LIVE_JOB_STATUSES, JobKind, JobStatus, LogKind
from veyedesk.model.pipeline import ENCODE_STATE, HoldReason, StateKind

BORKED_STATE = "borked"


class JobError(UserError):
    """A queue operation was refused (nothing to cancel, already running, ...)."""


class LeaseLost(JobError):
    """The job is no longer running under this worker (lease expired, or cancelled)."""


def db_now(session: Session) -> datetime:
    """Now, naive UTC, by the database's clock (PostgreSQL) or this machine's (SQLite).

    One reading per transaction (like PostgreSQL's own now()), which saves a round trip
    for each further queue call in the same transaction.
    """
    if session.get_bind().dialect.name != "postgresql":
        return datetime.now(UTC).replace(tzinfo=None)
    transaction = session.get_transaction()
    cached = session.info.get("veyedesk_db_now")
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1]
    now = session.scalar(select(func.timezone("UTC", func.clock_timestamp())))
    assert isinstance(now, datetime)
    session.info["veyedesk_db_now"] = (session.get_transaction(), now)
    return now


def command_profile(state_slug: str) -> str:
    """The profile key of a job that runs `state_slug`'s command: the state's slug.

    The job's `kind` says it is a command, so an episode has at most one live command job
    per state (the live-job unique index is on (episode, kind, profile)).
    """
    return state_slug


def job_state_slug(job: EncodeJob | ClaimedJob) -> str:
    """The state an episode is in while this job is its next step."""
    return job.profile if job.kind == JobKind.COMMAND else ENCODE_STATE


def _describe(episode: Episode) -> str:
    return f"episode {episode.id} ({episode.slug})"


def _live_job(session: Session, episode_id: int, kind: str, profile: str) -> EncodeJob | None:
    return session.scalar(
        select(EncodeJob)
        .where(
            EncodeJob.episode_id == episode_id,
            EncodeJob.kind == kind,
            EncodeJob.profile == profile,
            EncodeJob.status.in_(LIVE_JOB_STATUSES),
        )
        .with_for_update()
    )


def enqueue(
    session: Session,
    episode: Episode,
    profile: str,
    *,
    kind: str = JobKind.ENCODE,
    priority: int = 0,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> EncodeJob:
    """Queue a job for (episode, profile); a queued one is replaced, never duplicated.

    Raises JobError when that job is running right now (cancel it first).
    """
    if kind not in tuple(JobKind):
        raise JobError(f"unknown job kind {kind!r}; use encode or command")
    if max_attempts < 1:
        raise JobError(f"max attempts must be 1 or more, got {max_attempts}")
    now = db_now(session)
    job = _live_job(session, episode.id, kind, profile)
    if job is not None and job.status == JobStatus.RUNNING:
        raise JobError(
            f"{_describe(episode)} is being processed with {profile} by {job.worker_id} "
            f"(job {job.id}); cancel it first with `veyedesk queue cancel {job.id}`"
        )
    if job is None:
        job = EncodeJob(episode_id=episode.id, profile=profile, created_at=now)
        session.add(job)
    job.kind, job.priority, job.max_attempts = kind, priority, max_attempts
    job.status, job.attempts, job.error, job.cancel_requested = JobStatus.QUEUED, 0, "", False
    job.worker_id, job.progress, job.speed, job.eta_seconds = "", 0.0, None, None
    job.lease_expires_at = job.heartbeat_at = job.started_at = job.finished_at = None
    job.updated_at = now
    try:
        session.flush()
    except IntegrityError:
        raise JobError(
            f"someone queued {_describe(episode)} with {profile} at the same moment; "
            "`veyedesk queue list` shows it"
        ) from None
    return job


def queue_for_state(
    session: Session,
    episode: Episode,
    default_profile: str,
    *,
    priority: int = 0,
    pipeline: ShowPipeline | None = None,
) -> EncodeJob | None:
    """Queue what the talk's state calls for in its show: an encode, a command, or nothing.

    `enter_state` calls this after every move, in the same transaction, so a chain of
    command states runs by itself as workers finish each step.
    """
    state = episode.state
    if state is None:
        return None
    stage = (pipeline or ShowPipeline.load(session, episode.show_id)).stage(state)
    if stage.kind == StateKind.ENCODE:
        return enqueue(session, episode, default_profile, priority=priority)
    if stage.kind == StateKind.COMMAND and stage.command:
        return enqueue(
            session, episode, command_profile(state.slug), kind=JobKind.COMMAND, priority=priority
        )
    return None


def _state(session: Session, slug: str) -> State:
    state = session.scalar(select(State).where(State.slug == slug))
    if state is None:
        raise JobError(f"the database has no state {slug!r}; run `veyedesk db upgrade` to seed it")
    return state


def _log(
    session: Session,
    episode: Episode,
    state: State | None,
    user: str,
    result: str,
    seconds: float = 0.0,
    *,
    kind: LogKind = LogKind.JOB,
) -> Log:
    end = datetime.now()
    log = Log(
        episode=episode,
        state=state,
        ready=end - timedelta(seconds=seconds),
        start=end - timedelta(seconds=seconds),
        end=end,
        user=user,
        result=result,
        kind=kind,
    )
    session.add(log)
    return log


def _move(
    session: Session, episode: Episode, state: State, user: str, result: str, seconds: float = 0.0
) -> None:
    """Move the episode and log it (kind STATE), queueing nothing: see `enter_state`."""
    previous = episode.state.slug if episode.state else "none"
    clear_hold(session, episode)  # a talk that moves is no longer stopped before anything
    episode.state = state
    move = f"state {previous} -> {state.slug}"
    what = f"{result}; {move}" if result else move
    _log(session, episode, state, user, what, seconds, kind=LogKind.STATE)


class ReleaseRefused(JobError):
    """A person asked to move a talk into a public state its `released` forbids."""


def enter_state(
    session: Session,
    episode: Episode,
    state: State,
    user: str,
    default_profile: str,
    *,
    result: str = "",
    seconds: float = 0.0,
    strict: bool = False,
) -> EncodeJob | None:
    """Move the episode to `state` (a Log row of kind STATE) and queue what it calls for.

    The one rule for a state change: whoever moves a talk (the editor's form, the CLI, a
    reviewer's approve or reject, a worker finishing its step), it comes here. In the
    talk's show (`jobs.pipeline.ShowPipeline`):

    - a *pass* state moves it straight on to the next, each step its own Log row; states
      are walked in sequence order only, so the walk ends (at the last state at worst);
    - a *public* state is entered only when `released` allows it: otherwise the talk stays
      where it is with a release hold (Log kind RELEASE) saying why, and `resume` carries
      it on once released = Yes. With `strict` (a person picked that state by name) it is
      refused with ReleaseRefused instead;
    - the state it ends in queues its work (an encode, a command) in the same transaction.

    Permission checks are the caller's (services.editing.change_state); a worker holds its
    job's lease.
    """
    show = ShowPipeline.load(session, episode.show_id)
    reason = show.hold_reason(episode, state)
    if reason is not None:
        if strict:
            raise ReleaseRefused(
                f"{_describe(episode)} cannot enter {state.slug!r}: {reason.describe()}; "
                "set released to Yes first (it then continues by itself)"
            )
        if result:
            _log(session, episode, episode.state, user, result, seconds)
        _hold(session, episode, state, reason, user)
        session.flush()
        return None
    _move(session, episode, state, user, result, seconds)
    seen = {state.id}
    while show.stage(state).kind == StateKind.PASS:
        following = show.following(state)
        if following is None or following.state_id in seen:
            break
        target = session.get(State, following.state_id)
        assert target is not None
        reason = show.hold_reason(episode, target)
        if reason is not None:
            _hold(session, episode, target, reason, user)
            break
        _move(session, episode, target, user, f"passed {state.slug}: nothing to do there")
        seen.add(target.id)
        state = target
    session.flush()
    return queue_for_state(session, episode, default_profile, pipeline=show)


def _hold(session: Session, episode: Episode, before: State, reason: HoldReason, user: str) -> None:
    _, news = set_hold(session, episode, before, reason)
    if news:
        here = episode.state.slug if episode.state else "none"
        _log(
            session,
            episode,
            episode.state,
            user,
            f"{reason.describe()}: stopped in {here}, before {before.slug}",
            kind=LogKind.RELEASE,
        )


def resume(session: Session, episode: Episode, user: str, default_profile: str) -> EncodeJob | None:
    """Carry a talk held before a public state on, if its `released` allows it now.

    Called after `released` or the show's "Unknown publishes" changed. A talk still held
    gets its reason brought up to date (No after Unknown says "refused"). Returns the job
    queued, if any.
    """
    hold = hold_of(session, episode.id)
    if hold is None:
        return None
    show = ShowPipeline.load(session, episode.show_id)
    reason = show.hold_reason(episode, hold.state)
    if reason is not None:
        _hold(session, episode, hold.state, reason, user)
        return None
    allowed = "released" if episode.released else "unknown publishes"
    return enter_state(
        session, episode, hold.state, user, default_profile, result=f"resumed: {allowed}"
    )


def add_encode(
    session: Session,
    episode: Episode,
    profile: str,
    *,
    user: str,
    priority: int = 0,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> EncodeJob:
    """`queue add`: queue an encode; an episode still before *encode* is moved to it (logged)."""
    encode = _state(session, ENCODE_STATE)
    if episode.state is None or episode.state.sequence < encode.sequence:
        _move(session, episode, encode, user, f"queued for {profile}")
    return enqueue(session, episode, profile, priority=priority, max_attempts=max_attempts)


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
    with `stop` set are skipped. `profiles` limits encode jobs to those profiles. On
    SQLite run this in a BEGIN IMMEDIATE transaction (writer_engine).
    """
    stmt = (
        select(EncodeJob)
        .join(Episode, EncodeJob.episode_id == Episode.id)
        .where(
            EncodeJob.status == JobStatus.QUEUED,
            Episode.stop.is_(False),
            EncodeJob.kind.in_(kinds),
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
        stmt = stmt.where(or_(EncodeJob.kind != JobKind.ENCODE, EncodeJob.profile.in_(profiles)))
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
    job = _live_job(session, episode.id, JobKind.ENCODE, profile)
    if job is not None and job.status == JobStatus.RUNNING:
        raise JobError(
            f"{_describe(episode)} is being encoded with {profile} by {job.worker_id} "
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


def _next_state(session: Session, state: State) -> State | None:
    return session.scalar(
        select(State).where(State.sequence > state.sequence).order_by(State.sequence).limit(1)
    )


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
    target = _next_state(session, here) if here is not None and here.slug == from_state else None
    if target is None or (job.kind == JobKind.ENCODE and others):
        _log(session, episode, here, user, what, seconds)
    else:
        enter_state(session, episode, target, user, default_profile, result=what, seconds=seconds)
    session.flush()
    return job


def _give_up(session: Session, job: EncodeJob, user: str, now: datetime) -> None:
    job.status, job.finished_at, job.lease_expires_at = JobStatus.FAILED, now, None
    episode = job.episode
    what = (
        f"{job.kind} {job.profile} failed after {job.attempts} attempt(s), "
        f"last on {job.worker_id or 'no worker'}: {job.error}"
    )
    if episode.state is not None and episode.state.slug == job_state_slug(job):
        _move(session, episode, _state(session, BORKED_STATE), user, what)
    else:
        _log(session, episode, episode.state, user, what)


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
    _log(session, job.episode, job.episode.state, user, f"{job.kind} {job.profile} cancelled")


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
    live = _live_job(session, job.episode_id, job.kind, job.profile)
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
        _move(session, episode, _state(session, job_state_slug(job)), user, f"retry job {job.id}")
    else:
        _log(
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
