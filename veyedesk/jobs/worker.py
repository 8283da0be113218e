"""The worker loop: claim jobs, run them in threads, heartbeat, finish, stop cleanly.

One Worker runs up to `concurrency` jobs at once, each in its own thread calling the
handler registered for the job's kind. The loop thread re-queues jobs whose lease expired
and claims. Each held job has a `LeaseKeeper` (veyedesk.jobs.lease) that every
`heartbeat_seconds` renews its lease and writes its latest progress (throttled, so a fast
encode does not write the database on every ffmpeg progress line). The heartbeat is also
how a worker hears that a user cancelled a job or that it lost the job to another worker,
and a worker that cannot renew a lease in time (cut off from the database) stops the job
before the lease runs out; either way the handler stops its process. The job's outcome is
recorded by `lease.finish`, which publishes an encode only while the lease still holds.

Stopping: SIGTERM releases running jobs (back to queued, no attempt counted) and exits;
the first SIGINT (Ctrl-C) stops claiming and lets running jobs finish, a second releases
them. Every event is one `key=value` line on stderr, e.g.
`2026-11-27T19:40:01Z INFO event=claimed worker=laptop:4242/0 job=12 episode=7 profile=mp4`.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from veyedesk.config import Settings
from veyedesk.db import make_engine, session_factory
from veyedesk.jobs import claims, queue, review_timeout, state_moves
from veyedesk.jobs.engine import writer_sessions
from veyedesk.jobs.handler import (
    ClaimedJob,
    Handler,
    JobCancelled,
    JobContext,
    JobResult,
    PermanentJobError,
)
from veyedesk.jobs.lease import Holding, Interrupt, LeaseKeeper, Outcome, finish, first_line
from veyedesk.model.kinds import ENCODE_KINDS, JobKind

log = logging.getLogger("veyedesk.worker")


def logfmt(**fields: Any) -> str:
    """`key=value` pairs; values with spaces, quotes or `=` are double-quoted."""
    parts = []
    for key, value in fields.items():
        if value is None or value == "":
            continue
        text = f"{value:.3f}" if isinstance(value, float) else str(value)
        text = text.replace("\n", " | ")
        if any(c in text for c in ' "=\t') or not text:
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)


class _UTCFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))


def log_to_stderr(level: int = logging.INFO) -> None:
    """Send worker events to stderr, one greppable line each, with UTC timestamps."""
    if any(getattr(h, "_veyedesk", False) for h in log.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_UTCFormatter("%(asctime)s %(levelname)s %(message)s"))
    handler._veyedesk = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


def worker_name() -> str:
    """`host:pid`, what `queue list` shows as a job's worker."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class WorkerOptions:
    """How a worker runs; `veyedesk worker` flags map onto these."""

    concurrency: int = 1
    once: bool = False  # exit as soon as nothing can be claimed (and own jobs are finished)
    profiles: tuple[str, ...] = ()  # encode only these profiles (empty = any)
    kinds: tuple[str, ...] = tuple(JobKind)
    lease_seconds: float = queue.DEFAULT_LEASE_SECONDS
    poll_seconds: float = 2.0
    heartbeat_seconds: float | None = None  # default: min(2 s, lease / 4)

    @property
    def heartbeat_every(self) -> float:
        if self.heartbeat_seconds is not None:
            return self.heartbeat_seconds
        return min(2.0, self.lease_seconds / 4)


@dataclass
class _Slot(Holding):
    index: int = 0
    thread: threading.Thread | None = None
    keeper: LeaseKeeper | None = None


@dataclass
class WorkerStats:
    claimed: int = 0
    done: int = 0
    failed: int = 0
    cancelled: int = 0
    released: int = 0
    lost: int = 0


class Worker:
    """Claims and runs jobs from the queue until stopped (or, with `once`, until idle)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        handlers: Mapping[str, Handler],
        options: WorkerOptions | None = None,
        *,
        name: str | None = None,
    ) -> None:
        self.options = options or WorkerOptions()
        if self.options.concurrency < 1:
            raise ValueError("concurrency must be 1 or more")
        self.settings = settings
        self.handlers = dict(handlers)
        self.name = name or worker_name()
        self.user = settings.user or self.name
        self.sessions = writer_sessions(engine)
        # Handlers only read (prepare an encode, fill a command's placeholders); on SQLite a
        # writer session would hold the write lock while they probe files, stalling every
        # other worker's heartbeat, so they get deferred sessions on a plain engine.
        self._read_engine = make_engine(
            engine.url.render_as_string(hide_password=False),
            statement_timeout=settings.db_statement_timeout_seconds,
        )
        self.read_sessions = session_factory(self._read_engine)
        self.stats = WorkerStats()
        self._slots: dict[int, _Slot] = {}
        self._stopping = threading.Event()
        self._release_on_stop = True
        self._wake = threading.Event()
        self._interrupts = 0
        # A worker that encodes also takes the pieces of a long talk's encode.
        kinds = self.options.kinds
        if JobKind.ENCODE in kinds:
            kinds = (*kinds, *(k for k in ENCODE_KINDS if k not in kinds))
        self._kinds = tuple(k for k in kinds if k in self.handlers)
        self._next_tick = 0.0  # when to look for review-2 timeouts next (monotonic)

    def _log(self, event: str, level: int = logging.INFO, **fields: Any) -> None:
        # `event` may be an Outcome (a StrEnum): logged as its value, e.g. event=done.
        log.log(level, logfmt(event=event, worker=fields.pop("worker", self.name), **fields))

    # -- stopping ---------------------------------------------------------------------

    def stop(self, *, release: bool = True) -> None:
        """Stop claiming; with `release`, also stop running jobs and give them back."""
        self._release_on_stop = release
        self._stopping.set()
        if release:
            for slot in list(self._slots.values()):
                slot.interrupt(Interrupt.STOP)
        self._wake.set()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if signum == signal.SIGINT and self._interrupts == 0 and self._slots:
            self._interrupts += 1
            self._log(
                "stopping",
                signal=name,
                running=len(self._slots),
                note="finishing running jobs; Ctrl-C again releases them",
            )
            self.stop(release=False)
        else:
            self._log("stopping", signal=name, running=len(self._slots), note="releasing jobs")
            self.stop(release=True)

    def _install_signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}  # a GUI-hosted worker is stopped with stop() instead
        old: dict[int, Any] = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            old[sig] = signal.signal(sig, self._on_signal)
        return old

    # -- the loop ---------------------------------------------------------------------

    def run(self) -> WorkerStats:
        """Work until stopped; returns what was done."""
        old = self._install_signals()
        o = self.options
        self._log(
            "started",
            concurrency=o.concurrency,
            profiles=",".join(o.profiles) or "any",
            kinds=",".join(self._kinds),
            lease=o.lease_seconds,
            once=o.once,
        )
        drained = False
        try:
            while True:
                self._reap()
                if self._stopping.is_set() and not self._slots:
                    break
                claimed = False
                if not self._stopping.is_set() and not drained and len(self._slots) < o.concurrency:
                    claimed = self._claim_one()
                    drained = o.once and not claimed
                if drained and not self._slots:
                    break
                if claimed:
                    continue
                self._wake.wait(o.poll_seconds)
                self._wake.clear()
        finally:
            for slot in list(self._slots.values()):
                slot.interrupt(Interrupt.STOP)
            for slot in list(self._slots.values()):
                if slot.thread is not None:
                    slot.thread.join()
            for sig, handler in old.items():
                signal.signal(sig, handler)
            self._read_engine.dispose()
            s = self.stats
            self._log(
                "stopped",
                claimed=s.claimed,
                done=s.done,
                failed=s.failed,
                cancelled=s.cancelled,
                released=s.released,
                lost=s.lost,
            )
        return self.stats

    def _reap(self) -> None:
        for index, slot in list(self._slots.items()):
            if slot.thread is not None and not slot.thread.is_alive():
                slot.thread.join()
                del self._slots[index]

    def _tick(self) -> None:
        # Review 2's timeout needs someone to look now and then: workers are always on.
        if time.monotonic() < self._next_tick:
            return
        self._next_tick = time.monotonic() + review_timeout.TICK_SECONDS
        try:
            with self.sessions() as session, session.begin():
                moved = review_timeout.approve_silent_reviews(
                    session, self.user, self.settings.default_profile
                )
                freed = state_moves.resume_freed(session, self.user, self.settings.default_profile)
        except SQLAlchemyError as exc:
            self._log("db-error", logging.WARNING, during="review-timeout", error=first_line(exc))
            return
        for episode_id in moved:
            self._log("review-timeout", episode=episode_id, note="review 2 approved by silence")
        for episode_id in freed:
            self._log("resumed", episode=episode_id, note="its hold's state is not public now")

    def _claim_one(self) -> bool:
        self._tick()
        index = next(i for i in range(self.options.concurrency) if i not in self._slots)
        worker_id = f"{self.name}/{index}"
        sent = time.monotonic()  # the lease is counted from before the claim was sent
        try:
            with self.sessions() as session, session.begin():
                expired = claims.requeue_expired(session, user=self.user)
                job = claims.claim(
                    session,
                    worker_id,
                    profiles=self.options.profiles,
                    kinds=self._kinds,
                    lease_seconds=self.options.lease_seconds,
                )
                claimed = None if job is None else ClaimedJob.of(job, worker_id)
        except SQLAlchemyError as exc:
            self._log("db-error", logging.WARNING, during="claim", error=first_line(exc))
            return False
        for job_id in expired:
            self._log("lease-expired", job=job_id, note="requeued or failed; attempts+1")
        if claimed is None:
            return False
        self.stats.claimed += 1
        slot = _Slot(index=index, job=claimed)
        slot.keeper = LeaseKeeper(
            self.sessions,
            slot,
            lease_seconds=self.options.lease_seconds,
            every=self.options.heartbeat_every,
            log=self._log,
        )
        slot.keeper.start(sent)
        self._slots[index] = slot
        self._log(
            "claimed",
            worker=worker_id,
            job=claimed.id,
            episode=claimed.episode_id,
            kind=claimed.kind,
            profile=claimed.profile,
            attempt=f"{claimed.attempts + 1}/{claimed.max_attempts}",
        )
        slot.thread = threading.Thread(
            target=self._run_job, args=(slot,), name=f"job-{claimed.id}", daemon=False
        )
        slot.thread.start()
        if self._stopping.is_set() and self._release_on_stop:
            # stop() ran while this claim was on its way, before the slot was listed: its
            # job must be given back too, not run (or held) until its handler ends.
            slot.interrupt(Interrupt.STOP)
        return True

    # -- one job, in its own thread ---------------------------------------------------

    def _run_job(self, slot: _Slot) -> None:
        job = slot.job
        ctx = JobContext(
            job=job,
            sessions=self.read_sessions,
            settings=self.settings,
            user=self.user,
            cancel=slot.cancel,
            report=slot.report,
        )
        result: JobResult | None = None
        error, retry = "", True
        try:
            result = self.handlers[job.kind](ctx)
        except JobCancelled:
            pass
        except PermanentJobError as exc:
            error, retry = str(exc), False
        except Exception as exc:  # any other failure counts an attempt and is retried
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        slot.finishing = True
        assert slot.keeper is not None
        slot.keeper.close()
        try:
            self._finish(slot, result, error, retry)
        except queue.LeaseLost:
            self.stats.lost += 1
            self._log(
                "lease-lost",
                logging.WARNING,
                worker=job.worker_id,
                job=job.id,
                note="another worker owns the job now; this attempt's work was discarded",
            )
        except SQLAlchemyError as exc:
            self._log(
                "db-error",
                logging.ERROR,
                during="finish",
                job=job.id,
                error=first_line(exc),
                note="the lease will expire and the job retry",
            )
        finally:
            self._wake.set()

    def _finish(self, slot: _Slot, result: JobResult | None, error: str, retry: bool) -> None:
        job, wid, seconds = slot.job, slot.job.worker_id, time.monotonic() - slot.started
        done = finish(
            self.sessions,
            slot,
            result,
            error,
            retry=retry,
            user=self.user,
            default_profile=self.settings.default_profile,
        )
        fields: dict[str, Any] = {"worker": wid, "job": job.id, "episode": job.episode_id}
        if done.outcome == Outcome.DONE:
            self.stats.done += 1
            assert result is not None
            self._log(done.outcome, seconds=round(seconds, 2), output=result.output_path, **fields)
        elif done.outcome == Outcome.CANCELLED:
            self.stats.cancelled += 1
            self._log(done.outcome, **fields)
        elif done.outcome == Outcome.SPLIT:
            assert result is not None
            self._log(done.outcome, pieces=len(result.sub_jobs), **fields)
        elif done.outcome == Outcome.RELEASED:
            self.stats.released += 1
            self._log(done.outcome, **fields)
        else:
            self.stats.failed += 1
            self._log(
                done.outcome,
                logging.WARNING,
                status=done.status,
                attempt=f"{done.attempts}/{done.max_attempts}",
                error=done.error,
                **fields,
            )


def run_worker(
    engine: Engine,
    settings: Settings,
    handlers: Mapping[str, Handler],
    options: WorkerOptions | None = None,
    *,
    name: str | None = None,
) -> WorkerStats:
    """Build a Worker and run it (the CLI's `veyedesk worker`)."""
    return Worker(engine, settings, handlers, options, name=name).run()


def default_handlers(extra: Mapping[str, Handler] | None = None) -> dict[str, Handler]:
    """The handlers this package provides (state commands), plus the caller's (encode)."""
    from veyedesk.jobs.commands import run_state_command
    from veyedesk.jobs.publishing import run_publish_job

    handlers: dict[str, Handler] = {
        JobKind.COMMAND: run_state_command,
        JobKind.PUBLISH: run_publish_job,
    }
    handlers.update(extra or {})
    return handlers


def kinds_from(names: Sequence[str]) -> tuple[str, ...]:
    """Validate `--kind` values."""
    bad = [n for n in names if n not in tuple(JobKind)]
    if bad:
        raise ValueError(f"unknown job kind(s) {', '.join(bad)}; use encode, command or publish")
    return tuple(names)
