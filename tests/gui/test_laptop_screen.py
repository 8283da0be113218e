"""Every window fits a 1366x768 laptop screen (issue 19): the editor with a talk open and
each form tab shown, review, mark, show settings (and its Publishing tab), users, room-day,
import, sync, play.

A child process per check on its own Xvfb screen of that size (pytest-xvfb's screen is
another size), so Qt's screen is the laptop's: windows open within its available geometry,
their minimum sizes fit it, and a geometry remembered from a bigger screen is clamped.
The screenshots land in tmp_path for a person to look at (and in tests/artifacts).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.model import Episode, Publication
from veyedesk.publish.secrets import FileSecrets
from veyedesk.services import publishing
from veyedesk.services.demo import DemoPlan, create_demo
from veyedesk.services.identity import Identity

ROOT = Path(__file__).resolve().parents[2]
LAPTOP = "1366x768x24"
PLAN = DemoPlan(file_seconds=6.0, gap_seconds=2.0)

pytestmark = [
    pytest.mark.media,
    pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (package xvfb)"),
]


def run_child(db_url: str, out: Path, config: Path, *extra: str) -> dict[str, Any]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(config)}
    env.pop("DISPLAY", None)
    proc = subprocess.run(
        ["xvfb-run", "-a", "-s", f"-screen 0 {LAPTOP}",
         sys.executable, "-m", "tests.gui.laptop_child", db_url, str(out), *extra],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


TASKBAR = 48  # Xvfb has none; a laptop's desktop takes about this much of the height
TITLE_BAR = 32  # nor a window manager's title bar, which a minimum size must leave room for


def fits(seen: dict[str, Any]) -> list[str]:
    """What does not fit the available screen less a taskbar, window by window."""
    wrong = []
    for name, r in seen.items():
        if "avail" not in r:
            continue
        ax, ay, aw, ah = r["avail"]
        ah -= TASKBAR
        x, y, w, h = r["frame"]
        if w > aw or h > ah:
            wrong.append(f"{name}: {w}x{h} is bigger than the screen's {aw}x{ah}")
        elif x < ax or y < ay or x + w > ax + aw or y + h > ay + ah:
            wrong.append(f"{name}: at {x},{y} {w}x{h} runs off the screen {aw}x{ah}")
        mw, mh = r["minimum"]
        if mw > aw or mh > ah - TITLE_BAR:
            wrong.append(f"{name}: needs at least {mw}x{mh}, the screen has {aw}x{ah}")
    return wrong


@pytest.fixture
def demo_db(session: Session, sqlite_url: str, tmp_path: Path) -> str:
    demo = create_demo(session, tmp_path / "demo", PLAN)
    publish_demo(session, demo.show_id)
    session.commit()
    return sqlite_url


def publish_demo(session: Session, show_id: int) -> None:
    """Publish targets with long addresses, and every talk on them as publish jobs leave
    it, so Show settings ▸ Publishing and the Published tab are measured full."""
    admin = Identity("crew", "admin")
    targets = [
        publishing.add_target(session, admin, show_id, "peertube", "peertube",
                              {"url": "https://videos.conference-recordings.example.org",
                               "channel": "conference_talks", "username": "crew"}),
        publishing.add_target(session, admin, show_id, "mirror", "rclone",
                              {"remote": "s3-conference-archive:recordings/2026/main-hall",
                               "public_url": "https://cdn.example.org/conference/2026/"}),
        publishing.add_target(session, admin, show_id, "toot", "mastodon",
                              {"url": "https://social.conference.example.org"}),
    ]  # fmt: skip
    FileSecrets().set("peertube", "password", "stored by publish login")
    when = datetime(2026, 12, 3, 14, 5)
    for episode_id in session.scalars(select(Episode.id).where(Episode.show_id == show_id)):
        tube, mirror, toot = (t.id for t in targets)
        session.add_all([
            Publication(episode_id=episode_id, target_id=tube, status="uploaded",
                        privacy="public", updated_at=when,
                        host_url=f"https://videos.conference-recordings.example.org/w/{episode_id}x"
                        "9fWq3LmZbT2kq8RaYcNvd",
                        public_url="https://videos.conference-recordings.example.org/download/"
                        f"videos/{episode_id}-9fWq3LmZbT2kq8RaYcNvd-1080.mp4"),
            Publication(episode_id=episode_id, target_id=mirror, status="failed",
                        updated_at=when, error="rclone: Failed to copy: AccessDenied: Access "
                        "Denied status code: 403, request id: 1B2C3D4E5F, host id: "
                        "aGVsbG8gd29ybGQgdGhpcyBpcyBhIGxvbmcgaG9zdCBpZA=="),
            Publication(episode_id=episode_id, target_id=toot, status="announced",
                        updated_at=when,
                        host_url="https://social.conference.example.org/@conf/1133557799"),
        ])  # fmt: skip


@pytest.fixture
def db_url(sqlite_url: str) -> str:  # one database is enough: this is about pixels
    return sqlite_url


def test_every_window_fits_a_1366x768_screen(demo_db: str, tmp_path: Path, artifacts: Path) -> None:
    out = tmp_path / "shots"
    out.mkdir()
    seen = run_child(demo_db, out, tmp_path / "config")
    for png in out.glob("*.png"):
        shutil.copy(png, artifacts / f"laptop_{png.name}")
    assert {"editor_tab_Episode", "editor_tab_Published", "review", "mark", "show_settings",
            "show_settings_publishing", "users"} <= set(seen)  # fmt: skip
    assert fits(seen) == []
    # The Next label elides on a laptop: its whole text is in the tooltip, plain.
    label = seen["next_label"]
    assert label["visible"] and label["text"].startswith("Next: ")
    assert label["shown"].endswith("…") and label["shown"][:-1] in label["text"]
    assert label["text"] in label["tooltip"]  # the whole title, escaped as plain text


def test_a_geometry_remembered_on_a_bigger_screen_is_clamped(demo_db: str, tmp_path: Path) -> None:
    seen = run_child(demo_db, tmp_path, tmp_path / "config", "restored")
    assert fits(seen) == []
