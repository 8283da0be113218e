"""The encode queue on the shared database: what a queued job is, enqueue, and the safety rules.

A job's life once queued (claim, lease, finish, fail, cancel, retry) is `jobs.claims`; moving a
talk between states, and what each state queues, is `jobs.state_moves`.

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

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veyedesk.errors import UserError
from veyedesk.jobs.defaults import (
    DEFAULT_LEASE_SECONDS as DEFAULT_LEASE_SECONDS,
    DEFAULT_MAX_ATTEMPTS as DEFAULT_MAX_ATTEMPTS,
)
from veyedesk.jobs.handler import ClaimedJob

# The queue panel's view of the queue, re-exported so callers need only this module.
from veyedesk.jobs.listing import (
    JobView as JobView,
    job_counts as job_counts,
    list_jobs as list_jobs,
)
from veyedesk.model import EncodeJob, Episode
from veyedesk.model.kinds import LIVE_JOB_STATUSES, JobKind, JobStatus
from veyedesk.model.pipeline import ENCODE_STATE

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
    return job.profile if job.kind in (JobKind.COMMAND, JobKind.PUBLISH) else ENCODE_STATE


def describe(episode: Episode) -> str:
    return f"episode {episode.id} ({episode.slug})"


def live_job(session: Session, episode_id: int, kind: str, profile: str) -> EncodeJob | None:
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
        raise JobError(f"unknown job kind {kind!r}; use encode, command or publish")
    if max_attempts < 1:
        raise JobError(f"max attempts must be 1 or more, got {max_attempts}")
    now = db_now(session)
    job = live_job(session, episode.id, kind, profile)
    if job is not None and job.status == JobStatus.RUNNING:
        raise JobError(
            f"{describe(episode)} is being processed with {profile} by {job.worker_id} "
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
            f"someone queued {describe(episode)} with {profile} at the same moment; "
            "`veyedesk queue list` shows it"
        ) from None
    return job
