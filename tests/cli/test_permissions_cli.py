"""A reviewer's CLI is refused every write with one clear line, and nothing is written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from veyedesk.db import make_engine, session_factory
from veyedesk.model import EncodeJob, Episode, User

VEYEDESK = shutil.which("veyedesk", path=str(Path(sys.executable).parent)) or "veyedesk"


def _run(*args: str, password: str = "", stdin: str | None = None):
    env = {**os.environ, "VEYEDESK_PASSWORD": password} if password else dict(os.environ)
    return subprocess.run(
        [VEYEDESK, *args], input=stdin, capture_output=True, text=True, timeout=60, env=env
    )


def test_a_reviewer_cannot_move_queue_command_or_add_users(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    db = ["--db", url]
    for args in (
        ["user", "add", "boss", "--role", "admin", "--password-stdin"],
        ["client", "add", "--client", "pyconf"],
        ["show", "add", "--client", "pyconf", "--show", "pyconf_2026"],
        ["room", "add", "--client", "pyconf", "--show", "pyconf_2026", "main"],
        ["user", "add", "rita", "--role", "reviewer", "--password-stdin"],
    ):
        stdin = "rita-password\n" if "rita" in args else "boss-password\n"
        done = _run(*db, "--user", "boss", *args, password="boss-password", stdin=stdin)
        assert done.returncode == 0, done.stderr
    engine = make_engine(url)
    with session_factory(engine)() as s, s.begin():
        from veyedesk.services.catalog import get_show
        from veyedesk.services.episodes import add_episode

        episode = add_episode(s, get_show(s, "pyconf", "pyconf_2026"), "A talk")
        s.flush()
        episode_id = episode.id
    as_rita = [*db, "--user", "rita"]
    for args, words in (
        (["state", "set", str(episode_id), "encode"], "rita (reviewer) may not edit"),
        (["queue", "add", str(episode_id)], "rita (reviewer) may not edit"),
        (["state", "command", "email", "true {emails}"], "rita (reviewer) may not admin"),
        (["user", "add", "mallory", "--role", "admin", "--password-stdin"], "may not admin"),
    ):
        done = _run(*as_rita, *args, password="rita-password", stdin="mallory-password\n")
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 1 and len(lines) == 1, (args, done.stderr)
        assert words in lines[0], (args, lines[0])
    with session_factory(engine)() as s:
        episode = s.get(Episode, episode_id)
        assert episode is not None and episode.state is not None
        assert episode.state.slug == "edit"
        assert s.scalar(select(func.count()).select_from(EncodeJob)) == 0
        assert s.scalar(select(func.count()).select_from(User)) == 2
    engine.dispose()
