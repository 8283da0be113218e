"""State command templates: split first, fill per argument, never a shell; run and cancel.

Also who may run them (the worker's own allow-list), shells that re-split arguments
(`{name!q}`), values that would become options, and the environment, time and output
a command gets.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture, set_state
from tests.support.waiting import wait_for
from veyedesk.config import Settings
from veyedesk.jobs import state_moves
from veyedesk.jobs.commands import (
    OUTPUT_TAIL_BYTES,
    CommandError,
    CommandFailed,
    allowed,
    check_template,
    expand,
    run_command,
)
from veyedesk.jobs.engine import writer_engine
from veyedesk.jobs.handler import JobCancelled
from veyedesk.jobs.worker import WorkerOptions, default_handlers, run_worker
from veyedesk.model import EncodeJob
from veyedesk.services.episodes import get_state

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
        ("echo {name!r}", "other conversions"),
        ("echo {name:>99999}", "format specs"),
        ("{name} --version", "program must be written out"),
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


# -- shells that split and interpret the arguments again --------------------------------

PWNED_TITLE = "x; touch ~/pwned"


@pytest.mark.parametrize(
    "template",
    [
        "ssh host logger {name}",
        "ssh -p 2222 -i /k host logger --tag {slug}",
        "scp {output} host:/videos/{slug}.mp4",
        "sh -c 'logger {name}'",
        "bash -c 'logger {name}'",
        "/bin/bash -c 'logger {name}'",
        "env LC_ALL=C sh -c 'echo {name}'",
        "timeout 60 ssh host 'logger {name}'",
        "rsync -e ssh {output} host:/videos/",
        "rsync -avze 'ssh -p 2222' {output} host:/videos/",
        "rsync --rsh=ssh {output} host:/videos/",
        # Issue 20: programs that hand a command line to a shell, and shells in one word.
        "su -c 'logger {name}' video",
        "runuser -u video -- sh -c 'logger {name}'",
        "sudo -s logger {name}",
        "sudo -i -u video logger {name}",
        "flock /run/up.lock -c 'upload {name}'",
        "watch -n 60 'ls {output}'",
        "parallel upload ::: {output}",
        "env -S 'sh -c' 'logger {name}'",
        "pwsh -c 'Write-Host {name}'",
        "mosh host -- logger {name}",
    ],
)
def test_a_template_that_reaches_a_shell_must_quote_every_placeholder(template: str) -> None:
    with pytest.raises(CommandError, match=r"hands its arguments to a shell .*!q"):
        check_template(template)
    quoted = template.replace("}", "!q}")
    assert check_template(quoted)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("python3 -c 'import os; os.system(\"up {name}\")'", "inside python3's code"),
        ("timeout 60 perl -e 'print \"{name}\"'", "inside perl's code"),
        ("rsync -e{slug} {output} host:/videos/", "rsync's remote shell from a placeholder"),
    ],
)
def test_a_value_cannot_become_code_or_the_remote_shell(template: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        check_template(template)
    with pytest.raises(CommandError, match=message):  # !q is no help there
        check_template(template.replace("}", "!q}"))


def test_programs_that_take_arguments_as_they_are_need_no_quoting() -> None:
    assert check_template("sudo -u www cp -- {output} /var/www/")
    assert check_template("python3 /opt/up.py --title {name} {output}")
    assert check_template("python3 -c 'import sys; print(sys.argv[1])' {name}")


def test_a_quoted_title_reaches_the_remote_shell_as_one_word() -> None:
    args = expand("ssh host logger -- {name!q}", {"name": PWNED_TITLE})
    assert args == ["ssh", "host", "logger", "--", "'x; touch ~/pwned'"]
    # Plain argument lists still take any value as it is.
    assert expand("upload --title {name} {output}", {"name": PWNED_TITLE, "output": "/o"}) == [
        "upload",
        "--title",
        PWNED_TITLE,
        "/o",
    ]
    assert check_template("rsync {output} host:/videos/")  # rsync without a remote shell option


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), include_characters="\n\t"),
        max_size=40,
    )
)
def test_a_shell_reads_back_exactly_the_quoted_value(
    tmp_path_factory: pytest.TempPathFactory, title: str
) -> None:
    """A real shell stands in for the remote one: it writes the title, never runs it."""
    title = "x" + title  # a leading '-' is the next tests' business
    folder = tmp_path_factory.mktemp("sh")
    args = expand("sh -c 'printf %s {name!q} > out'", {"name": title})
    run_command(args, threading.Event(), cwd=str(folder))
    assert (folder / "out").read_text(encoding="utf-8") == title
    assert [p.name for p in folder.iterdir()] == ["out"]


def test_a_pwned_title_runs_nothing_through_a_real_shell(tmp_path: Path) -> None:
    args = expand("sh -c 'echo {name!q}'", {"name": f"x; touch {tmp_path}/pwned"})
    assert run_command(args, threading.Event()) == f"x; touch {tmp_path}/pwned"
    assert not (tmp_path / "pwned").exists()


# -- values that would become options ----------------------------------------------------


@pytest.mark.parametrize(
    ("template", "value"),
    [
        ("upload {name}", "-rf"),
        ("upload --title {name}", "--delete"),
        ("upload {slug}.mp4", "-x"),
        ("ssh host logger {name!q}", "-p evil"),
        ("sh -c 'logger {name!q}'", "-p evil"),
    ],
)
def test_a_value_starting_with_a_dash_is_refused_where_it_would_be_an_option(
    template: str, value: str
) -> None:
    with pytest.raises(CommandError, match=r"starts with '-'.*put -- before"):
        expand(template, {"name": value, "slug": value})


@pytest.mark.parametrize(
    "template",
    [
        "upload -- {name}",
        "upload --title={name}",
        "upload x{name}",
        "ssh host logger -- {name!q}",
        "sh -c 'logger -- {name!q}'",
    ],
)
def test_a_dash_value_passes_after_double_dash_or_inside_an_argument(template: str) -> None:
    assert "-rf" in "".join(expand(template, {"name": "-rf"}))


# -- what a command gets: environment, time, output ----------------------------------------


def test_commands_run_with_a_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEYEDESK_DB", "postgresql://ed:s3cret@db/v")
    monkeypatch.setenv("VEYEDESK_PASSWORD", "pw-of-the-worker")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    script = "import json, os; print(json.dumps(dict(os.environ)))"
    env = json.loads(run_command([sys.executable, "-c", script], threading.Event()))
    assert not {k for k in env if k.startswith("VEYEDESK_")}
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert "s3cret" not in json.dumps(env) and "pw-of-the-worker" not in json.dumps(env)
    assert env["PATH"] == os.environ["PATH"]


def test_a_command_that_runs_too_long_is_stopped_and_named(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    )
    with pytest.raises(CommandFailed, match=r"within 0.5 s .*command_timeout_seconds"):
        run_command([sys.executable, "-c", script], threading.Event(), timeout=0.5)
    assert _gone(int(pid_file.read_text()))


def test_captured_output_is_bounded_even_without_newlines() -> None:
    script = "import sys\nfor _ in range(320): sys.stdout.write('y' * 65536)\nprint('END')"
    out = run_command([sys.executable, "-c", script], threading.Event())
    assert out.endswith("END") and len(out) <= OUTPUT_TAIL_BYTES


# -- who may run what: the worker's own allow-list ------------------------------------------


def test_the_allow_list_matches_a_program_by_name_or_by_the_file_it_resolves_to(
    tmp_path: Path,
) -> None:
    path = os.environ["PATH"]
    true = shutil.which("true", path=path)
    assert true is not None
    assert allowed("true", ["true"], path)
    assert allowed(true, ["true"], path) and allowed("true", [true], path)
    assert not allowed("true", [], path)
    assert not allowed("false", ["true"], path)
    impostor = tmp_path / "true"
    impostor.write_text("#!/bin/sh\n", encoding="utf-8")
    impostor.chmod(0o755)
    assert not allowed(str(impostor), ["true"], path)


def _queue_command(session: Session, episode, template: str) -> int:
    get_state(session, "post").command = template
    episode.released = True  # post is public: the worker checks the release when it runs
    set_state(session, episode, "post", "ed")
    job = state_moves.queue_for_state(session, episode, "mp4")
    assert job is not None
    session.commit()
    return job.id


def _work(db_url: str, settings: Settings) -> None:
    engine = writer_engine(db_url)
    try:
        run_worker(engine, settings, default_handlers(), WorkerOptions(once=True, poll_seconds=0.1))
    finally:
        engine.dispose()


def test_a_worker_runs_only_the_programs_its_own_config_allows(
    db_url: str, session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "upload.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('x')\n", encoding="utf-8")
    job_id = _queue_command(session, show.episodes[0], f"{sys.executable} {script} {{slug}}")

    # The database says run it; this machine's settings allow nothing: it is not run.
    _work(db_url, Settings(db=db_url, user="w@test", source="/etc/veyedesk.toml"))
    session.expire_all()
    job = session.get(EncodeJob, job_id)
    assert job is not None and job.status == "failed" and job.attempts == 1
    assert "does not allow" in job.error and "worker_commands in /etc/veyedesk.toml" in job.error
    assert not marker.exists()

    # Allowed by path on the worker's machine: it runs.
    job_id = _queue_command(session, show.episodes[1], f"{sys.executable} {script} {{slug}}")
    _work(db_url, Settings(db=db_url, user="w@test", worker_commands=(sys.executable,)))
    session.expire_all()
    job = session.get(EncodeJob, job_id)
    assert job is not None and job.status == "done", job.error
    assert marker.exists()


def test_an_unsafe_template_written_straight_into_the_database_fails_without_running(
    db_url: str, session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    """`state command` refuses it, but anyone with the database URL can write the row."""
    job_id = _queue_command(session, show.episodes[2], f"sh -c 'echo {{name}} > {tmp_path}/out'")
    _work(db_url, Settings(db=db_url, user="w@test", worker_commands=("sh",)))
    session.expire_all()
    job = session.get(EncodeJob, job_id)
    assert job is not None and job.status == "failed" and "!q" in job.error
    assert not (tmp_path / "out").exists()
