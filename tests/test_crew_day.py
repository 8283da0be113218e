"""A crew's first day, end to end on PostgreSQL, as the crew would run it.

Two clients share the database, and each has a room called "Saal 1" (CCC has one every
year). For the first client's show: import the schedule, scan the raw folder, import the
room's marks, associate, trim a talk with the editor's save path, encode it with a real
`veyedesk worker`, and see the talk whose speaker was never asked reach *review 1* with
nobody pushing it; a reviewer approves it; *make public* holds it until its release is
Yes, then the worker publishes it. After every step, nothing of the other client's show
(its talks, rooms, raw files, marks) has changed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.ingest.rawday import make_room_day
from veyedesk.config import load_settings
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.resources import resource_path
from veyedesk.model import Episode, Log, Mark, RawFile
from veyedesk.model.kinds import LogKind
from veyedesk.services import pipeline
from veyedesk.services.editing import open_for_edit, save_episode
from veyedesk.services.identity import Identity

VEYEDESK = shutil.which("veyedesk", path=str(Path(sys.executable).parent)) or "veyedesk"
PUBLISH = resource_path("commands/publish_folder.py")
OURS = ["--client", "vk", "--show", "vk26"]
THEIRS = ["--client", "ccc", "--show", "ccc26"]
EDITOR = Identity("ed@laptop", "editor")
REVIEWER = Identity("rita", "reviewer")
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
SCHEDULE = (
    "name,room,start,duration,authors,emails,description,conf_key\n"
    "{title},Saal 1,2026-02-01 10:00:01,2,Ann,ann@example.org,,{key}\n"
)


class Crew:
    """`veyedesk …` as a crew member runs it: one config file, one shared database."""

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

    def run(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [VEYEDESK, *args], capture_output=True, text=True, timeout=timeout, env=self.env()
        )
        assert done.returncode == 0, f"veyedesk {' '.join(args)}: {done.stderr}"
        return done.stdout

    def work(self) -> str:
        """A real worker until the queue is empty; its event lines."""
        done = subprocess.run(
            [VEYEDESK, "worker", "--once", "--poll-seconds", "0.2"],
            capture_output=True, text=True, timeout=600, env=self.env(), check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stderr

    def talks(self, show: list[str]) -> list[dict[str, object]]:
        return list(json.loads(self.run("episodes", *show, "--json")))

    def their_show(self) -> dict[str, object]:
        """Everything a crew can see of the other client's show, from the command line."""
        return {
            "talks": self.talks(THEIRS),
            "rooms": self.run("room", "list", *THEIRS),
            "room": self.run("room", "show", *THEIRS, "saal_1"),
            "report": self.run("report", *THEIRS, "--json"),
        }


@pytest.mark.postgres
def test_a_crew_day_from_two_saal_1_schedules_to_a_public_talk(pg_url: str, tmp_path: Path) -> None:
    crew = Crew(pg_url, tmp_path)
    cache = tmp_path / "clips"
    for show, client in ((OURS, "vk"), (THEIRS, "ccc")):
        crew.run("client", "add", "--client", client)
        crew.run("show", "add", *show)
        crew.run("room", "add", *show, "saal_1", "--name", "Saal 1")
    # Their day first: a schedule and recordings of their own Saal 1.
    theirs_raw = tmp_path / "raw-ccc"
    make_room_day(theirs_raw, cache, room="saal_1")
    their_schedule = tmp_path / "ccc.csv"
    their_schedule.write_text(SCHEDULE.format(title="Their talk", key="t1"), encoding="utf-8")
    assert "1 added" in crew.run("import-schedule", *THEIRS, str(their_schedule))
    assert "5 added" in crew.run("scan", *THEIRS, str(theirs_raw))
    crew.run("assoc", *THEIRS)
    before = crew.their_show()

    def theirs_unchanged(step: str) -> None:
        assert crew.their_show() == before, f"{step} changed the other client's show"

    # Ours: the same room name, our own recordings.
    ours_raw = tmp_path / "raw-vk"
    make_room_day(ours_raw, cache, room="saal_1")
    schedule = tmp_path / "vk.csv"
    schedule.write_text(SCHEDULE.format(title="Never asked", key="n1"), encoding="utf-8")
    assert "1 added" in crew.run("import-schedule", *OURS, str(schedule))
    theirs_unchanged("importing our schedule")
    assert "5 added" in crew.run("scan", *OURS, str(ours_raw))
    theirs_unchanged("scanning our raw folder")
    marks = tmp_path / "marks.txt"
    marks.write_text("2026-02-01 10:00:02\n2026-02-01 10:00:03\n", encoding="utf-8")
    crew.run("marks", "import", *OURS, "--room", "saal_1", str(marks))
    theirs_unchanged("importing our marks")
    assert "cuts added to 1 of 1 episodes" in crew.run("assoc", *OURS)
    theirs_unchanged("associating our talks")
    crew.run("room", "set", *OURS, "saal_1", "name=Saal 1 (Hall A)")
    theirs_unchanged("renaming our Saal 1")
    crew.run("pipeline", "set", *OURS, "review 2", "pass")  # this crew skips speakers' review
    www = tmp_path / "www"
    crew.run(
        "pipeline", "set", *OURS, "make public", "command",
        f"{PUBLISH} --base-url https://videos.example.org/vk26/ -- {{output}} {www}",
    )  # fmt: skip
    theirs_unchanged("setting our pipeline")

    # Trim with the editor's save path, and move it on to encode.
    (talk,) = crew.talks(OURS)
    talk_id = int(str(talk["id"]))
    settings = load_settings(flags={"db": pg_url}, env={}, path=crew.config)
    engine = make_engine(pg_url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        opened = open_for_edit(session, talk_id, EDITOR, settings)
        draft = opened.draft.copy()
        draft.cuts[0].start, draft.cuts[0].end = 1.0, 3.0
        draft.fields["state"] = "encode"
        saved = save_episode(session, draft, opened.draft, EDITOR, settings, release=True)
        assert saved.job == "queued encode tiny"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Mark)) == 2
    theirs_unchanged("trimming our talk")

    # A worker encodes it; nobody touches it, and it waits in review 1 for its reviewer.
    events = crew.work()
    assert events.count("event=done") == 1, events
    assert [t["state"] for t in crew.talks(OURS)] == ["review 1"]
    theirs_unchanged("encoding our talk")

    # The reviewer watches it and approves: it stops before make public, the first public
    # state, because its speaker was never asked.
    with sessions() as session, session.begin():
        episode = session.get(Episode, talk_id)
        assert episode is not None
        (waiting,) = pipeline.review_items(session, episode.show_id)
        assert waiting.episode_id == talk_id
        pipeline.mark_opened(session, talk_id, REVIEWER)
    with sessions() as session, session.begin():
        pipeline.approve(session, talk_id, REVIEWER, "tiny")
    assert crew.work().count("event=done") == 0  # nothing public may run yet
    with sessions() as session:
        held = session.scalars(
            select(Log.result).where(Log.episode_id == talk_id, Log.kind == LogKind.RELEASE)
        ).all()
        assert held and held[-1].endswith("before make public"), held
        assert session.get(Episode, talk_id).public_url in (None, "")  # type: ignore[union-attr]
    assert not www.exists() or not list(www.iterdir())
    theirs_unchanged("reviewing our talk")

    # The speaker says yes: it carries on by itself and the worker publishes it.
    crew.run("pipeline", "release", str(talk_id), "yes")
    events = crew.work()
    assert "event=done" in events and "make public" in events, events
    assert [t["state"] for t in crew.talks(OURS)] == ["done"]
    assert [p.name for p in www.glob("*.mp4")] == ["Never_asked.mp4"]
    with sessions() as session:
        published = session.get(Episode, talk_id)
        assert published is not None
        assert published.public_url == "https://videos.example.org/vk26/Never_asked.mp4"
        # Each show kept its own raw files of its own Saal 1.
        assert session.scalar(select(func.count()).select_from(RawFile)) == 10
    theirs_unchanged("publishing our talk")
    engine.dispose()
