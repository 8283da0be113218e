"""A room-day on disk and in the database: generated DV files laid out as a recorder writes them.

`<raw root>/<client>/<show>/dv/<room>/<date>/<HH_MM_SS>.dv`, with RawFile rows whose start
and duration match the files, and one episode whose talk spans them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from tests.support.media import make_clip
from veyedesk.model import Cut, Episode, RawFile
from veyedesk.services import catalog
from veyedesk.services.episodes import add_episode

DAY_START = datetime(2026, 2, 1, 9, 0, 0)


@dataclass
class RawDay:
    root: Path
    episode_id: int
    raw_file_ids: list[int]
    paths: list[Path]
    starts: list[datetime]
    seconds: float


def make_clips(folder: Path, count: int = 3, seconds: float = 4.0, kind: str = "dv") -> list[Path]:
    """`count` stamped clips, each a different tone so a person can hear the boundary."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        make_clip(folder / f"part{n}.{kind}", kind, seconds, left_hz=440 + 110 * n)
        for n in range(count)
    ]


def make_raw_day(
    session: Session,
    root: Path,
    clips: list[Path],
    *,
    seconds: float = 4.0,
    gap: float = 2.0,
    with_cut: bool = False,
) -> RawDay:
    """Copy `clips` into a room folder under `root` and register them and one episode."""
    client = catalog.add_client(session, "pyconf", "PyConf")
    show = catalog.add_show(session, client.slug, "pyconf_2026", "PyConf 2026")
    room = catalog.add_room(session, show, "room_a", "Room A")
    starts, paths, raws = [], [], []
    at = DAY_START
    for clip in clips:
        name = f"{at:%Y-%m-%d}/{at:%H_%M_%S}{clip.suffix}"
        target = root / client.slug / show.slug / "dv" / room.slug / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(clip, target)
        raw = RawFile(
            show=show,
            location=room,
            filename=name,
            start=at,
            duration=seconds,
            filesize=target.stat().st_size,
            start_source="path",
            fps=25.0,
        )
        session.add(raw)
        starts.append(at)
        paths.append(target)
        raws.append(raw)
        at += timedelta(seconds=seconds + gap)
    episode: Episode = add_episode(
        session,
        show,
        "Frames: “exact” & <fast>",
        room=room,
        start=DAY_START + timedelta(seconds=1),
        duration=len(clips) * seconds,
        utc_offset_min=60,
    )
    session.flush()
    if with_cut:
        session.add(Cut(episode=episode, raw_file=raws[0], sequence=1, start=1.0, end=None))
    session.commit()
    return RawDay(root, episode.id, [r.id for r in raws], paths, starts, seconds)
