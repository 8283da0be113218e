"""From raw files to a published talk with nobody pushing it along: the real CLI, a real
worker and the review window, on PostgreSQL.

import-schedule -> scan -> assoc -> cut (the editor's save path) -> encode (a `veyedesk
worker` process) -> the talk whose speaker said Yes reaches review 1 by itself -> a
reviewer approves it in the review window -> the publish command (resources/commands)
runs, writes public_url back -> done. The talks whose speaker said No or was never asked
reach review 1 just the same (*post* uploads unlisted, it is not public); approved, they
stop before *make public* and say why, and the one never asked carries on when set to Yes.
The SQLite test walks one Unknown talk the same road through the CLI and the services.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from tests.ingest.rawday import make_room_day
from veyedesk.config import Settings, load_settings
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.resources import resource_path
from veyedesk.gui.review.window import ReviewWindow
from veyedesk.model import Episode, Log
from veyedesk.model.kinds import LogKind
from veyedesk.services.editing import open_save as editing
from veyedesk.services.identity import Identity

VEYEDESK = shutil.which("veyedesk", path=str(Path(sys.executable).parent)) or "veyedesk"
PUBLISH = resource_path("commands/publish_folder.py")
SHOW = ["--client", "vk", "--show", "vk26"]
EDITOR = Identity("ed@laptop", "editor")
REVIEWER = Identity("rita", "reviewer", authenticated=True)
CONFIG = """
title_seconds = 0
credits_seconds = 0
default_profile = "tiny"
output_root = "{out}"
worker_commands = ["{publish}"]

[profiles.tiny]
ext = "mp4"
width = 160
height = 90
fps = 25.0
vcodec = "libx264"
acodec = "aac"
video_options = ["-preset", "ultrafast", "-pix_fmt", "yuv420p"]
audio_options = ["-b:a", "64k", "-ar", "48000"]
muxer_options = []
"""


def reviewer_window(qtbot: QtBot, engine: Engine, settings: Settings) -> ReviewWindow:
    """The review window of a reviewer (no edit rights) on the show."""
    with session_factory(engine)() as session:
        show_id = session.scalar(select(Episode.show_id).limit(1))
    assert show_id is not None
    window = ReviewWindow(session_factory(engine), settings, REVIEWER, show_id)
    qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
    window.show()
    return window


class Crew:
    """Runs `veyedesk …` as a crew member would, with one config file and database."""

    def __init__(self, db_url: str, root: Path) -> None:
        self.db_url, self.root = db_url, root
        self.config = root / "config.toml"
        self.config.write_text(CONFIG.format(out=root / "out", publish=PUBLISH), encoding="utf-8")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VEYEDESK_")}
        env.update(
            VEYEDESK_CONFIG=str(self.config),
            VEYEDESK_DATA_DIR=str(self.root / "data"),
            VEYEDESK_DB=self.db_url,
            VEYEDESK_USER="crew@venue",
        )
        return env

    def run(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run(
            [VEYEDESK, *args], capture_output=True, text=True, timeout=timeout, env=self.env()
        )
        assert done.returncode == 0, f"veyedesk {' '.join(args)}: {done.stderr}"
        return done.stdout

    def work(self) -> str:
        """A real worker until the queue is empty; its event lines."""
        done = subprocess.run(
            [VEYEDESK, "worker", "--once", "--poll-seconds", "0.2"],
            capture_output=True,
            text=True,
            timeout=300,
            env=self.env(),
        )
        assert done.returncode == 0, done.stderr
        return done.stderr

    def states(self) -> dict[str, str]:
        rows = json.loads(self.run("episodes", *SHOW, "--json"))
        return {r["conf_key"]: r["state"] for r in rows}

    def ids(self) -> dict[str, int]:
        rows = json.loads(self.run("episodes", *SHOW, "--json"))
        return {r["conf_key"]: r["id"] for r in rows}


@pytest.mark.postgres
def test_a_talk_goes_from_raw_files_to_published_by_itself(
    qtbot: QtBot, pg_url: str, tmp_path: Path, artifacts: Path
) -> None:
    crew = Crew(pg_url, tmp_path)
    crew.run("client", "add", "--client", "vk")
    crew.run("show", "add", *SHOW)
    crew.run("room", "add", *SHOW, "room_a")
    raw = tmp_path / "raw"
    make_room_day(raw, tmp_path / "cache", room="room_a")
    schedule = tmp_path / "talks.csv"
    schedule.write_text(
        "name,room,start,duration,authors,emails,description,conf_key\n"
        "Said yes,room_a,2026-02-01 10:00:01,2,Ann,ann@example.org,,yes\n"
        "Said no,room_a,2026-02-01 10:00:05,2,Bob,bob@example.org,,no\n"
        "Never asked,room_a,2026-02-01 10:00:21,2,Cy,cy@example.org,,unknown\n",
        encoding="utf-8",
    )
    assert "3 added" in crew.run("import-schedule", *SHOW, str(schedule))
    assert "5 added" in crew.run("scan", *SHOW, str(raw))
    assert "cuts added to 3 of 3 episodes" in crew.run("assoc", *SHOW)
    www = tmp_path / "www"
    crew.run(
        "pipeline",
        "set",
        "make public",
        "command",
        f"{PUBLISH} --base-url https://videos.example.org/vk26/ -- {{output}} {www}",
    )
    crew.run("pipeline", "set", "review 2", "pass")  # this crew skips the speakers' review
    ids = crew.ids()
    crew.run("pipeline", "release", str(ids["yes"]), "yes")
    crew.run("pipeline", "release", str(ids["no"]), "no")

    # Cut: the editor's save path trims the first talk and moves it to encode.
    settings = load_settings(flags={"db": pg_url}, env={}, path=crew.config)
    engine = make_engine(pg_url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        opened = editing.open_for_edit(session, ids["yes"], EDITOR, settings)
        draft = opened.draft.copy()
        draft.cuts[0].start, draft.cuts[0].end = 1.0, 3.0
        draft.fields["state"] = "encode"
        saved = editing.save_episode(session, draft, opened.draft, EDITOR, settings, release=True)
        assert saved.job == "queued encode tiny"
    for key in ("no", "unknown"):
        assert "queued encode tiny" in crew.run("state", "set", str(ids[key]), "encode")

    events = crew.work()
    assert events.count("event=done") == 3, events
    # Nobody touched them: all three wait for their reviewer (issue 19: No and Unknown
    # used to stop in push to queue, before post, and the reviewer saw nothing).
    assert crew.states() == {"yes": "review 1", "no": "review 1", "unknown": "review 1"}

    # A reviewer approves them in the review window.
    window = reviewer_window(qtbot, engine, settings)
    qtbot.waitUntil(lambda: window.items.count() == 3, timeout=15000)
    assert approve(qtbot, window, ids["yes"]) == "approved -> make public"
    window.grab().save(str(artifacts / "pipeline_e2e_review.png"))
    for key in ("no", "unknown"):
        # review 2 passes in this show: they stop before make public, the first public state.
        assert approve(qtbot, window, ids[key]) == "approved -> review 2"
    qtbot.waitUntil(lambda: window.items.count() == 0 and window.held.count() == 2, timeout=15000)
    with sessions() as session:
        reasons = [
            log.result
            for log in session.scalars(
                select(Log).where(Log.kind == LogKind.RELEASE).order_by(Log.episode_id)
            )
        ]
    assert reasons == [
        "speaker refused release: stopped in review 2, before make public",
        "waiting for the speaker's release: stopped in review 2, before make public",
    ]

    # The publish command runs on the worker and writes public_url back.
    events = crew.work()
    assert "event=done" in events and "make public" in events
    assert crew.states()["yes"] == "done"
    published = list(www.glob("*.mp4"))
    assert [p.name for p in published] == ["Said_yes.mp4"]
    with sessions() as session:
        talk = session.get(Episode, ids["yes"])
        assert talk is not None
        assert talk.public_url == "https://videos.example.org/vk26/Said_yes.mp4"
        results = session.scalars(
            select(Log.result).where(Log.episode_id == talk.id, Log.kind == LogKind.RESULT)
        ).all()
        assert results == ["make public wrote back public_url=" + talk.public_url]

    # Unknown waits; set to Yes it carries on by itself. No stays where it stopped.
    out = crew.run("pipeline", "release", str(ids["unknown"]), "yes")
    assert out.strip().endswith("released yes, in make public")
    assert crew.states() == {"yes": "done", "no": "review 2", "unknown": "make public"}
    engine.dispose()


def approve(qtbot: QtBot, window: ReviewWindow, episode_id: int) -> str:
    """Open the talk's encode in the review window and approve it; what the window says."""
    window.open_episode(episode_id)
    qtbot.waitUntil(
        lambda: (
            window.package is not None
            and window.package.episode_id == episode_id
            and window.approve_button.isEnabled()
        ),
        timeout=20000,
    )
    with qtbot.waitSignal(window.reviewed, timeout=15000) as done:
        window.approve_button.click()
    assert done.args[0] == episode_id
    return str(done.args[1])


def test_an_unknown_talk_is_reviewed_untouched_and_published_once_released(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Issue 19 on SQLite: the CLI, a `veyedesk worker` and the review services.

    import-schedule -> scan -> assoc -> cut (the editor's save path) -> a worker encodes
    -> the talk never asked for its release is in review 1 with nobody touching it ->
    approved twice -> held before make public -> `pipeline release yes` -> the worker
    publishes it.
    """
    from veyedesk.services.pipeline import review

    crew = Crew(sqlite_url, tmp_path)
    crew.run("client", "add", "--client", "vk")
    crew.run("show", "add", *SHOW)
    crew.run("room", "add", *SHOW, "room_a")
    raw = tmp_path / "raw"
    make_room_day(raw, tmp_path / "cache", room="room_a")
    schedule = tmp_path / "talks.csv"
    schedule.write_text(
        "name,room,start,duration,authors,emails,description,conf_key\n"
        "Never asked,room_a,2026-02-01 10:00:01,2,Cy,cy@example.org,,unknown\n",
        encoding="utf-8",
    )
    assert "1 added" in crew.run("import-schedule", *SHOW, str(schedule))
    assert "added" in crew.run("scan", *SHOW, str(raw))
    assert "cuts added to 1 of 1 episodes" in crew.run("assoc", *SHOW)
    www = tmp_path / "www"
    crew.run(
        "pipeline",
        "set",
        "make public",
        "command",
        f"{PUBLISH} --base-url https://videos.example.org/vk26/ -- {{output}} {www}",
    )
    (talk,) = crew.ids().values()

    settings = load_settings(flags={"db": sqlite_url}, env={}, path=crew.config)
    engine = make_engine(sqlite_url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        episode = session.get(Episode, talk)
        assert episode is not None and episode.released is None  # never asked
        opened = editing.open_for_edit(session, talk, EDITOR, settings)
        draft = opened.draft.copy()
        draft.cuts[0].start, draft.cuts[0].end = 1.0, 3.0
        draft.fields["state"] = "encode"
        saved = editing.save_episode(session, draft, opened.draft, EDITOR, settings, release=True)
        assert saved.job == "queued encode tiny"

    events = crew.work()
    assert events.count("event=done") == 1, events
    assert crew.states() == {"unknown": "review 1"}  # nobody touched it
    with sessions() as session:
        assert [i.episode_id for i in review.review_items(session, episode.show_id)] == [talk]

    for _ in ("review 1", "review 2"):
        with sessions() as session, session.begin():
            review.mark_opened(session, talk, REVIEWER)
            review.approve(session, talk, REVIEWER, settings.default_profile)
    assert crew.states() == {"unknown": "review 2"}
    with sessions() as session:
        (held,) = review.held_items(session, episode.show_id)
        assert held.describe() == "waiting for the speaker's release (before make public)"
    assert "event=done" not in crew.work()  # nothing to publish while it waits
    assert not www.exists() or not list(www.iterdir())

    out = crew.run("pipeline", "release", str(talk), "yes")
    assert out.strip().endswith("released yes, in make public")
    events = crew.work()
    assert "event=done" in events and "make public" in events
    assert crew.states() == {"unknown": "done"}
    assert [p.name for p in www.glob("*.mp4")] == ["Never_asked.mp4"]
    engine.dispose()
