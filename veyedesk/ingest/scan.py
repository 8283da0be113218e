"""Finding raw recordings on disk and reading their start time from the path.

Layouts understood (the room folder is `Location.dirname` or its slug):
- Veyepar: `<show root>/dv/<room>/<YYYY-MM-DD>/<HH_MM_SS>.dv` (also `HH-MM-SS`, `HH:MM:SS`,
  with anything after the time, e.g. `10_00_00-2.dv`);
- the same without the `dv/` level: `<show root>/<room>/<YYYY-MM-DD>/...`;
- voctomix-style names carrying a full timestamp anywhere in the file name, e.g.
  `saal1-2026-02-01_10-00-00.ts` or `segment-20260201-100000.mkv`.

The start found here is the recorder's wall clock; the service adds the room's
`hours_offset` and falls back to the container's creation_time or the file's mtime when the
path says nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

RAW_EXTENSIONS = frozenset({".dv", ".ts", ".mp4", ".mkv", ".mov", ".m2ts", ".mts"})

_DATE_DIR = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME_NAME = re.compile(r"^(\d{2})[_:.-](\d{2})[_:.-](\d{2})(?!\d)")
_STAMP = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})[T_ .-]?(\d{2})[-_:.h]?(\d{2})[-_:.m]?(\d{2})(?!\d)"
)


@dataclass(frozen=True)
class FoundFile:
    """A media file found under a room folder."""

    room_folder: str
    filename: str  # relative to the room folder, with `/` separators
    path: Path
    size: int
    mtime: float
    path_start: datetime | None


def _make(y: str, mo: str, d: str, h: str, mi: str, s: str) -> datetime | None:
    try:
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s))
    except ValueError:
        return None


def start_from_path(filename: str) -> datetime | None:
    """The recorder's start time written in a file's path relative to its room folder."""
    parts = PurePosixPath(filename).parts
    if len(parts) >= 2:
        day = _DATE_DIR.match(parts[-2])
        clock = _TIME_NAME.match(parts[-1])
        if day and clock:
            found = _make(*day.groups(), *clock.groups())
            if found is not None:
                return found
    stamp = _STAMP.search(parts[-1]) if parts else None
    return _make(*stamp.groups()) if stamp else None


def rooms_dir(root: Path) -> Path:
    """Where the room folders are: `<root>/dv` in Veyepar's layout, else `root` itself."""
    dv = root / "dv"
    return dv if dv.is_dir() else root


def walk_room(room_dir: Path, room_folder: str) -> Iterator[FoundFile]:
    """Every raw media file under one room folder (hidden files and folders skipped)."""
    for folder, dirs, files in os.walk(room_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in RAW_EXTENSIONS:
                continue
            path = Path(folder) / name
            try:
                st = path.stat()
            except OSError:
                continue  # vanished between listing and stat: the next scan sees it
            rel = path.relative_to(room_dir).as_posix()
            yield FoundFile(
                room_folder=room_folder,
                filename=rel,
                path=path,
                size=st.st_size,
                mtime=st.st_mtime,
                path_start=start_from_path(rel),
            )


def room_folders(root: Path) -> list[str]:
    """Names of the folders under the rooms dir (each should be a room of the show)."""
    base = rooms_dir(root)
    try:
        return sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
