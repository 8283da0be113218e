"""Holding one claimed job: keep its lease, stop the work when it cannot, finish it fenced.

Workers and the foreground `veyedesk encode` hold jobs the same way:

1. **Claim** (`claims.claim` or `claims.take`) sets the job running under this holder's id
   with a lease that ends `lease_seconds` later by the database's clock.
2. **Keep** (`LeaseKeeper`): one thread renews the lease every `every` seconds; a second
   one, which never touches the database, watches the local deadline: the time the last
   successful renewal was *sent* plus the lease, minus a margin for ffmpeg to stop. A
   renewal can hang for as long as the network is cut, so only a thread that does not
   wait on the database can act in time: when the deadline passes, it interrupts the work
   ("lost"), and the handler stops its ffmpeg before the lease runs out at the server, so
   the work is already stopped when another worker may take the job over. A renewal
   answered "not yours" (taken over or cancelled) interrupts at once.
3. **Finish** (`finish`): the work of every attempt lives in its own files (an encode's
   `.part` and work folder carry job id and attempt number), so two holders of one job,
   the live one and one that was cut off, never write or delete each other's files. The
   outcome is recorded in one transaction, in this order:

   a. lock the episode row, then the job row (`claims.hold`), and check the job is still
      running under this holder with its lease unexpired by the database's clock;
   b. write the result's records and mark the job done, advancing the talk (`complete`);
   c. publish: rename the attempt's `.part` over the final name (its data was flushed to
      disk before the transaction began), then flush the folder;
   d. commit.

   Between a and d the rows are locked, so no other worker can requeue or claim the job
   while its file is published: a holder whose lease was lost stops at a, and its files
   are discarded unpublished. If the commit itself fails (the connection dropped), the
   outcome is unknown to this holder but never orphaned: either the commit landed and the
   file is the done job's output, or it did not, the job is still live (running under
   this holder until its lease runs out, then queued again), and the next attempt
   replaces the file atomically when it publishes. Renaming the file back instead could
   remove the output of a job that is in fact done, so the file is left in place.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from veyedesk.jobs import claims, queue
from veyedesk.jobs.handler import ClaimedJob, JobResult
from veyedesk.model.kinds import JobStatus

STOP_MARGIN = 3.0  # at most this many seconds before the lease ends the work is stopped
STOP_SHARE = 0.25  # ... or this share of the lease, when the lease is short

EventLog = Callable[..., None]  # (event, level=INFO, **fields): one logfmt line


class Interrupt(StrEnum):
    """Why a holder's work was told to stop."""

    CANCEL = "cancel"  # a user cancelled the job
    STOP = "stop"  # this process is stopping; the job goes back to the queue
    LOST = "lost"  # the lease could not be renewed in time, or another holder has the job


class Outcome(StrEnum):
    """How a held job ended, as `finish` recorded it."""

    DONE = "done"
    SPLIT = "split"  # sub-jobs queued; the job itself is queued again to finish after them
    FAILED = "failed"  # an attempt counted: the job is queued again, or failed for good
    CANCELLED = "cancelled"
    RELEASED = "released"


@dataclass(frozen=True)
class Finished:
    """What `finish` recorded: the outcome, the job's status now, its attempts and error."""

    outcome: Outcome
    status: str
    attempts: int
    max_attempts: int
    error: str = ""


@dataclass
class Holding:
    """One job this process holds: its cancel event, latest progress and why it stopped."""

    job: ClaimedJob
    cancel: threading.Event = field(default_factory=threading.Event)
    progress: tuple[float, float | None, float | None] = (0.0, None, None)
    reason: Interrupt | None = None
    finishing: bool = False
    started: float = field(default_factory=time.monotonic)

    def report(self, fraction: float, speed: float | None, eta: float | None) -> None:
        self.progress = (fraction, speed, eta)

    def interrupt(self, reason: Interrupt) -> None:
        if not self.cancel.is_set():
            self.reason = reason
            self.cancel.set()


def stop_margin(lease_seconds: float) -> float:
    """Seconds before the lease ends at which unrenewed work is stopped."""
    return min(STOP_MARGIN, lease_seconds * STOP_SHARE)


class LeaseKeeper:
    """Renews a held job's lease in the background; interrupts the work when it cannot."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        holding: Holding,
        *,
        lease_seconds: float,
        every: float,
        log: EventLog,
    ) -> None:
        self.sessions = sessions
        self.holding = holding
        self.lease_seconds = lease_seconds
        self.every = every
        self._log = log
        self._lock = threading.Lock()
        self._deadline = 0.0
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def deadline(self) -> float:
        """Monotonic time at which the work is stopped unless the lease is renewed first."""
        with self._lock:
            return self._deadline

    def start(self, claim_sent: float) -> None:
        """Start renewing; `claim_sent` is the monotonic time the claim was sent."""
        self._extend(claim_sent)
        job = self.holding.job.id
        for target, name in ((self._renew, "lease"), (self._watch, "lease-watch")):
            # Daemon: a renewal blocked on a cut network must not keep the process alive.
            thread = threading.Thread(target=target, name=f"{name}-{job}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def close(self) -> None:
        """Stop renewing (the work ended); never waits on the database."""
        self._closed.set()

    def _extend(self, sent: float) -> None:
        with self._lock:
            margin = stop_margin(self.lease_seconds)
            self._deadline = max(self._deadline, sent + self.lease_seconds - margin)

    def _done(self) -> bool:
        return self._closed.is_set() or self.holding.finishing

    def _renew(self) -> None:
        job = self.holding.job
        while not self._closed.wait(self.every):
            if self._done():
                return
            fraction, speed, eta = self.holding.progress
            sent = time.monotonic()
            try:
                with self.sessions() as session, session.begin():
                    wanted = claims.heartbeat(
                        session,
                        job.id,
                        job.worker_id,
                        progress=fraction,
                        speed=speed,
                        eta_seconds=eta,
                        lease_seconds=self.lease_seconds,
                    )
            except queue.LeaseLost:
                if not self._done():
                    self._log(
                        "lease-lost",
                        logging.WARNING,
                        worker=job.worker_id,
                        job=job.id,
                        note="another worker may have it; stopping",
                    )
                    self.holding.interrupt(Interrupt.LOST)
                return
            except SQLAlchemyError as exc:
                self._log(
                    "db-error",
                    logging.WARNING,
                    during="heartbeat",
                    job=job.id,
                    error=first_line(exc),
                )
                continue
            self._extend(sent)
            if wanted and not self.holding.cancel.is_set():
                self._log("cancel-requested", worker=job.worker_id, job=job.id)
                self.holding.interrupt(Interrupt.CANCEL)

    def _watch(self) -> None:
        job = self.holding.job
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                break
            if self._closed.wait(remaining):
                return
        if not self._done():
            self._log(
                "lease-unrenewed",
                logging.WARNING,
                worker=job.worker_id,
                job=job.id,
                note="the lease could not be renewed before it runs out; stopping the work",
            )
            self.holding.interrupt(Interrupt.LOST)


class _PublishFailed(Exception):
    pass


def first_line(exc: BaseException) -> str:
    """The first line of a database error's own message (not SQLAlchemy's wrapping)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _discard(result: JobResult | None) -> None:
    if result is not None and result.discard is not None:
        result.discard()


def _complete(
    session: Session, holding: Holding, result: JobResult, user: str, default_profile: str
) -> None:
    job = holding.job
    # a: the episode and job rows locked, this holder's lease checked (LeaseLost if not).
    claims.hold(session, job.id, job.worker_id)
    # b: the result's records first, so their Log rows name the state the work was done in.
    if result.record is not None:
        result.record(session)
    claims.complete(
        session,
        job.id,
        job.worker_id,
        user=user,
        output_path=result.output_path,
        summary=result.summary,
        default_profile=default_profile,
    )
    session.flush()
    # c: publish while the rows are locked; d: the caller's `begin()` block commits.
    if result.publish is not None:
        try:
            result.publish()
        except Exception as exc:
            raise _PublishFailed(str(exc) or type(exc).__name__) from exc


def finish(
    sessions: sessionmaker[Session],
    holding: Holding,
    result: JobResult | None,
    error: str,
    *,
    retry: bool,
    user: str,
    default_profile: str,
) -> Finished:
    """Record how a held job ended, fenced by the holder's lease (see the module docstring).

    A result is completed and published only while the lease still holds; otherwise, or
    when publishing fails, its work is discarded. Without a result: a user's cancel ends
    the job cancelled, a stopping process gives it back, an error counts a failed attempt
    (retried, or failed at once with `retry=False`), and a lost lease counts one too if the
    job is still this holder's (else nothing: whoever took it over owns it now). Raises
    LeaseLost (work discarded) or SQLAlchemyError (the lease will run out and the job be
    retried).
    """
    job = holding.job
    wid = job.worker_id
    if result is not None and result.sub_jobs:
        with sessions() as session, session.begin():
            claims.split(session, job.id, wid, result.sub_jobs, user=user)
        return Finished(Outcome.SPLIT, JobStatus.QUEUED, job.attempts, job.max_attempts)
    if result is not None:
        try:
            with sessions() as session, session.begin():
                _complete(session, holding, result, user, default_profile)
            return Finished(Outcome.DONE, JobStatus.DONE, job.attempts, job.max_attempts)
        except _PublishFailed as exc:
            _discard(result)
            error = f"publishing failed: {exc}"
        except BaseException:
            _discard(result)  # only the attempt's own unpublished files; never the final one
            raise
    with sessions() as session, session.begin():
        if holding.reason == Interrupt.CANCEL:
            done = claims.finish_cancelled(session, job.id, wid, user=user)
            outcome = Outcome.CANCELLED
        elif holding.reason == Interrupt.LOST:
            error = error or "the lease could not be renewed in time (database unreachable?)"
            done = claims.fail(session, job.id, wid, error, user=user)
            outcome = Outcome.FAILED
        elif holding.reason == Interrupt.STOP or not error:
            done = claims.release(session, job.id, wid, user=user)
            outcome = Outcome.RELEASED
        else:
            done = claims.fail(session, job.id, wid, error, user=user, retry=retry)
            outcome = Outcome.FAILED
        return Finished(outcome, done.status, done.attempts, done.max_attempts, error)
