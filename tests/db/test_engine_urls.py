"""Database URLs veyedesk cannot use are one line naming the problem, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from veyedesk.db import DatabaseError, make_engine


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg2://ed@localhost/vk",  # a driver that is not installed
        "postgresql+nosuchdriver://ed@localhost/vk",  # a driver SQLAlchemy does not know
        "sqlite+aiosqlite:///talks.db",
    ],
)
def test_an_unused_driver_is_named(url: str) -> None:
    with pytest.raises(DatabaseError, match=r"asks for the driver .* which veyedesk does not use"):
        make_engine(url)


def test_the_usual_spellings_still_work(tmp_path: Path) -> None:
    for url in (f"sqlite:///{tmp_path / 'a.db'}", f"sqlite+pysqlite:///{tmp_path / 'b.db'}"):
        make_engine(url).dispose()
    for url in ("postgresql://ed@localhost/vk", "postgresql+psycopg://ed@localhost/vk"):
        make_engine(url).dispose()  # no connection is made until it is used


def test_a_sqlite_file_whose_folder_cannot_be_made_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(DatabaseError, match=r"cannot make the folder .*a-file/sub"):
        make_engine(f"sqlite:///{blocker / 'sub' / 'talks.db'}")


def test_the_command_line_prints_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEYEDESK_")}
    env.update(VEYEDESK_DB="postgresql+psycopg2://ed@localhost/vk", HOME=str(tmp_path))
    run = subprocess.run(
        [sys.executable, "-m", "veyedesk", "episodes", "--client", "c", "--show", "s"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "psycopg2" in run.stderr, run.stderr
