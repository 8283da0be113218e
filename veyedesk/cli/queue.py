"""`queue add|list|cancel|retry`, `worker` and `state command`: the encode queue from a shell."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from veyedesk.cli.common import EXIT_OK, Context, emit
from veyedesk.jobs.defaults import DEFAULT_LEASE_SECONDS, DEFAULT_MAX_ATTEMPTS
from veyedesk.jobs.placeholders import PLACEHOLDERS
from veyedesk.model.kinds import JobKind, JobStatus

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from veyedesk.jobs.handler import JobContext, JobResult


def register(sub: argparse._SubParsersAction) -> None:
    q = sub.add_parser("queue", help="the encode queue shared by every worker")
    qsub = q.add_subparsers(dest="queue_command", required=True, metavar="COMMAND")

    add = qsub.add_parser("add", help="queue episodes for encoding (re-queueing replaces)")
    add.add_argument("episode_ids", nargs="+", type=int, metavar="EPISODE_ID")
    add.add_argument("--profile", help="encode profile (default: the default_profile setting)")
    add.add_argument("--priority", type=int, default=0, help="higher runs first (default 0)")
    add.add_argument(
        "--max-attempts",
        type=int,
        default=DEFAULT_MAX_ATTEMPTS,
        help="tries before the episode goes to borked (default %(default)s)",
    )
    add.set_defaults(func=add_jobs)

    lst = qsub.add_parser("list", help="jobs: status, progress, worker, attempts, error")
    lst.add_argument(
        "--status",
        action="append",
        choices=tuple(JobStatus),
        help="only jobs in this status (repeatable)",
    )
    lst.add_argument("--limit", type=int, default=200, help="at most this many (default 200)")
    lst.add_argument("--json", action="store_true", help="machine-readable list")
    lst.set_defaults(func=list_jobs)

    cancel = qsub.add_parser("cancel", help="cancel a job (a running encode stops in seconds)")
    cancel.add_argument("job_id", type=int, metavar="ID")
    cancel.set_defaults(func=cancel_job)

    retry = qsub.add_parser("retry", help="queue a failed or cancelled job again")
    retry.add_argument("job_id", type=int, metavar="ID")
    retry.add_argument("--priority", type=int, help="new priority")
    retry.set_defaults(func=retry_job)

    w = sub.add_parser(
        "worker",
        help="claim and run queued jobs (run one on each encode machine)",
        description="Claim and run queued jobs: encodes, the commands of command states and "
        "the uploads and announcements of publish states.",
        epilog="State commands: this worker runs a state's command only when its program "
        "(the first word of the template, by name or path) is listed in the worker_commands "
        'setting of THIS machine: worker_commands = ["rsync", "/usr/local/bin/upload"] in '
        "the config file (--config, VEYEDESK_CONFIG, or the per-user config.toml), or "
        "VEYEDESK_WORKER_COMMANDS=rsync:/usr/local/bin/upload. Empty (the default): it runs "
        "none, and a command job fails naming the setting. Whoever holds the database URL "
        "can change a state's command, so list only programs you would let them run here; "
        "a shell, ssh or an interpreter lets them run anything (prefer a script of yours "
        "that does one thing). Commands get a clean "
        "environment (PATH, HOME, locale, SSH agent; no VEYEDESK_* variables) and are "
        "stopped after command_timeout_seconds (default 3600). `veyedesk config show` "
        "prints both settings.",
    )
    w.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="jobs at once (default 1; ffmpeg already uses every core)",
    )
    w.add_argument(
        "--once",
        action="store_true",
        help="exit when nothing is left to claim instead of waiting for new jobs "
        "(exit status 1 if a job failed)",
    )
    w.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="P",
        help="encode only this profile (repeatable; default any)",
    )
    w.add_argument(
        "--kind",
        action="append",
        choices=tuple(JobKind),
        help="run only this kind of job (repeatable; default every kind)",
    )
    w.add_argument(
        "--lease-seconds",
        type=float,
        default=DEFAULT_LEASE_SECONDS,
        metavar="S",
        help="a job is re-queued when its worker is silent this long (default %(default)s)",
    )
    w.add_argument(
        "--poll-seconds",
        type=float,
        default=2.0,
        metavar="S",
        help="how often an idle worker looks for jobs (default %(default)s)",
    )
    w.set_defaults(func=work)

    # `state` is created by cli.episodes (`state set`); `state command` joins it.
    state_parser = sub.choices["state"]
    ssub = next(a for a in state_parser._actions if isinstance(a, argparse._SubParsersAction))
    placeholders = ", ".join("{" + k + "}" for k in PLACEHOLDERS)
    cmd = ssub.add_parser(
        "command",
        help="set the command workers run for episodes in a state ('' = manual state)",
        description=f"Placeholders: {placeholders}. The template is split into arguments "
        "first and never run by a local shell; each placeholder fills exactly one argument. "
        "A template that hands its words to a shell (ssh, scp, sh -c, bash -c, rsync -e) "
        "must write each placeholder as {name!q} (shell-quoted). A value starting with '-' "
        "is refused where it would become an option unless the template has -- before it. "
        "Workers run it only if their worker_commands setting allows its program "
        "(`veyedesk worker --help`).",
    )
    cmd.add_argument("state", metavar="STATE")
    cmd.add_argument(
        "template",
        metavar="TEMPLATE",
        nargs="?",
        help="e.g. 'rsync {output} host:/videos/'; omit to show the current one",
    )
    cmd.set_defaults(func=state_command)


@contextmanager
def _writer(ctx: Context) -> Iterator[Session]:
    # Queue changes race with workers' heartbeats: on SQLite take the write lock first
    # (BEGIN IMMEDIATE) so the change waits its turn instead of failing as "locked".
    from veyedesk.jobs.engine import writer_engine, writer_sessions

    ctx.engine  # noqa: B018 - opens the database: reachable, schema current
    engine = writer_engine(
        ctx.settings.db, statement_timeout=ctx.settings.db_statement_timeout_seconds
    )
    try:
        with writer_sessions(engine)() as session, session.begin():
            yield session
    finally:
        engine.dispose()


def add_jobs(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import pipeline

    profile = ns.profile or ctx.settings.default_profile
    ctx.settings.profile(profile)  # unknown profile: ConfigError naming the known ones
    with _writer(ctx) as session:
        who = ctx.identity(session)
        for episode_id in ns.episode_ids:
            job = pipeline.add_to_queue(
                session,
                episode_id,
                profile,
                who,
                priority=ns.priority,
                max_attempts=ns.max_attempts,
            )
            episode = job.episode
            print(f"job {job.id}: episode {episode.id} ({episode.slug}) queued for {profile}")
    return EXIT_OK


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def list_jobs(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.jobs import queue

    with ctx.session() as session:
        ctx.identity(session)
        jobs = queue.list_jobs(session, statuses=ns.status or (), limit=ns.limit)
    rows: list[dict[str, Any]] = [j.as_dict() for j in jobs]
    if not ctx.json:
        for row, job in zip(rows, jobs, strict=True):
            row["episode"] = f"{job.episode_id} {job.episode_slug}"[:40]
            row["progress"] = _percent(job.progress)
            row["speed"] = f"{job.speed:.1f}x" if job.speed else ""
            row["eta"] = f"{job.eta_seconds:.0f}s" if job.eta_seconds else ""
            row["attempts"] = f"{job.attempts}/{job.max_attempts}"
            row["status"] = job.status + (" (cancelling)" if job.cancel_requested else "")
            if job.stopped and job.status == JobStatus.QUEUED:
                row["status"] = "queued (stop set)"
            row["error"] = job.error.splitlines()[0][:80] if job.error else ""
    emit(
        ctx,
        rows,
        [
            "id",
            "status",
            "episode",
            "profile",
            "priority",
            "progress",
            "speed",
            "eta",
            "worker",
            "attempts",
            "error",
        ],
    )
    return EXIT_OK


def cancel_job(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import pipeline

    with _writer(ctx) as session:
        job = pipeline.cancel_job(session, ns.job_id, ctx.identity(session))
        if job.status == JobStatus.CANCELLED:
            print(f"job {job.id} cancelled")
        else:
            print(f"job {job.id}: asked {job.worker_id} to stop; it stops within seconds")
    return EXIT_OK


def retry_job(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import pipeline

    with _writer(ctx) as session:
        job = pipeline.retry_job(session, ns.job_id, ctx.identity(session), priority=ns.priority)
        print(f"job {job.id} queued again ({job.kind} {job.profile})")
    return EXIT_OK


def state_command(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import episodes, pipeline

    with ctx.session() as session:
        who = ctx.identity(session)
        if ns.template is None:
            state = episodes.get_state(session, ns.state)
            print(state.command or f"state {state.slug!r} has no command (manual)")
            return EXIT_OK
        state = pipeline.set_state_command(session, ns.state, ns.template, who)
        if state.command:
            print(pipeline.describe_command(state))
        else:
            print(f"state {state.slug!r} is manual now (no command)")
    return EXIT_OK


def encode_episode(ctx: JobContext) -> JobResult:
    """Handler for "encode" jobs: the one `veyedesk encode` uses too (cli.encode.encode_job)."""
    from veyedesk.cli.encode_run import encode_job

    return encode_job(ctx)


def encode_piece(ctx: JobContext) -> JobResult:
    """Handler for the sub-jobs of a long talk's encode: a video chunk, or its audio."""
    from veyedesk.cli.encode_run import piece_job

    return piece_job(ctx)


def work(ctx: Context, ns: argparse.Namespace) -> int:
    from sqlalchemy import select

    from veyedesk.jobs import queue
    from veyedesk.jobs.engine import writer_engine
    from veyedesk.jobs.worker import (
        WorkerOptions,
        default_handlers,
        log_to_stderr,
        logfmt,
        run_worker,
    )
    from veyedesk.model import State
    from veyedesk.services.errors import InvalidInput

    if ns.concurrency < 1:
        raise InvalidInput("--concurrency must be 1 or more")
    if ns.lease_seconds < 1:
        raise InvalidInput("--lease-seconds must be at least 1")
    for profile in ns.profile:
        ctx.settings.profile(profile)
    with ctx.session() as session:
        ctx.identity(session)
        known = set(session.scalars(select(State.slug)))
    if queue.ENCODE_STATE not in known:
        raise InvalidInput("the database has no `encode` state; run `veyedesk db upgrade`")
    log_to_stderr()
    allowed = ",".join(ctx.settings.worker_commands) or "none (set worker_commands)"
    logging.getLogger("veyedesk.worker").info(logfmt(event="commands", allowed=allowed))
    engine = writer_engine(
        ctx.settings.db, statement_timeout=ctx.settings.db_statement_timeout_seconds
    )
    options = WorkerOptions(
        concurrency=ns.concurrency,
        once=ns.once,
        profiles=tuple(ns.profile),
        kinds=tuple(ns.kind or JobKind),
        lease_seconds=ns.lease_seconds,
        poll_seconds=ns.poll_seconds,
    )
    try:
        stats = run_worker(
            engine,
            ctx.settings,
            default_handlers(
                {
                    JobKind.ENCODE: encode_episode,
                    JobKind.CHUNK: encode_piece,
                    JobKind.AUDIO: encode_piece,
                }
            ),
            options,
        )
    finally:
        engine.dispose()
    return EXIT_OK if stats.failed == 0 or not ns.once else 1
