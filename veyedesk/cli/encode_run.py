"""The work behind `veyedesk encode` and the encode jobs of workers (loaded when one runs).

A foreground encode is a job like any worker's: it claims the talk's live encode job
(queueing one first when there is none) through `claims.take`, keeps its lease while it
encodes, and finishes it with `lease.finish`, so the talk is encoded once however it was
started (a worker never encodes it again, a second `encode` is refused while this one
runs) and its state advances as a worker's would. `encode_job` is the one encode handler,
used by workers too (`veyedesk worker` registers it), because jobs and services may not
import each other and the CLI joins them.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from veyedesk.cli.common import EXIT_OK, Context, selection_from
from veyedesk.db import session_factory
from veyedesk.encode.run import EncodeCancelled, EncodeFailed, EncodeProgress
from veyedesk.jobs import claims, queue
from veyedesk.jobs.engine import writer_engine, writer_sessions
from veyedesk.jobs.handler import (
    ClaimedJob,
    JobCancelled,
    JobContext,
    JobResult,
    PermanentJobError,
)
from veyedesk.jobs.lease import (
    Finished,
    Holding,
    Interrupt,
    LeaseKeeper,
    Outcome,
    finish,
    first_line,
)
from veyedesk.jobs.worker import logfmt, worker_name
from veyedesk.media.probe import MediaError
from veyedesk.model.kinds import JobKind
from veyedesk.model.timecode import format_duration
from veyedesk.services import editing, encoding, episodes
from veyedesk.services.errors import InvalidInput, ServiceError
from veyedesk.services.identity import Identity

ENCODE_STATE = queue.ENCODE_STATE
BAR = 30
LEASE_SECONDS = queue.DEFAULT_LEASE_SECONDS

Made = Callable[[encoding.EncodeRequest, encoding.EncodeOutcome], None]


def encode_job(ctx: JobContext, made: Made | None = None, *, split: bool = True) -> JobResult:
    """Handler for encode jobs: plan, encode and verify this attempt; publish when told to.

    A talk longer than `chunk_minutes` is split (with `split`): the first run queues its
    pieces as sub-jobs for any worker (`piece_job`), the run after them joins them.
    Without `split` (the foreground `veyedesk encode`) every talk is one pass.

    The attempt writes only its own .part and work folder (job id + attempt number); the
    returned JobResult publishes it (`publish`) in the transaction that checks the job is
    still held, or throws it away (`discard`). `made` sees the finished request/outcome.
    """
    try:
        with ctx.sessions() as session:
            request = encoding.prepare_encode(
                session, ctx.job.episode_id, ctx.settings, ctx.job.profile
            )
    except ServiceError as exc:  # bad cuts, missing raw file: retrying cannot help
        raise PermanentJobError(str(exc)) from None
    ranges: list[tuple[int, int]] = []
    if split:
        with ctx.sessions() as session:
            split_into = _chunk_jobs(session, ctx.job.id)
        ranges = encoding.chunk_ranges(request, ctx.settings.chunk_minutes, split_into)
    request = request.for_attempt(ctx.job.id, ctx.job.attempt)

    def progress(p: EncodeProgress) -> None:
        ctx.report(p.fraction, p.speed, p.eta_seconds)

    try:
        if ranges:
            pieces = encoding.Pieces(request, ctx.job.id, len(ranges))
            videos, no_audio = pieces.missing()
            if videos or no_audio:
                # Any worker may take the pieces; this job is claimed again to join them.
                todo = [(JobKind.CHUNK, i) for i in videos]
                return JobResult(sub_jobs=(*todo, *([(JobKind.AUDIO, 0)] if no_audio else [])))
            outcome = encoding.join_chunks(request, ctx.job.id, len(ranges), cancel=ctx.cancel)
        else:
            outcome = encoding.make_encode(request, on_progress=progress, cancel=ctx.cancel)
    except EncodeCancelled as exc:
        raise JobCancelled(str(exc)) from None
    if made is not None:
        made(request, outcome)

    def record(session: Session) -> None:
        encoding.record_encode(session, request, outcome, ctx.user)

    return JobResult(
        output_path=str(outcome.output_path),
        record=record,
        publish=partial(_publish, request, ctx.job.id, len(ranges)),
        discard=partial(encoding.discard_encode, request),
    )


def _publish(request: encoding.EncodeRequest, job_id: int, chunks: int) -> None:
    encoding.publish_encode(request)
    if chunks:
        encoding.Pieces(request, job_id, chunks).remove()  # joined and published


def _chunk_jobs(session: Session, job_id: int) -> int:
    """How many video chunks the encode job `job_id` was split into (0: not split)."""
    return sum(kind == JobKind.CHUNK for kind, _ in claims.sub_job_statuses(session, job_id))


def piece_job(ctx: JobContext) -> JobResult:
    """Handler for a long talk's sub-jobs: make one video chunk, or the whole audio.

    The attempt writes its own .part; the JobResult publishes it under the piece's name
    in the talk's chunk folder while the job is held, so a piece is made once however
    many workers die making others.
    """
    job = ctx.job
    if job.parent_id is None:
        raise PermanentJobError(f"job {job.id} is a {job.kind} job without an encode job")
    try:
        with ctx.sessions() as session:
            request = encoding.prepare_encode(session, job.episode_id, ctx.settings, job.profile)
    except ServiceError as exc:
        raise PermanentJobError(str(exc)) from None
    # The split the encode job made, whatever this machine's chunk_minutes says.
    with ctx.sessions() as session:
        count = _chunk_jobs(session, job.parent_id)
    ranges = encoding.chunk_ranges(request, ctx.settings.chunk_minutes, count)
    request = request.for_attempt(job.id, job.attempt)

    def progress(p: EncodeProgress) -> None:
        ctx.report(p.fraction, p.speed, p.eta_seconds)

    try:
        if job.kind == JobKind.AUDIO:
            piece = encoding.make_audio(request, job.parent_id, len(ranges), progress, ctx.cancel)
        else:
            index = job.chunk_index or 0
            piece = encoding.make_chunk(request, job.parent_id, index, ranges, progress, ctx.cancel)
    except EncodeCancelled as exc:
        raise JobCancelled(str(exc)) from None
    return JobResult(output_path=str(piece.final), publish=piece.publish, discard=piece.discard)


class ProgressBar:
    """One self-rewriting line on a terminal; a line per quarter otherwise (logs, CI)."""

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label = label
        self.stream = stream
        self.tty = stream.isatty()
        self.last_quarter = -1

    def __call__(self, p: EncodeProgress) -> None:
        speed = f" {p.speed:.2f}x" if p.speed else ""
        eta = f" ETA {format_duration(p.eta_seconds)}" if p.eta_seconds is not None else ""
        if self.tty:
            filled = round(p.fraction * BAR)
            bar = "#" * filled + "-" * (BAR - filled)
            self.stream.write(f"\r{self.label} [{bar}] {p.fraction:4.0%}{speed}{eta}   ")
            self.stream.flush()
            return
        quarter = int(p.fraction * 4)
        if quarter > self.last_quarter:
            self.last_quarter = quarter
            print(f"{self.label} {p.fraction:.0%}{speed}{eta}", file=self.stream, flush=True)

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _warn(event: str, level: int = logging.INFO, **fields: Any) -> None:
    # Lease trouble is worth a line on the terminal; routine events are not.
    if level >= logging.WARNING:
        print(f"veyedesk: {logfmt(event=event, **fields)}", file=sys.stderr, flush=True)


class _Foreground:
    """Claims, encodes and finishes one talk's job after another, holding each one's lease."""

    def __init__(self, ctx: Context, user: str) -> None:
        self.ctx = ctx
        self.user = user
        self.engine = writer_engine(
            ctx.settings.db, statement_timeout=ctx.settings.db_statement_timeout_seconds
        )
        self.sessions = writer_sessions(self.engine)
        self.read_sessions = session_factory(ctx.engine)
        self.name = f"{worker_name()}/encode"

    def close(self) -> None:
        self.engine.dispose()

    def _take(self, episode_id: int, profile: str) -> ClaimedJob:
        with self.sessions() as session, session.begin():
            episode = episodes.get_episode(session, episode_id)
            try:
                job = claims.take(session, episode, profile, self.name, lease_seconds=LEASE_SECONDS)
            except queue.JobError as exc:
                raise InvalidInput(str(exc)) from None
            return ClaimedJob.of(job, self.name)

    def run(self, episode_id: int, slug: str, profile: str) -> bool:
        """Encode one talk through its job; False (reported on stderr) when it failed."""
        sent = time.monotonic()
        holding = Holding(job=self._take(episode_id, profile))
        bar = ProgressBar(f"{episode_id} {slug}", sys.stderr)

        def report(fraction: float, speed: float | None, eta: float | None) -> None:
            holding.report(fraction, speed, eta)
            bar(EncodeProgress(fraction=fraction, speed=speed, eta_seconds=eta))

        made: list[str] = []
        keeper = LeaseKeeper(
            self.sessions,
            holding,
            lease_seconds=LEASE_SECONDS,
            every=min(2.0, LEASE_SECONDS / 4),
            log=_warn,
        )
        keeper.start(sent)
        job_ctx = JobContext(
            job=holding.job,
            sessions=self.read_sessions,
            settings=self.ctx.settings,
            user=self.user,
            cancel=holding.cancel,
            report=report,
        )
        result: JobResult | None = None
        error, detail, retry = "", "", True
        try:
            # One pass here: the user waits for this file, not for other workers.
            result = encode_job(
                job_ctx, lambda r, o: made.append(encoding.describe_outcome(r, o)), split=False
            )
        except JobCancelled as exc:
            detail = str(exc)
        except PermanentJobError as exc:
            error, retry = str(exc), False
        except (EncodeFailed, MediaError) as exc:
            error = str(exc)
            detail = exc.report() if isinstance(exc, EncodeFailed) else error
        except Exception as exc:  # as for a worker: counted as a failed attempt, retried
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        except KeyboardInterrupt:
            # ffmpeg is already gone (run_ffmpeg kills it); give the job back uncounted.
            holding.interrupt(Interrupt.STOP)
            self._stop(holding, keeper, bar)
            self._finish(holding, None, "", retry)
            raise
        self._stop(holding, keeper, bar)
        done = self._finish(holding, result, error, retry)
        if done is not None and done.outcome == Outcome.DONE:
            print(f"episode {episode_id} ({slug}): {made[0] if made else 'encoded'}")
            return True
        why = detail or error or (done.error if done is not None else "") or "stopped"
        print(f"veyedesk: error: episode {episode_id}: {why}", file=sys.stderr)
        if done is not None and done.outcome == Outcome.FAILED:
            print(
                f"veyedesk: job {holding.job.id} is {done.status} "
                f"(attempt {done.attempts}/{done.max_attempts})",
                file=sys.stderr,
            )
        return False

    @staticmethod
    def _stop(holding: Holding, keeper: LeaseKeeper, bar: ProgressBar) -> None:
        bar.done()
        holding.finishing = True
        keeper.close()

    def _finish(
        self, holding: Holding, result: JobResult | None, error: str, retry: bool
    ) -> Finished | None:
        try:
            return finish(
                self.sessions,
                holding,
                result,
                error,
                retry=retry,
                user=self.user,
                default_profile=self.ctx.settings.default_profile,
            )
        except queue.LeaseLost:
            print(
                f"veyedesk: error: job {holding.job.id} was taken over while this encode "
                "could not reach the database; its file was not published",
                file=sys.stderr,
            )
        except SQLAlchemyError as exc:
            print(
                f"veyedesk: error: job {holding.job.id}: the database failed while finishing "
                f"({first_line(exc)}); the job will be retried when its lease runs out",
                file=sys.stderr,
            )
        return None


def _free_to_encode(ctx: Context, who: Identity, episode_id: int, force: bool) -> bool:
    """False (said on stderr) when another editor or a venue copy holds the talk."""
    try:
        with ctx.session() as session:
            forced = editing.check_not_held(
                session,
                episode_id,
                who,
                ctx.settings.lock_stale_minutes,
                doing="encode",
                force=force,
            )
    except editing.HeldElsewhere as exc:
        print(f"veyedesk: error: {exc}", file=sys.stderr)
        return False
    if forced is not None:
        print(f"episode {episode_id}: encoding past the lock: {forced.describe()} (logged)")
    return True


def encode(ctx: Context, ns: argparse.Namespace) -> int:
    settings = ctx.settings
    with ctx.session() as session:
        who = ctx.identity(session)
        if not ns.dry_run:
            who.require("edit")
        state = None if ns.force else ENCODE_STATE
        found = episodes.select_episodes(session, selection_from(ns, state=state))
        ids = [e.id for e in found]
    if not ids:
        hint = "" if ns.force else f" in state {ENCODE_STATE!r} (add --force for any state)"
        print(f"no episodes to encode{hint}")
        return EXIT_OK
    failures = 0
    runner = None if ns.dry_run else _Foreground(ctx, who.name)
    try:
        for episode_id in ids:
            # Checked before the queue is touched: bad cuts are refused with nothing written.
            with ctx.session() as session:
                request = encoding.prepare_encode(session, episode_id, settings, ns.profile)
            if runner is not None and not _free_to_encode(ctx, who, episode_id, ns.force):
                failures += 1
                continue
            if runner is None:
                print(f"# episode {request.episode_id} ({request.slug}) -> {request.output_path}")
                for command in encoding.plan_commands(request):
                    print(shlex.join(command))
                continue
            try:
                ok = runner.run(episode_id, request.slug, request.profile.name)
            except InvalidInput as exc:  # another process holds the talk's job
                print(f"veyedesk: error: {exc}", file=sys.stderr)
                ok = False
            failures += not ok
    finally:
        if runner is not None:
            runner.close()
    if failures:
        raise InvalidInput(
            f"{failures} of {len(ids)} encodes failed (see above); `veyedesk queue list` "
            "shows what happens to their jobs next"
        )
    return EXIT_OK
