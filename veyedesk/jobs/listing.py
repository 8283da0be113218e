"""What the queue panel and `queue list` show: jobs as plain rows, and counts per status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from veyedesk.model import EncodeJob, Episode, State
from veyedesk.model.kinds import LIVE_JOB_STATUSES, JobKind, JobStatus


@dataclass(frozen=True)
class JobView:
    """One job as the queue panel and `queue list` show it (plain data, thread-safe)."""

    id: int
    episode_id: int
    episode_slug: str
    episode_name: str
    episode_state: str
    profile: str
    kind: str
    status: str
    priority: int
    progress: float
    speed: float | None
    eta_seconds: float | None
    worker: str
    attempts: int
    max_attempts: int
    error: str
    output_path: str
    cancel_requested: bool
    stopped: bool  # the episode has `stop` set: a queued job waits until it is cleared
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None

    @property
    def speed_text(self) -> str:
        """The speed as people read it: an encode's ×realtime, a publish job's MB/s."""
        if not self.speed:
            return ""
        if self.kind == JobKind.PUBLISH:  # bytes per second (jobs.publishing)
            return f"{self.speed / 1e6:.1f} MB/s"
        return f"{self.speed:.1f}×"

    @property
    def attempts_made(self) -> int:
        """Attempts actually run: `attempts` counts the failed ones; a running or done job's
        own attempt is one more (a job done first time made 1, not 0)."""
        if self.status in (JobStatus.RUNNING, JobStatus.DONE):
            return self.attempts + 1
        return self.attempts

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_STATUS_RANK = case(
    {
        JobStatus.RUNNING: 0,
        JobStatus.QUEUED: 1,
        JobStatus.FAILED: 2,
        JobStatus.CANCELLED: 3,
        JobStatus.DONE: 4,
    },
    value=EncodeJob.status,
    else_=5,
)


def list_jobs(
    session: Session,
    *,
    statuses: Iterable[str] = (),
    episode_ids: Iterable[int] = (),
    show_id: int | None = None,
    limit: int | None = 500,
) -> list[JobView]:
    """Jobs for `queue list` and the queue panel: running, queued (claim order), then finished."""
    stmt = (
        select(EncodeJob, Episode.slug, Episode.name, State.slug, Episode.stop)
        .join(Episode, EncodeJob.episode_id == Episode.id)
        .outerjoin(State, Episode.state_id == State.id)
        .order_by(
            _STATUS_RANK,
            case((EncodeJob.status.in_(LIVE_JOB_STATUSES), -EncodeJob.priority), else_=0),
            case((EncodeJob.status.in_(LIVE_JOB_STATUSES), EncodeJob.id), else_=-EncodeJob.id),
        )
    )
    statuses, episode_ids = tuple(statuses), tuple(episode_ids)
    if statuses:
        stmt = stmt.where(EncodeJob.status.in_(statuses))
    if episode_ids:
        stmt = stmt.where(EncodeJob.episode_id.in_(episode_ids))
    if show_id is not None:
        stmt = stmt.where(Episode.show_id == show_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        JobView(
            id=job.id,
            episode_id=job.episode_id,
            episode_slug=slug,
            episode_name=name,
            episode_state=state or "",
            profile=job.profile,
            kind=job.kind,
            status=job.status,
            priority=job.priority,
            progress=job.progress,
            speed=job.speed,
            eta_seconds=job.eta_seconds,
            worker=job.worker_id,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            error=job.error,
            output_path=job.output_path,
            cancel_requested=job.cancel_requested,
            stopped=stop,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            heartbeat_at=job.heartbeat_at,
        )
        for job, slug, name, state, stop in session.execute(stmt)
    ]


def job_counts(session: Session) -> dict[str, int]:
    """How many jobs are in each status (the status-bar badge)."""
    counts: dict[str, int] = dict.fromkeys(JobStatus, 0)
    for status, count in session.execute(
        select(EncodeJob.status, func.count(EncodeJob.id)).group_by(EncodeJob.status)
    ):
        counts[status] = count
    return counts
