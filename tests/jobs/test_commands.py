"""State command templates: split first, fill per argument, never a shell; run and cancel."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from tests.support.waiting import wait_for
from veyedesk.jobs.commands import CommandError, CommandFailed, check_template, expand, run_command
from veyedesk.jobs.handler import JobCancelled

NASTY = 'Talk "one"; rm -rf ~ $(whoami) `id` \\ 50% {braces} 🎥\nsecond line'


def test_a_title_with_shell_characters_stays_one_untouched_argument() -> None:
    args = expand(
        "upload --title {name} --file '{output}' {slug}.mp4",
        {"name": NASTY, "output": "/srv/out/my talk.mp4", "slug": "my_talk"},
    )
    assert args == ["upload", "--title", NASTY, "--file", "/srv/out/my talk.mp4", "my_talk.mp4"]


def test_missing_values_become_empty_arguments_not_errors() -> None:
    assert expand("notify {emails} {public_url}", {"emails": "a@b.org"}) == [
        "notify",
        "a@b.org",
        "",
    ]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("rsync {outptu} host:", "uses {outptu}; placeholders are: {output}"),
        ("echo {name.__class__}", "uses {name.__class__}"),
        ("echo {name[0]}", "uses {name[0]}"),
        ("echo 'unclosed", "check the quotes"),
        ("   ", "empty"),
        ("echo {", "literal braces"),
    ],
)
def test_bad_templates_are_refused_with_a_reason(template: str, message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("[", r"\[").replace("{", r"\{")):
        check_template(template)


def test_literal_braces_are_written_doubled() -> None:
    assert expand("echo '{{not a placeholder}}' {slug}", {"slug": "s"}) == [
        "echo",
        "{not a placeholder}",
        "s",
    ]


def test_run_command_returns_output_and_reports_failures(tmp_path: Path) -> None:
    never = threading.Event()
    assert run_command([sys.executable, "-c", "print('uploaded')"], never) == "uploaded"
    with pytest.raises(CommandFailed, match="exited with status 3: disk full"):
        run_command([sys.executable, "-c", "import sys; print('disk full'); sys.exit(3)"], never)
    with pytest.raises(CommandFailed, match="not found"):
        run_command([str(tmp_path / "no-such-uploader")], never)


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def test_cancel_stops_the_command_and_its_children(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "time.sleep(60)\n"
    )
    cancel = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            run_command([sys.executable, "-c", script], cancel)
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    wait_for("the command to start its child", lambda: pids.exists() and pids.read_text())
    parent, child = (int(p) for p in pids.read_text().split())
    cancel.set()
    thread.join(30)
    assert not thread.is_alive()
    assert len(failure) == 1 and isinstance(failure[0], JobCancelled)
    assert _gone(parent)
    wait_for("the child to be stopped too", lambda: _gone(child), timeout=10)
    assert os.getpid() != parent
