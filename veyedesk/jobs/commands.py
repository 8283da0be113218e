"""State commands: a state's template (`rsync {output} host:/v/`) run as an argument list.

The template is split like a shell would split it (shlex), and only then are placeholders
filled in, one argument at a time, so a title with spaces, quotes, `;` or `$(...)` stays
one argument and is never interpreted: no shell ever runs. Placeholders are plain names
(`{slug}`); attribute or index lookups (`{name.__class__}`, `{name[0]}`) are refused, and
an unknown name is an error listing the known ones.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Mapping
from string import Formatter

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.child_process import die_with_parent
from veyedesk.errors import UserError
from veyedesk.jobs.handler import JobCancelled, JobContext, JobResult, PermanentJobError
from veyedesk.jobs.queue import job_state_slug
from veyedesk.model import EncodeJob, Episode, State

PLACEHOLDERS: dict[str, str] = {
    "output": "the episode's encoded file (latest finished encode)",
    "id": "episode id",
    "slug": "episode slug (file-safe name)",
    "name": "talk title",
    "authors": "speakers",
    "emails": "speakers' e-mail addresses",
    "description": "talk description",
    "conf_key": "the schedule's id for the talk",
    "conf_url": "the talk's page on the conference site",
    "public_url": "where the published video is",
    "host_url": "where the upload went",
    "state": "the state whose command runs",
    "show": "show slug",
    "client": "client slug",
    "room": "room slug",
}
# SIGTERM first so an upload script can clean up; SIGKILL if it has not stopped by then.
TERMINATE_GRACE_SECONDS = 2.0
OUTPUT_TAIL_LINES = 20


class CommandError(UserError):
    """A state command template is malformed or names an unknown placeholder."""


class CommandFailed(Exception):
    """The command ran and failed (non-zero exit, not found, not executable)."""


def check_template(template: str) -> list[str]:
    """The template's arguments, raising CommandError when it cannot be used."""
    try:
        args = shlex.split(template)
    except ValueError as exc:
        raise CommandError(f"command template {template!r}: {exc} (check the quotes)") from None
    if not args:
        raise CommandError("command template is empty; give a program and its arguments")
    known = ", ".join("{" + k + "}" for k in PLACEHOLDERS)
    for arg in args:
        try:
            fields = [f for _, f, _, _ in Formatter().parse(arg) if f is not None]
        except ValueError as exc:
            raise CommandError(
                f"command template argument {arg!r}: {exc}; write {{{{ and }}}} for literal braces"
            ) from None
        for name in fields:
            if name not in PLACEHOLDERS:
                raise CommandError(
                    f"command template argument {arg!r} uses {{{name}}}; placeholders are: {known}"
                )
    return args


def expand(template: str, values: Mapping[str, object]) -> list[str]:
    """The argument list for `template` with every placeholder filled in from `values`."""
    args = check_template(template)
    text = {k: "" if values.get(k) is None else str(values.get(k)) for k in PLACEHOLDERS}
    return [arg.format_map(text) for arg in args]


def placeholder_values(session: Session, episode: Episode, state_slug: str) -> dict[str, str]:
    """What the placeholders mean for one episode."""
    output = session.scalar(
        select(EncodeJob.output_path)
        .where(
            EncodeJob.episode_id == episode.id,
            EncodeJob.kind == "encode",
            EncodeJob.status == "done",
            EncodeJob.output_path != "",
        )
        .order_by(EncodeJob.finished_at.desc(), EncodeJob.id.desc())
        .limit(1)
    )
    return {
        "output": output or "",
        "id": str(episode.id),
        "slug": episode.slug,
        "name": episode.name,
        "authors": episode.authors,
        "emails": episode.emails,
        "description": episode.description,
        "conf_key": episode.conf_key,
        "conf_url": episode.conf_url,
        "public_url": episode.public_url,
        "host_url": episode.host_url,
        "state": state_slug,
        "show": episode.show.slug,
        "client": episode.show.client.slug,
        "room": episode.location.slug if episode.location else "",
    }


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(TERMINATE_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_command(argv: list[str], cancel: threading.Event, cwd: str | None = None) -> str:
    """Run `argv` (no shell); returns the last lines of its output.

    Raises CommandFailed on a non-zero exit and JobCancelled (after stopping the command
    and its children) when `cancel` is set.
    """
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,  # its own process group, so cancel stops its children too
            preexec_fn=die_with_parent(),  # only calls prctl: safe after fork
        )
    except FileNotFoundError:
        raise CommandFailed(
            f"command {argv[0]!r} not found; install it or fix the state's command"
        ) from None
    except PermissionError:
        raise CommandFailed(f"command {argv[0]!r} is not executable") from None
    tail: deque[str] = deque(maxlen=OUTPUT_TAIL_LINES)

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.decode("utf-8", "replace").rstrip())

    reader = threading.Thread(target=drain, name=f"output-{proc.pid}", daemon=True)
    reader.start()
    while proc.poll() is None:
        if cancel.wait(0.1):
            _stop(proc)
            reader.join(1.0)
            raise JobCancelled(f"stopped {argv[0]!r}")
    reader.join(5.0)
    output = "\n".join(tail)
    if proc.returncode != 0:
        last = tail[-1] if tail else "no output"
        raise CommandFailed(f"{argv[0]!r} exited with status {proc.returncode}: {last}")
    return output


def run_state_command(ctx: JobContext) -> JobResult:
    """Handler for "command" jobs: run the episode's state command with its placeholders."""
    state_slug = job_state_slug(ctx.job)
    with ctx.sessions() as session:
        state = session.scalar(select(State).where(State.slug == state_slug))
        episode = session.get(Episode, ctx.job.episode_id)
        if state is None or episode is None:
            raise PermanentJobError(f"state {state_slug!r} or episode {ctx.job.episode_id} is gone")
        if not state.command:
            raise PermanentJobError(
                f"state {state_slug!r} has no command any more; set one with "
                f"`veyedesk state command {shlex.quote(state_slug)} TEMPLATE`"
            )
        values = placeholder_values(session, episode, state_slug)
        template = state.command
    try:
        argv = expand(template, values)
    except CommandError as exc:
        raise PermanentJobError(str(exc)) from None
    if "{output}" in template and not values["output"]:
        raise PermanentJobError(
            f"episode {ctx.job.episode_id} has no finished encode for {{output}}; encode it first"
        )
    ctx.report(0.0, None, None)
    output = run_command(argv, ctx.cancel)
    last = output.strip().splitlines()[-1] if output.strip() else ""
    return JobResult(summary=f"ran {shlex.join(argv)[:300]}" + (f" ({last[:200]})" if last else ""))
