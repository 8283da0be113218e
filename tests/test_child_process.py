"""An ffmpeg started by encode.run dies with the process that started it (no orphans)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.waiting import wait_for

SCRIPT = """
import sys
from pathlib import Path
from veyedesk.encode.run import run_ffmpeg
out = Path(sys.argv[1])
run_ffmpeg(["ffmpeg", "-nostdin", "-v", "error", "-progress", "pipe:1", "-re", "-f", "lavfi",
            "-i", "testsrc=size=64x64:rate=25", "-t", "600", "-f", "null", "-y", str(out)],
           duration=600.0, output=out)
"""


def ffmpeg_pids(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if cmdline and cmdline[0].endswith(b"ffmpeg") and marker.encode() in b" ".join(cmdline):
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_ffmpeg_is_killed_when_its_worker_is(tmp_path: Path) -> None:
    marker = str(tmp_path / "orphan-check.part")
    worker = subprocess.Popen([sys.executable, "-c", SCRIPT, marker])
    try:
        wait_for("ffmpeg to start", lambda: ffmpeg_pids(marker) or worker.poll() is not None, 30)
        assert worker.poll() is None, "the worker exited early"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        wait_for("ffmpeg to die with its killed worker", lambda: not ffmpeg_pids(marker), 10)
    finally:
        if worker.poll() is None:
            worker.kill()
        for pid in ffmpeg_pids(marker):
            os.kill(pid, signal.SIGKILL)


def test_the_program_is_found_or_refused_as_popen_would(tmp_path: Path) -> None:
    from veyedesk.child_process import dying_with_parent

    argv = dying_with_parent(["ffmpeg", "-version"])
    assert argv[-2:] == [shutil.which("ffmpeg"), "-version"]
    with pytest.raises(FileNotFoundError):
        dying_with_parent(["no-such-program-veyedesk"])
    script = tmp_path / "publish.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    with pytest.raises(PermissionError):
        dying_with_parent(["./publish.sh"], cwd=tmp_path)
    script.chmod(0o755)
    out = subprocess.run(
        dying_with_parent(["./publish.sh"], cwd=tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == "hi\n"
