"""The editor window opens maximised the first time, then as it was last closed.

Two real editor processes one after the other, on an Xvfb screen of a laptop's size
(pytest-xvfb's 800x600 screen is smaller than the window's minimum, and Qt shrinks a
restored window to fit its screen).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.factory import make_show
from veyedesk.db import make_engine, session_factory

ROOT = Path(__file__).resolve().parents[2]


def _run(db_url: str, phase: str, config: Path) -> dict:
    env = {**os.environ, "XDG_CONFIG_HOME": str(config)}
    env.pop("DISPLAY", None)
    proc = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24",
         sys.executable, "-m", "tests.gui.geometry_child", db_url, phase],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (package xvfb)")
def test_first_run_is_maximised_then_the_last_size_is_remembered(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        make_show(session)  # a show exists: the window does not start making the demo
        session.commit()
    engine.dispose()
    config = tmp_path / "config"
    first = _run(sqlite_url, "first", config)
    assert first["first_run"] and first["maximised"]
    assert (config / "veyedesk" / "veyedesk.conf").exists()  # QSettings, per user
    again = _run(sqlite_url, "again", config)
    assert not again["first_run"] and not again["maximised"]
    assert again["size"] == [1200, 700]
    assert again["cuts_hidden"]  # docks come back as they were left
