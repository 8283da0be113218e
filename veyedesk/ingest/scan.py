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

A name that cannot be stored or used safely (bytes that are not UTF-8, a newline or another
control character, more characters than the column holds) still gets a row, under a
stable storable form of its name, with the problem recorded: the scan goes on, association
skips the file, and the user sees what to rename.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from veyedesk.ingest.limits import column_limits
from veyedesk.ingest.records import in_range, out_of_range
from veyedesk.model import RawFile

# A recorder segment longer than this means broken timestamps, not a long recording (an
# MPEG-TS whose clock jumps reports ~26.5 h, the 33-bit PTS wrap); such a file would
# overlap every talk of its room in association.
MAX_RAW_SECONDS = 24 * 3600.0
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

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
    name_problem: str = ""  # why the name cannot be used as is ("" when it can)


def storable_name(rel: str) -> tuple[str, str]:
    """(the name as stored, the problem with the real name or "") for a relative path.

    The stored form is stable, so a re-scan finds the same row: bytes that are not UTF-8
    (which `os.walk` hands over as surrogates) are written as `\\xNN`, and a name too long
    for the column is cut and suffixed with a hash of the whole.
    """
    problem = ""
    name = rel
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as exc:
        name = storable_text(rel)
        bad = rel[exc.start].encode("utf-8", "surrogateescape")
        problem = f"the file name is not UTF-8 (byte 0x{bad[0]:02x}); rename the file"
    if not problem and _CONTROL.search(name):
        control = _CONTROL.search(name)
        assert control is not None
        problem = f"the file name holds a control character ({control[0]!r}); rename the file"
    limit = column_limits(RawFile)["filename"]
    if len(name) > limit:
        digest = hashlib.sha1(name.encode("utf-8", "backslashreplace")).hexdigest()[:12]
        problem = problem or (
            f"the path is {len(name)} characters, longer than {limit}; use shorter folder "
            "or file names"
        )
        name = name[: limit - len(digest) - 1] + "~" + digest
    return name, problem


def storable_text(text: str) -> str:
    """`text` with any undecodable bytes of a path (surrogates) written as `\\xNN`."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def start_problem(start: datetime, how: str) -> str:
    """Why a raw file's start cannot be right ("" when it can): outside 1970..2199."""
    return "" if in_range(start) else f"{out_of_range('start', start)} (from the {how})"


def duration_problem(seconds: float) -> str:
    """Why a probed duration cannot be a recorder segment's ("" when it can)."""
    if 0 <= seconds <= MAX_RAW_SECONDS:
        return ""
    return (
        f"ffprobe says the file lasts {seconds:.6g} s, over {MAX_RAW_SECONDS / 3600:.0f} h: "
        "its timestamps are broken; remux it (ffmpeg -i IN -c copy OUT) and scan again"
    )


def shown_name(name: str) -> str:
    """A stored name for one line of output: control characters escaped."""
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), name)


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
            name, problem = storable_name(rel)
            yield FoundFile(
                room_folder=room_folder,
                filename=name,
                path=path,
                size=st.st_size,
                mtime=st.st_mtime,
                path_start=start_from_path(name),
                name_problem=problem,
            )


def room_folders(root: Path) -> list[str]:
    """Names of the folders under the rooms dir (each should be a room of the show)."""
    base = rooms_dir(root)
    try:
        return sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
