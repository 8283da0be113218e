"""`veyedesk episodes … | head`: a reader that stops early must not get a traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli.test_cli import VEYEDESK
from tests.support.factory import make_show
from veyedesk.db import open_database, session_factory


def test_a_reader_closing_the_pipe_early_ends_the_command_quietly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = open_database(url)
    with session_factory(engine)() as session:
        # Far more output than a pipe buffers (64 KiB), so the command is still writing
        # when the reader goes away, whatever the timing.
        make_show(session, rooms=6, talks_per_room=50, raw_minutes=60)
        session.commit()
    engine.dispose()
    args = ["--db", url, "episodes", "--client", "pyconf", "--show", "pyconf_2026", "--json"]
    with subprocess.Popen(
        [VEYEDESK, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().strip() == b"["  # like `head -1`: one line, then gone
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert err == ""
    assert code == 1  # the output was cut short, as the Python docs' recipe reports it
