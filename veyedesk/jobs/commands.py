"""State commands: a state's template (`rsync {output} host:/v/`) run as an argument list.

Who may run what: anyone holding the database credential can write `state.command`, so a
worker runs a command only when its program (the first word, by name or path) is listed
in `worker_commands` in that worker machine's own settings; nothing in the database can
widen the list.

How a template becomes arguments:
- It is split like a shell would split it (shlex) and only then are placeholders filled in,
  so each placeholder fills exactly one argument: a title with spaces, quotes, `;` or
  `$(...)` stays inside its argument and no local shell ever runs.
- A template that hands its words to a shell (ssh, scp, sh/bash/... -c, rsync -e/--rsh)
  must write every placeholder as `{name!q}`, which is shell-quoted (shlex.quote), since
  that shell, often on another machine, splits and interprets them again. A plain
  `{name}` there is refused when the command is set and again when it runs.
- A value starting with `-` where an argument (or a word, for a shell) starts would be
  read as an option: it is refused unless the template puts a `--` word before it.
- Placeholders are plain names (`{slug}`); attribute or index lookups, format specs and
  conversions other than `!q` are refused; an unknown name lists the known ones.
- The command runs with a clean environment (PATH, HOME, locale, SSH agent; never
  VEYEDESK_DB, VEYEDESK_PASSWORD or anything else of the worker's), a time limit
  (`command_timeout_seconds`) and only the tail of its output kept.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from string import Formatter

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.child_process import dying_with_parent
from veyedesk.config import Settings, config_file
from veyedesk.encode.outputs import published_encode
from veyedesk.errors import UserError
from veyedesk.jobs.handler import JobCancelled, JobContext, JobResult, PermanentJobError
from veyedesk.jobs.pipeline import ShowPipeline
from veyedesk.jobs.placeholders import PLACEHOLDERS
from veyedesk.jobs.queue import job_state_slug
from veyedesk.jobs.results import (
    MAX_RESULT_LINES,
    RESULT_PREFIX,
    parse_results,
    record_results,
)
from veyedesk.model import EncodeJob, Episode, State
from veyedesk.model.kinds import JobKind, JobStatus
from veyedesk.model.pipeline import StateKind
from veyedesk.model.text import plain_text

# Programs that run their arguments through a shell, here or on another machine.
SHELLS = frozenset(
    {
        "sh", "bash", "dash", "zsh", "ksh", "mksh", "oksh", "loksh", "posh", "yash", "ash",
        "fish", "csh", "tcsh", "rc", "es", "pwsh", "powershell", "nu", "elvish", "xonsh",
    }
)  # fmt: skip
REMOTE_SHELLS = frozenset(
    {"ssh", "slogin", "scp", "autossh", "mosh", "rsh", "rlogin", "remsh", "dsh", "pdsh"}
)
# Programs that hand a command line (one of their arguments) to a shell: `su -c CMD`,
# `flock FILE -c CMD`, `watch CMD`, `parallel CMD ::: ...`, `script -c CMD`, `at`.
SHELL_RUNNERS = frozenset({"su", "runuser", "flock", "script", "watch", "parallel", "at"})
# sudo runs its command through a shell only with one of these; env -S splits a string.
_SUDO_SHELL = re.compile(r"^(-[^-\s]*[si]|--shell$|--login$)")
_ENV_SPLIT = re.compile(r"^(-[^-\s]*S|--split-string(=|$))")
# rsync -e CMD / --rsh=CMD / a bundle like -avze.
_RSYNC_SHELL = re.compile(r"^(--rsh(=|$)|-[^-\s]*e)")
# Interpreters whose inline code (`python3 -c CODE`, `perl -e CODE`) a value must not join.
_INTERPRETER = re.compile(
    r"^(python[0-9.]*|pypy[0-9.]*|perl[0-9.]*|ruby|node|nodejs|php|lua[0-9.]*)$"
)
_CODE_FLAG = re.compile(r"^-[A-Za-z]*[ceE]$")
# The environment a command keeps: enough to find programs, write temp files and use an
# SSH agent; never the worker's database URL, password or other secrets.
COMMAND_ENV: tuple[str, ...] = (
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR",
    "SSH_AUTH_SOCK",
)  # fmt: skip
# SIGTERM first so an upload script can clean up; SIGKILL if it has not stopped by then.
TERMINATE_GRACE_SECONDS = 2.0
OUTPUT_TAIL_LINES = 20
OUTPUT_TAIL_BYTES = 16384  # a command printing gigabytes without a newline costs this much
RESULT_LINE_BYTES = 4096  # a result line is cut here (values are at most 500 characters)


class CommandError(UserError):
    """A state command template is malformed, unsafe, or its values cannot be passed."""


class CommandFailed(Exception):
    """The command ran and failed (non-zero exit, timeout, not found, not executable)."""


def _fields(arg: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(Formatter().parse(arg))
    except ValueError as exc:
        raise CommandError(
            f"command template argument {arg!r}: {exc}; write {{{{ and }}}} for literal braces"
        ) from None


def shell_program(args: Sequence[str]) -> str | None:
    """The shell or remote shell the template's words pass through, or None.

    Any literal word counts, and each space-separated piece of one (`env -S 'sh -c'`), so
    `env sh -c …`, `timeout 60 ssh …`, `nice rsync -e ssh …`, `su -c …` and `sudo -s …`
    are caught too; a false alarm only asks for `!q`.
    """
    words = [piece for a in args if "{" not in a for piece in a.split()]
    names = [os.path.basename(w) for w in words]
    for name in names:
        if name in SHELLS or name in REMOTE_SHELLS or name in SHELL_RUNNERS:
            return name
    if "rsync" in names and any(_RSYNC_SHELL.match(w) for w in words):
        return "rsync -e"
    if "sudo" in names and any(_SUDO_SHELL.match(w) for w in words):
        return "sudo -s"
    if "env" in names and any(_ENV_SPLIT.match(w) for w in words):
        return "env -S"
    return None


def _inline_code_problem(template: str, args: Sequence[str]) -> str:
    """Why a placeholder inside an interpreter's inline code is refused ("" when none is)."""
    # The interpreter may come after a wrapper (`timeout 60 python3 -c …`, `env perl -e …`).
    start = next((i for i, a in enumerate(args) if _INTERPRETER.match(os.path.basename(a))), None)
    if start is None:
        return ""
    for flag, code in itertools.pairwise(args[start:]):
        if _CODE_FLAG.match(flag) and any(name for _, name, _, _ in _fields(code)):
            return (
                f"command template {template!r} puts a placeholder inside "
                f"{args[start]}'s code ({flag} …), where a value would run as code: pass it "
                "as an argument of its own after the code (sys.argv) instead"
            )
    return ""


def check_template(template: str) -> list[str]:
    """The template's arguments, raising CommandError when it cannot be used safely."""
    try:
        args = shlex.split(template)
    except ValueError as exc:
        raise CommandError(f"command template {template!r}: {exc} (check the quotes)") from None
    if not args:
        raise CommandError("command template is empty; give a program and its arguments")
    known = ", ".join("{" + k + "}" for k in PLACEHOLDERS)
    shell = shell_program(args)
    for word in args:
        # `rsync -e{slug}`: which remote shell runs would come from a value.
        placeholder = any(n for _, n, _, _ in _fields(word))
        if placeholder and _RSYNC_SHELL.match(word) and "rsync" in map(os.path.basename, args):
            raise CommandError(
                f"command template {template!r} takes rsync's remote shell from a "
                "placeholder; write the remote shell out (`-e ssh`)"
            )
    problem = _inline_code_problem(template, args)
    if problem:
        raise CommandError(problem)
    for index, arg in enumerate(args):
        for _, name, spec, conversion in _fields(arg):
            if name is None:
                continue
            if name not in PLACEHOLDERS:
                raise CommandError(
                    f"command template argument {arg!r} uses {{{name}}}; placeholders are: {known}"
                )
            if spec or conversion not in (None, "q"):
                raise CommandError(
                    f"command template argument {arg!r}: write {{{name}}} or {{{name}!q}} "
                    "(shell-quoted); other conversions and format specs are not allowed"
                )
            if index == 0:
                raise CommandError(
                    f"command template {template!r} takes its program from {{{name}}}; "
                    "the program must be written out (workers allow programs by name)"
                )
            if shell and conversion != "q":
                raise CommandError(
                    f"command template {template!r} hands its arguments to a shell ({shell}), "
                    f"which would interpret the value of {{{name}}}: write {{{name}!q}} "
                    "(shell-quoted) for every placeholder"
                )
    return args


def _option_guarded(words_before: list[str]) -> bool:
    return "--" in words_before


def expand(template: str, values: Mapping[str, object]) -> list[str]:
    """The argument list for `template` with every placeholder filled in from `values`.

    Raises CommandError when a value starting with `-` would land where an option can be
    (an argument's or, for a shell, a word's start) with no `--` before it in the template.
    """
    args = check_template(template)
    text = {
        k: "" if values.get(k) is None else plain_text(str(values.get(k)), multiline=True)
        for k in PLACEHOLDERS
    }
    out: list[str] = []
    words_before: list[str] = []
    for arg in args:
        pieces: list[str] = []
        literal_so_far = ""
        for literal, name, _, conversion in _fields(arg):
            pieces.append(literal)
            literal_so_far += literal
            if name is None:
                continue
            value = text[name]
            starts_word = not literal_so_far or literal_so_far[-1].isspace()
            if (
                starts_word
                and value.startswith("-")
                and not _option_guarded(words_before + literal_so_far.split())
            ):
                raise CommandError(
                    f"{{{name}}} is {value[:40]!r}, which starts with '-' and {args[0]!r} would "
                    f"read as an option; put -- before {{{name}}} in the state's command "
                    "(`veyedesk state command STATE TEMPLATE`), or change the value"
                )
            pieces.append(shlex.quote(value) if conversion == "q" else value)
            literal_so_far += "x"  # the value, as far as word starts are concerned
        out.append("".join(pieces))
        words_before.extend(arg.split())
    return out


def allowed(program: str, allow: Sequence[str], search_path: str) -> bool:
    """Whether `program` (argv[0]) is in the worker's allow-list, by name or by path.

    An entry matches when it is written exactly as the template writes the program, or
    when both resolve (on the commands' PATH) to the same file.
    """
    if program in allow:
        return True
    found = shutil.which(program, path=search_path)
    if found is None:
        return False
    real = os.path.realpath(found)
    for entry in allow:
        match = shutil.which(entry, path=search_path)
        if match is not None and os.path.realpath(match) == real:
            return True
    return False


def command_environment() -> dict[str, str]:
    """The environment a state command runs with (see COMMAND_ENV)."""
    env = {k: os.environ[k] for k in COMMAND_ENV if k in os.environ}
    env.setdefault("PATH", os.defpath)
    return env


def talk_encode(session: Session, episode: Episode, settings: Settings) -> str:
    """The talk's own published encode on this worker, for `{output}` ("" when none)."""
    return talk_encode_and_profile(session, episode, settings)[0]


def talk_encode_and_profile(
    session: Session, episode: Episode, settings: Settings
) -> tuple[str, str | None]:
    """The talk's own published encode on this worker and its profile (("", None): none).

    The path is recomputed from the talk and this worker's settings (encode.outputs); the
    newest done encode jobs only say which profiles to look for. A job row's `output_path`
    is never used: anyone who can write a job row could point it at any file.
    """
    profiles = session.scalars(
        select(EncodeJob.profile)
        .where(
            EncodeJob.episode_id == episode.id,
            EncodeJob.kind == JobKind.ENCODE,
            EncodeJob.status == JobStatus.DONE,
        )
        .order_by(EncodeJob.finished_at.desc(), EncodeJob.id.desc())
    )
    for name in dict.fromkeys(profiles):
        path = published_encode(
            settings, episode.show.client.slug, episode.show.slug, name, episode.slug
        )
        if path is not None:
            return str(path), name
    return "", None


def placeholder_values(
    session: Session, episode: Episode, state_slug: str, settings: Settings
) -> dict[str, str]:
    """What the placeholders mean for one episode (`{output}`: see talk_encode)."""
    return {
        "output": talk_encode(session, episode, settings),
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


def check_still_due(pipeline: ShowPipeline, episode: Episode, state: State) -> None:
    """PermanentJobError unless the talk is in `state` now and its release allows it.

    A command job is only a request: anyone who can insert a job row can ask for any
    state's command on any talk, so the worker checks, when it runs, what the state change
    that queues such a job checked (jobs.queue.enter_state).
    """
    here = episode.state.slug if episode.state is not None else "none"
    if episode.state_id != state.id:
        raise PermanentJobError(
            f"episode {episode.id} is in state {here!r}, not {state.slug!r}: a state's "
            "command runs only for a talk in that state; not run (move the talk there "
            "with `veyedesk state set` if it should be)"
        )
    reason = pipeline.hold_reason(episode, state)
    if reason is not None:
        raise PermanentJobError(
            f"episode {episode.id} may not enter public state {state.slug!r}: "
            f"{reason.describe()}; not run (set released to Yes first)"
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(TERMINATE_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_command(
    argv: list[str],
    cancel: threading.Event,
    cwd: str | None = None,
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    result_lines: list[str] | None = None,
) -> str:
    """Run `argv` (no shell); returns the last lines of its output (at most OUTPUT_TAIL_BYTES).

    Lines starting with `veyedesk: ` (jobs.results) are appended to `result_lines`
    wherever they come in the output, not only in the tail.

    Raises CommandFailed on a non-zero exit or when it runs longer than `timeout` seconds
    (it is stopped), and JobCancelled (after stopping the command and its children) when
    `cancel` is set. `env` defaults to command_environment().
    """
    run_env = dict(command_environment() if env is None else env)
    try:
        proc = subprocess.Popen(
            dying_with_parent(argv, cwd=cwd, env=run_env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=run_env,
            start_new_session=True,  # its own process group, so cancel stops its children too
        )
    except FileNotFoundError:
        raise CommandFailed(
            f"command {argv[0]!r} not found; install it or fix the state's command"
        ) from None
    except PermissionError:
        raise CommandFailed(f"command {argv[0]!r} is not executable") from None
    tail = bytearray()
    line = bytearray()
    prefix = RESULT_PREFIX.encode()

    def scan(chunk: bytes) -> None:
        # Result lines may come anywhere; only the current line is buffered (bounded).
        for piece in chunk.splitlines(keepends=True):
            if len(line) < RESULT_LINE_BYTES:
                line.extend(piece[: RESULT_LINE_BYTES - len(line)])
            if piece.endswith((b"\n", b"\r")):
                if (
                    result_lines is not None
                    and line.startswith(prefix)
                    and len(result_lines) < MAX_RESULT_LINES
                ):
                    result_lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
                line.clear()

    def drain() -> None:
        # Chunks, not lines: output with no newline must not grow without bound.
        assert proc.stdout is not None
        while chunk := os.read(proc.stdout.fileno(), 65536):
            tail.extend(chunk)
            scan(chunk)
            if len(tail) > 2 * OUTPUT_TAIL_BYTES:
                del tail[:-OUTPUT_TAIL_BYTES]
        scan(b"\n")  # a last result line without a newline still counts

    reader = threading.Thread(target=drain, name=f"output-{proc.pid}", daemon=True)
    reader.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    while proc.poll() is None:
        if cancel.wait(0.1):
            _stop(proc)
            reader.join(1.0)
            raise JobCancelled(f"stopped {argv[0]!r}")
        if deadline is not None and time.monotonic() > deadline:
            _stop(proc)
            reader.join(1.0)
            raise CommandFailed(
                f"{argv[0]!r} did not finish within {timeout:g} s and was stopped "
                "(setting command_timeout_seconds)"
            )
    reader.join(5.0)
    lines = bytes(tail[-OUTPUT_TAIL_BYTES:]).decode("utf-8", "replace").splitlines()
    output = "\n".join(line.rstrip() for line in lines[-OUTPUT_TAIL_LINES:])
    if proc.returncode != 0:
        last = lines[-1].rstrip()[-300:] if lines else "no output"
        raise CommandFailed(f"{argv[0]!r} exited with status {proc.returncode}: {last}")
    return output


def refuse_unless_allowed(argv: Sequence[str], settings: Settings, state_slug: str) -> None:
    """PermanentJobError unless this worker's `worker_commands` allows argv[0]."""
    search_path = command_environment()["PATH"]
    if allowed(argv[0], settings.worker_commands, search_path):
        return
    where = settings.source or f"{config_file()} (or VEYEDESK_WORKER_COMMANDS)"
    raise PermanentJobError(
        f"state {state_slug!r} runs {argv[0]!r}, which this worker does not allow; add it "
        f"to worker_commands in {where} on the machine that should run it "
        "(`veyedesk worker --help`)"
    )


def run_state_command(ctx: JobContext) -> JobResult:
    """Handler for "command" jobs: run the state's command in the talk's show.

    Result lines (`veyedesk: public_url=…`, see jobs.results) are stored on the talk in
    the transaction that marks the job done.
    """
    state_slug = job_state_slug(ctx.job)
    with ctx.sessions() as session:
        state = session.scalar(select(State).where(State.slug == state_slug))
        episode = session.get(Episode, ctx.job.episode_id)
        if state is None or episode is None:
            raise PermanentJobError(f"state {state_slug!r} or episode {ctx.job.episode_id} is gone")
        pipeline = ShowPipeline.load(session, episode.show_id)
        check_still_due(pipeline, episode, state)
        stage = pipeline.stage(state)
        if stage.kind != StateKind.COMMAND or not stage.command:
            raise PermanentJobError(
                f"state {state_slug!r} has no command any more (show {episode.show.slug!r}); "
                f"set one with `veyedesk pipeline set {shlex.quote(state_slug)} command TEMPLATE`"
            )
        values = placeholder_values(session, episode, state_slug, ctx.settings)
        template = stage.command
    try:
        argv = expand(template, values)
    except CommandError as exc:
        raise PermanentJobError(str(exc)) from None
    refuse_unless_allowed(argv, ctx.settings, state_slug)
    if re.search(r"\{output(!q)?\}", template) and not values["output"]:
        raise PermanentJobError(
            f"episode {ctx.job.episode_id} has no published encode under this worker's "
            "output_root for {output}; encode it first (on a machine sharing that folder)"
        )
    ctx.report(0.0, None, None)
    lines: list[str] = []
    output = run_command(
        argv, ctx.cancel, timeout=ctx.settings.command_timeout_seconds, result_lines=lines
    )
    results = parse_results(lines)
    last = output.strip().splitlines()[-1] if output.strip() else ""
    episode_id, user = ctx.job.episode_id, ctx.user

    def record(session: Session) -> None:
        record_results(session, episode_id, results, state_slug, user)

    return JobResult(
        summary=f"ran {shlex.join(argv)[:300]}" + (f" ({last[:200]})" if last else ""),
        record=record if results else None,
    )
