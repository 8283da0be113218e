"""`veyedesk encode` as a user runs it: dry run, a real encode with progress, refusals."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.encode.support import make_talk
from tests.support.media import make_clip
from veyedesk.db import make_engine, session_factory
from veyedesk.model import Log
from veyedesk.model.kinds import LogKind
from veyedesk.services.episodes import get_state

pytestmark = pytest.mark.media
VEYEDESK = shutil.which("veyedesk", path=str(Path(sys.executable).parent)) or "veyedesk"

CONFIG = """
title_seconds = 1.0
credits_seconds = 1.0
default_profile = "small"

[profiles.small]
ext = "mp4"
width = 320
height = 180
vcodec = "libx264"
video_options = ["-preset", "ultrafast", "-pix_fmt", "yuv420p"]
"""


@pytest.fixture
def talk(sqlite_url: str, tmp_path: Path) -> tuple[int, dict[str, str]]:
    clips = {
        "a": make_clip(tmp_path / "a.dv", "dv", 2.0),
        "b": make_clip(tmp_path / "b.dv", "dv", 2.0),
    }
    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        episode, _ = make_talk(session, tmp_path, clips, [("a", 0.5, None), ("b", 0.0, 1.0)])
        episode.state = get_state(session, "encode")
        session.commit()
        episode_id = episode.id
    engine.dispose()
    (tmp_path / "config.toml").write_text(CONFIG)
    env = {
        "VEYEDESK_DB": sqlite_url,
        "VEYEDESK_RAW_ROOT": str(tmp_path / "raw"),
        "VEYEDESK_OUTPUT_ROOT": str(tmp_path / "out"),
        "VEYEDESK_CONFIG": str(tmp_path / "config.toml"),
    }
    return episode_id, env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VEYEDESK, "encode", "--client", "conf", "--show", "conf_2026", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


def test_dry_run_prints_the_exact_commands_and_writes_nothing(
    talk: tuple[int, dict[str, str]], tmp_path: Path
) -> None:
    episode_id, env = talk
    result = run(env, "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"# episode {episode_id} (A_hostile_title")
    assert lines[1].startswith("ffmpeg -nostdin -hide_banner -nostats -y -loop 1")
    assert (
        " -ss 0.5 -t 1.5" in lines[1]
        and " -ss 0 -t 1.04 -protocol_whitelist file,pipe -i file:" in lines[1]
    )
    # The title goes in as one quoted argument (its newline stays inside the quotes).
    assert "-metadata 'title=A \"hostile\": title \\ with % and\nnewline 🎉'" in result.stdout
    assert not (tmp_path / "out").exists()


def test_encode_publishes_and_logs(talk: tuple[int, dict[str, str]], tmp_path: Path) -> None:
    episode_id, env = talk
    result = run(env)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out/conf/conf_2026/small/A_hostile_title_with_and_newline.mp4"
    assert out.is_file()
    assert (
        f"episode {episode_id} (A_hostile_title_with_and_newline): encoded small:" in result.stdout
    )
    assert "100%" in result.stderr  # the progress report reached the end
    engine = make_engine(env["VEYEDESK_DB"])
    with Session(engine) as session:
        logs = session.scalars(
            select(Log).where(Log.episode_id == episode_id, Log.kind == LogKind.ENCODED)
        ).all()
        assert len(logs) == 1
        assert "encoded small" in logs[0].result and "LUFS" in logs[0].result
    engine.dispose()


def test_only_encode_state_without_force_and_bad_cuts_are_refused(
    talk: tuple[int, dict[str, str]], tmp_path: Path
) -> None:
    episode_id, env = talk
    engine = make_engine(env["VEYEDESK_DB"])
    with session_factory(engine)() as session:
        from veyedesk.services.episodes import get_episode

        episode = get_episode(session, episode_id)
        episode.state = get_state(session, "edit")
        episode.cuts[0].end = 0.2  # before its start (0.5): inverted
        session.commit()
    engine.dispose()
    result = run(env)
    assert result.returncode == 0
    assert "no episodes to encode in state 'encode' (add --force" in result.stdout
    result = run(env, "--force", str(episode_id))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("veyedesk: error: cut "), result.stderr
    # SMPTE frames in the CLI too: 0.5 s is frame 12 of second 0, 0.2 s frame 5.
    assert "is inverted (out before in) (in 00:00:00:12, out 00:00:00:05)" in result.stderr
    result = run(env, "--force", "--profile", "nope")
    assert result.returncode == 1
    assert "no encode profile 'nope'" in result.stderr
