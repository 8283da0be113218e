"""A generated room-day of raw files: DV and TS segments with a gap, a corrupt and an empty file."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from tests.support.media import make_clip

DAY = "2026-02-01"
# (file name, kind, seconds); None kind = special bad file
SEGMENTS: tuple[tuple[str, str, float], ...] = (
    ("10_00_00.dv", "dv", 4.0),
    ("10_00_04.ts", "ts", 4.0),  # straight after the first: a talk spanning both
    ("10_00_20.dv", "dv", 4.0),  # after a 12 s gap
)
CORRUPT = "10_00_30.dv"
EMPTY = "10_00_40.dv"


def start_of(name: str) -> datetime:
    h, m, s = (int(x) for x in name.split(".")[0].split("_"))
    return datetime(2026, 2, 1, h, m, s)


def make_room_day(root: Path, cache: Path, room: str = "room_a") -> Path:
    """Write the room-day under `root/dv/<room>/<DAY>/`, reusing clips from `cache`."""
    day = root / "dv" / room / DAY
    day.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    for name, kind, seconds in SEGMENTS:
        clip = cache / f"{kind}_{seconds:g}.{kind}"
        if not clip.exists():
            make_clip(clip, kind, seconds, stamp=False)
        shutil.copyfile(clip, day / name)
    (day / CORRUPT).write_bytes(bytes(range(256)) * 40)  # not any media format
    (day / EMPTY).write_bytes(b"")
    return day
