"""A machine without libmpv: the windows refuse to start with one line, the CLI still works.

libmpv is made unloadable the way python-mpv looks for it: `ctypes.util.find_library("mpv")`
answers None (as on a machine without the package), in a child interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

NO_LIBMPV = """
import ctypes.util, sys
_real = ctypes.util.find_library
ctypes.util.find_library = lambda name: None if name == "mpv" else _real(name)
from veyedesk.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def run_without_libmpv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", NO_LIBMPV, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("args", [(), ("play", "1")], ids=["editor", "play"])
def test_a_window_without_libmpv_says_what_to_install_in_one_line_and_exits_1(
    sqlite_url: str, args: tuple[str, ...]
) -> None:
    result = run_without_libmpv("--db", sqlite_url, *args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("veyedesk: error: libmpv")
    assert "sudo apt install libmpv2" in line


def test_commands_that_play_no_video_work_without_libmpv(sqlite_url: str) -> None:
    for args in (
        ("db", "current"),
        ("client", "add", "--client", "pycon"),
        ("show", "add", "--client", "pycon", "--show", "pycon26"),
    ):
        result = run_without_libmpv("--db", sqlite_url, *args)
        assert result.returncode == 0, result.stderr
    listed = run_without_libmpv(
        "--db", sqlite_url, "episodes", "--client", "pycon", "--show", "pycon26"
    )
    assert listed.returncode == 0, listed.stderr
    assert "libmpv" not in listed.stderr


def test_the_child_really_has_no_libmpv() -> None:
    # Guards the test itself: python-mpv imported in the child must fail to find libmpv.
    probe = subprocess.run(
        [sys.executable, "-c", NO_LIBMPV.replace("from veyedesk", "import mpv\nfrom veyedesk")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode != 0 and "OSError" in probe.stderr
