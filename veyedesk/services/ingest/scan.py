"""Scan a show's raw folder into RawFile rows: new files, grown files, vanished files.

ffprobe runs in a thread pool sized to the CPUs (each probe is a subprocess, so threads
give real parallelism); only the calling thread touches the session. A re-scan probes only
files whose size or mtime changed, so scanning an unchanged day is a no-op. Corrupt or
empty files are recorded with their error (and skipped by association); the scan goes on.
Rows are never deleted: a file that left the disk is flagged `missing`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.ingest.records import to_wall_clock
from veyedesk.ingest.scan import (
    FoundFile,
    duration_problem,
    room_folders,
    rooms_dir,
    shown_name,
    start_problem,
    storable_text,
    walk_room,
)

# streams_summary is the one writer of RawFile.streams (every path that probes imports it).
from veyedesk.media.probe import MediaError, MediaInfo, probe, streams_summary
from veyedesk.model import Episode, Location, RawFile, Show, VenueOrigin
from veyedesk.services.errors import InvalidInput

Progress = Callable[[int, int, str], None]
Prober = Callable[[Path], MediaInfo]


def show_raw_root(show: Show, settings_raw_root: str, root: str | None = None) -> Path:
    """Where a show's recordings are: the given ROOT, else Show.raw_root, else the default.

    The default is `<settings raw_root>/<client>/<show>` (Veyepar's layout).
    """
    if root:
        return Path(root).expanduser()
    if show.raw_root:
        return Path(show.raw_root).expanduser()
    if not settings_raw_root:
        raise InvalidInput(
            f"show {show.slug!r} has no raw folder: give ROOT, set the show's raw_root, "
            "or set raw_root in the settings"
        )
    return show.raw_dir(settings_raw_root)


def scan_folders(session: Session, show: Show) -> frozenset[str] | None:
    """The room folders a scan of this database may touch; None = every room of the show.

    A venue copy (it has a VenueOrigin row) holds only its scope's raw files: the room it
    was checked out for, or the rooms of the talks it carries (an assets kit). Its scan
    and its folder watch stay in those rooms, so it never adds rows for files another
    machine owns (which its next sync would push as new).
    """
    origin = session.scalars(select(VenueOrigin)).first()
    if origin is None:
        return None
    if origin.room:
        rooms = [loc for loc in show.locations if loc.slug == origin.room]
    elif origin.episode_uuids is not None:
        ids = set(
            session.scalars(
                select(Episode.location_id).where(Episode.uuid.in_(origin.episode_uuids))
            )
        )
        rooms = [loc for loc in show.locations if loc.id in ids]
    else:
        return None
    return frozenset(loc.folder for loc in rooms)


@dataclass
class ScanResult:
    """What a scan found and changed."""

    root: Path
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    unknown_folders: list[str] = field(default_factory=list)
    probed: int = 0
    without_dv: bool = False  # rooms found directly under ROOT, not under ROOT/dv
    likely_root: Path | None = None  # a <client>/<show>/dv found below ROOT instead

    @property
    def is_noop(self) -> bool:
        return not (self.added or self.updated or self.missing)

    def lines(self) -> list[str]:
        out = [f"+ {shown_name(name)}" for name in self.added]
        out += [f"~ {shown_name(name)}" for name in self.updated]
        out += [f"- {shown_name(name)} (missing on disk; row kept)" for name in self.missing]
        out += [f"! {shown_name(name)}: {shown_name(error)}" for name, error in self.errors]
        out += [
            f"? folder {name!r} is not a room of this show; add the room or set its dirname"
            for name in self.unknown_folders
        ]
        if self.likely_root is not None:
            out.append(
                f"note: {self.root} has no dv/ folder, but {self.likely_root}/dv has: the "
                f"recordings are probably there; scan {self.likely_root} (or set the show's "
                "raw_root to it)"
            )
        elif self.without_dv:
            out.append(
                f"note: rooms are directly under {self.root}, not under {self.root}/dv; the "
                "editor and playlists look in <raw folder>/dv/<room>/, so move them there"
            )
        out.append(
            f"{self.root}: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.missing)} missing, {len(self.errors)} unreadable, "
            f"{self.unchanged} unchanged ({self.probed} probed)"
        )
        return out


def _likely_show_root(root: Path, show: Show) -> Path | None:
    """`root/<client>/<show>` (this show's, else the first of any) when it holds a dv/ folder.

    A crew often gives the raw root of all shows instead of the show's own folder; the
    rooms then look like unknown folders named after clients.
    """
    own = root / show.client.slug / show.slug
    if (own / "dv").is_dir():
        return own
    try:
        found = sorted(p.parent for p in root.glob("*/*/dv") if p.is_dir())
    except OSError:
        return None
    return found[0] if found else None


def probe_all(
    files: list[FoundFile],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    prober: Prober = probe,
) -> dict[Path, MediaInfo | MediaError]:
    """ffprobe every file in a pool of `workers` threads (default: one per CPU)."""
    results: dict[Path, MediaInfo | MediaError] = {}
    if not files:
        return results
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        futures = {pool.submit(prober, f.path): f for f in files}
        for done, future in enumerate(as_completed(futures), 1):
            found = futures[future]
            try:
                results[found.path] = future.result()
            except MediaError as exc:
                results[found.path] = exc
            if progress is not None:
                progress(done, len(files), found.filename)
    return results


def _start(
    found: FoundFile, info: MediaInfo | None, room: Location, zone: str
) -> tuple[datetime | None, str, str]:
    """(start, how it was found, the problem with it or "")."""
    try:
        if found.path_start is not None:
            start, source = found.path_start, "path"
        elif info is not None and info.creation_time is not None:
            start, source = to_wall_clock(info.creation_time, zone), "creation_time"
        elif info is not None and info.duration is not None:
            # A recorder closes the file when it stops: mtime is the end of the recording.
            start, source = (
                datetime.fromtimestamp(found.mtime) - timedelta(seconds=info.duration),
                "mtime",
            )
        else:
            return None, "", ""
        start += timedelta(hours=room.hours_offset)
    except (OverflowError, ValueError, OSError):
        # A date at the edge of the calendar (year 1 or 9999, an mtime far in the future).
        return None, "", "its start time is out of any calendar's range; rename the file"
    problem = start_problem(start, source)
    return (None, source, problem) if problem else (start, source, "")


def _apply(
    raw: RawFile, found: FoundFile, outcome: MediaInfo | MediaError, room: Location, zone: str
) -> None:
    """Write what the scan learnt; any problem goes to probe_error, which keeps the file
    out of association, with its start or duration left blank when they are the problem
    (so no `start + duration` can overflow)."""
    raw.filesize, raw.mtime = found.size, found.mtime
    raw.missing = False
    problems = [found.name_problem] if found.name_problem else []
    info: MediaInfo | None = None
    if isinstance(outcome, MediaError):
        problems.append(str(outcome))
        raw.duration, raw.fps, raw.streams = None, None, ""
    else:
        info = outcome
        raw.fps = outcome.video.fps if outcome.video else None
        raw.streams = streams_summary(outcome)
        raw.duration = outcome.duration
        too_long = duration_problem(outcome.duration) if outcome.duration is not None else ""
        if too_long:
            problems.append(too_long)
            raw.duration = None
            info = replace(outcome, duration=None)
    raw.start, raw.start_source, start_error = _start(found, info, room, zone)
    if start_error:
        problems.append(start_error)
    # Messages name the path, which may hold bytes that are not UTF-8.
    raw.probe_error = storable_text("; ".join(problems))


def scan_show(
    session: Session,
    show: Show,
    root: Path,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    prober: Prober = probe,
    folders: Collection[str] | None = None,
) -> ScanResult:
    """Bring the show's RawFile rows in line with the files under `root`.

    `folders` (room folder names; see `scan_folders`) limits the scan to those rooms:
    the other rooms' folders are neither walked nor reported, and their rows are left
    as they are (never flagged missing).
    """
    if not root.is_dir():
        raise InvalidInput(f"{root}: no such folder; give the show's raw folder as ROOT")
    result = ScanResult(root=root, without_dv=rooms_dir(root) == root)
    if result.without_dv:
        result.likely_root = _likely_show_root(root, show)
    rooms = {loc.folder: loc for loc in show.locations}
    if folders is not None:
        rooms = {name: loc for name, loc in rooms.items() if name in folders}
    found: list[tuple[Location, FoundFile]] = []
    for folder in room_folders(root):
        room = rooms.get(folder)
        if room is None:
            if folders is None or not any(loc.folder == folder for loc in show.locations):
                result.unknown_folders.append(folder)
            continue
        found += [(room, f) for f in walk_room(rooms_dir(root) / folder, folder)]
    in_scope = {loc.id for loc in rooms.values()}
    existing = {
        (raw.location_id, raw.filename): raw
        for raw in session.scalars(select(RawFile).where(RawFile.show_id == show.id))
        if raw.location_id in in_scope
    }
    seen: set[tuple[int, str]] = set()
    to_probe: list[tuple[Location, FoundFile, RawFile | None]] = []
    for room, f in found:
        key = (room.id, f.filename)
        seen.add(key)
        raw = existing.get(key)
        if raw is not None and raw.filesize == f.size and raw.mtime == f.mtime:
            if raw.missing:
                raw.missing = False
                result.updated.append(f"{room.slug}/{f.filename}")
            else:
                result.unchanged += 1
            if raw.probe_error:
                result.errors.append((f"{room.slug}/{f.filename}", raw.probe_error))
            continue
        to_probe.append((room, f, raw))
    outcomes = probe_all(
        [f for _, f, _ in to_probe], workers=workers, progress=progress, prober=prober
    )
    result.probed = len(outcomes)
    for room, f, raw in to_probe:
        name = f"{room.slug}/{f.filename}"
        if raw is None:
            raw = RawFile(show=show, location=room, filename=f.filename)
            session.add(raw)
            result.added.append(name)
        else:
            result.updated.append(name)
        _apply(raw, f, outcomes[f.path], room, show.timezone)
        if raw.probe_error:
            result.errors.append((name, raw.probe_error))
    for key, raw in existing.items():
        if key not in seen and not raw.missing:
            raw.missing = True
            result.missing.append(f"{raw.location.slug}/{raw.filename}")
    session.flush()
    return result
