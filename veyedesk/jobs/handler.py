"""What a worker hands to the code that does a job, and what it gets back.

The worker knows nothing about ffmpeg or upload scripts: it claims a job, calls the handler
registered for the job's kind (`JobKind`) with a JobContext, and records the
outcome. Handlers report progress through `ctx.report` and must stop soon after
`ctx.cancel` is set (raising JobCancelled), which happens when a user cancels the job, the
worker is told to stop, or the job's lease was lost to another worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from veyedesk.config import Settings
from veyedesk.model.kinds import JobKind

if TYPE_CHECKING:
    from veyedesk.model import EncodeJob


class JobCancelled(Exception):
    """The handler stopped because `ctx.cancel` was set; it left nothing behind."""


class PermanentJobError(Exception):
    """The job cannot succeed by retrying (bad cuts, missing profile): fail it at once."""


@dataclass(frozen=True)
class ClaimedJob:
    """A job as a worker claimed it (plain data, safe to pass between threads)."""

    id: int
    episode_id: int
    profile: str
    kind: str
    attempts: int
    max_attempts: int
    worker_id: str
    parent_id: int | None = None  # a chunked encode's sub-job: the encode job it is part of
    chunk_index: int | None = None

    @classmethod
    def of(cls, job: EncodeJob, worker_id: str) -> ClaimedJob:
        """The plain-data copy of a job row this worker just claimed."""
        return cls(
            id=job.id,
            episode_id=job.episode_id,
            profile=job.profile,
            kind=job.kind,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            worker_id=worker_id,
            parent_id=job.parent_id,
            chunk_index=job.chunk_index,
        )

    @property
    def attempt(self) -> int:
        """This claim's attempt number (1 = first): names the attempt's own files."""
        return self.attempts + 1


@dataclass
class JobContext:
    """Everything a handler needs: the job, sessions, settings, progress and cancel.

    `sessions` are for reading only; what a handler must write goes in JobResult.record,
    which the worker runs in the transaction that marks the job done.
    """

    job: ClaimedJob
    sessions: sessionmaker[Session]
    settings: Settings
    user: str
    cancel: threading.Event
    report: Callable[[float, float | None, float | None], None]


@dataclass
class JobResult:
    """A finished job: its output file, a line for the Log, a DB recorder and a publisher.

    `record` runs inside the transaction that marks the job done, so what it writes (for
    an encode, the verification facts) is kept exactly when the job counts as done.
    `publish` (an encode's rename of its .part over the final name) runs in that same
    transaction after the worker's hold on the job was checked, just before the commit;
    `discard` throws the unpublished work away when the job was not this worker's to finish.
    Neither may touch files of another attempt's.
    """

    output_path: str = ""
    summary: str = ""
    record: Callable[[Session], None] | None = field(default=None, repr=False)
    publish: Callable[[], None] | None = field(default=None, repr=False)
    discard: Callable[[], None] | None = field(default=None, repr=False)
    # Not done yet: queue these sub-jobs (kind, chunk index) and run the job again once
    # they are all done (a long talk's encode; `jobs.claims.split`).
    sub_jobs: tuple[tuple[JobKind, int], ...] = ()


Handler = Callable[[JobContext], JobResult]
