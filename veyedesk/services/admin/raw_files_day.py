"""A room's raw files of one day as a list (the seed's *raw files day*): problems, users, trash.

Problems are found here once and shared: the room-day view lists them per file and
`veyedesk report` lists the overlaps of the whole show. Overlapping raw files usually mean
two recorders in one room (or a clock set wrong); gaps between files mean lost footage or
a recorder switch that took longer than usual.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from veyedesk.model import Cut, Episode, Location, Log, RawFile
from veyedesk.model.kinds import LogKind
from veyedesk.model.text import plain_text
from veyedesk.model.timecode import format_duration
from veyedesk.services.episodes import day_bounds
from veyedesk.services.errors import InvalidInput, NotFound
from veyedesk.services.identity import Identity

# Gaps shorter than this are the recorder switching files, not lost footage (as the report).
MIN_GAP = 2.0
# Overlaps shorter than this are rounding of starts taken from file names (whole seconds).
MIN_OVERLAP = 1.0
COMMENT_LIMIT = 2000

audit = logging.getLogger("veyedesk.audit")


@dataclass(frozen=True)
class Span:
    """A raw file's place in wall-clock time (plain data for the pure checks below)."""

    raw_file_id: int
    filename: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Overlap:
    """Two raw files of one room recording the same moment."""

    first: Span
    second: Span

    @property
    def seconds(self) -> float:
        return (min(self.first.end, self.second.end) - self.second.start).total_seconds()


def overlaps(spans: Iterable[Span]) -> list[Overlap]:
    """Pairs of spans (one room) that overlap by at least MIN_OVERLAP, in start order."""
    ordered = sorted(spans, key=lambda s: (s.start, s.raw_file_id))
    found: list[Overlap] = []
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if second.start >= first.end:
                break
            pair = Overlap(first, second)
            if pair.seconds >= MIN_OVERLAP:
                found.append(pair)
    return found


def gaps(spans: Iterable[Span]) -> list[tuple[Span, Span, float]]:
    """(before, after, seconds) for each hole of at least MIN_GAP between consecutive spans."""
    ordered = sorted(spans, key=lambda s: (s.start, s.raw_file_id))
    out: list[tuple[Span, Span, float]] = []
    reach: Span | None = None
    for span in ordered:
        if reach is not None:
            hole = (span.start - reach.end).total_seconds()
            if hole >= MIN_GAP:
                out.append((reach, span, hole))
        if reach is None or span.end > reach.end:
            reach = span
    return out


@dataclass(frozen=True)
class RoomDayRef:
    """One room on one day that has raw files (the view's picker)."""

    location_id: int
    room: str
    day: date
    files: int
    slug: str = ""

    @property
    def label(self) -> str:
        return f"{self.room} — {self.day:%a %Y-%m-%d} ({self.files} files)"


@dataclass
class RawFileRow:
    """One raw file as the room-day list shows it."""

    raw_file_id: int
    filename: str
    start: datetime | None
    end: datetime | None
    duration: float | None
    filesize: int
    trash: bool
    comment: str
    missing: bool
    probe_error: str
    problems: list[str] = field(default_factory=list)  # the file cannot be trusted as is
    notes: list[str] = field(default_factory=list)  # worth a look: gaps between talks
    talks: list[str] = field(default_factory=list)  # "id name" of talks whose cuts use it
    talk_ids: list[int] = field(default_factory=list)  # the same talks' ids, in that order

    @classmethod
    def of(cls, raw: RawFile, **found: list[Any]) -> RawFileRow:
        """The row of `raw`, with what was found about it (problems, notes, talks)."""
        return cls(
            raw_file_id=raw.id,
            filename=raw.filename,
            start=raw.start,
            end=raw.end,
            duration=raw.duration,
            filesize=raw.filesize,
            trash=raw.trash,
            comment=raw.comment,
            missing=raw.missing,
            probe_error=raw.probe_error,
            **found,
        )


@dataclass
class RoomDay:
    """A room-day's files with their problems; overlaps and gaps listed once more whole."""

    show_id: int
    location_id: int
    room: str
    day: date
    rows: list[RawFileRow] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    gaps: list[tuple[Span, Span, float]] = field(default_factory=list)

    def summary(self) -> str:
        total = sum(r.duration or 0.0 for r in self.rows if not r.trash)
        parts = [f"{len(self.rows)} files, {format_duration(total)} recorded"]
        if self.overlaps:
            parts.append(f"{len(self.overlaps)} overlapping pair(s): two recorders or a clock?")
        if self.gaps:
            parts.append(f"{len(self.gaps)} gap(s)")
        bad = sum(1 for r in self.rows if r.missing or r.probe_error)
        if bad:
            parts.append(f"{bad} missing or unreadable")
        return "; ".join(parts)


def _short(name: str, limit: int = 30) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _without_path(error: str, filename: str) -> str:
    # Probe errors start with the file's full path; the row already names the file.
    at = error.find(f"{filename}: ")
    return error[at + len(filename) + 2 :] if at >= 0 else error


def room_days(session: Session, show_id: int) -> list[RoomDayRef]:
    """Every room and day of the show that has raw files, rooms in sequence then by day."""
    rows = session.execute(
        select(Location.id, Location.name, Location.slug, Location.sequence, RawFile.start)
        .join(RawFile, RawFile.location_id == Location.id)
        .where(RawFile.show_id == show_id, RawFile.start.is_not(None))
    )
    counts: dict[tuple[int, str, str, int, date], int] = defaultdict(int)
    for location_id, name, slug, sequence, start in rows:
        assert start is not None  # filtered in SQL
        counts[(location_id, name, slug, sequence, start.date())] += 1
    ordered = sorted(counts.items(), key=lambda kv: (kv[0][3], kv[0][1], kv[0][4]))
    return [RoomDayRef(lid, name, day, n, slug) for (lid, name, slug, _seq, day), n in ordered]


def span_of(raw: RawFile) -> Span | None:
    """The file's span, or None when it cannot be placed (no start or duration)."""
    if raw.start is None or raw.end is None:
        return None
    return Span(raw.id, raw.filename, raw.start, raw.end)


def _usable(raw: RawFile) -> bool:
    return not (raw.trash or raw.missing or raw.probe_error)


def room_day(session: Session, show_id: int, location_id: int, day: date) -> RoomDay:
    """The room-day's raw files (trashed too) with their problems and the talks using them."""
    room = session.get(Location, location_id)
    if room is None or room.show_id != show_id:
        raise NotFound(f"no room with id {location_id} in this show; it was deleted meanwhile?")
    lo, hi = day_bounds(day)
    raws = list(
        session.scalars(
            select(RawFile)
            .where(
                RawFile.show_id == show_id,
                RawFile.location_id == location_id,
                RawFile.start >= lo,
                RawFile.start < hi,
            )
            .order_by(RawFile.start, RawFile.filename)
        )
    )
    users: dict[int, list[str]] = defaultdict(list)
    user_ids: dict[int, list[int]] = defaultdict(list)
    if raws:
        # PostgreSQL wants DISTINCT's ORDER BY columns selected: start comes along.
        for raw_id, episode_id, name, _start in session.execute(
            select(Cut.raw_file_id, Episode.id, Episode.name, Episode.start)
            .join(Episode, Cut.episode_id == Episode.id)
            .where(Cut.raw_file_id.in_([r.id for r in raws]))
            .distinct()
            .order_by(Episode.start, Episode.id)
        ):
            users[raw_id].append(f"{episode_id} {plain_text(name)}")
            user_ids[raw_id].append(episode_id)
    result = RoomDay(show_id, location_id, room.name, day)
    spans = [s for s in (span_of(r) for r in raws if _usable(r)) if s is not None]
    result.overlaps = overlaps(spans)
    result.gaps = gaps(spans)
    talks = list(
        session.execute(
            select(Episode.id, Episode.name, Episode.start, Episode.end).where(
                Episode.show_id == show_id,
                Episode.location_id == location_id,
                Episode.start < hi,
                Episode.end > lo,
            )
        )
    )
    problems: dict[int, list[str]] = defaultdict(list)
    notes: dict[int, list[str]] = defaultdict(list)
    for pair in result.overlaps:
        length = format_duration(pair.seconds)
        problems[pair.first.raw_file_id].append(f"overlaps {pair.second.filename} by {length}")
        problems[pair.second.raw_file_id].append(f"overlaps {pair.first.filename} by {length}")
    for before, after, hole in result.gaps:
        # A hole during a talk is lost footage; between talks it is a break.
        during = [
            f"{tid} {_short(plain_text(name))}"
            for tid, name, start, end in talks
            if start is not None and end is not None and start < after.start and end > before.end
        ]
        where = problems if during else notes
        talk = f" during {', '.join(during)}" if during else ""
        where[before.raw_file_id].append(f"gap of {format_duration(hole)} after it{talk}")
        where[after.raw_file_id].append(f"gap of {format_duration(hole)} before it{talk}")
    for raw in raws:
        own: list[str] = []
        if raw.missing:
            own.append("missing on disk")
        if raw.probe_error:
            own.append(f"unreadable: {_without_path(raw.probe_error, raw.filename)}")
        if raw.duration is None and not raw.probe_error:
            own.append("no duration")
        result.rows.append(
            RawFileRow.of(
                raw,
                problems=own + problems.get(raw.id, []),
                notes=notes.get(raw.id, []),
                talks=users.get(raw.id, []),
                talk_ids=user_ids.get(raw.id, []),
            )
        )
    return result


def show_raw_overlaps(session: Session, show_id: int) -> list[tuple[str, Overlap]]:
    """(room slug, overlap) for every room of the show, usable files only, in time order."""
    by_room: dict[str, list[Span]] = defaultdict(list)
    for raw in session.scalars(
        select(RawFile)
        .where(RawFile.show_id == show_id)
        .options(selectinload(RawFile.location))
        .order_by(RawFile.start)
    ):
        span = span_of(raw)
        if span is not None and _usable(raw):
            by_room[raw.location.slug].append(span)
    found = [(room, pair) for room, spans in by_room.items() for pair in overlaps(spans)]
    return sorted(found, key=lambda rp: (rp[1].first.start, rp[0]))


def _affected_talks(session: Session, raw: RawFile) -> list[int]:
    """Talks whose cuts use the file or whose slot in its room overlaps it: their Log says so."""
    ids = set(session.scalars(select(Cut.episode_id).where(Cut.raw_file_id == raw.id)))
    if raw.start is not None and raw.end is not None:
        ids |= set(
            session.scalars(
                select(Episode.id).where(
                    Episode.location_id == raw.location_id,
                    Episode.start < raw.end,
                    func.coalesce(Episode.end, Episode.start) > raw.start,
                )
            )
        )
    return sorted(ids)


def set_raw_file(
    session: Session,
    raw_file_id: int,
    who: Identity,
    *,
    trash: bool | None = None,
    comment: str | None = None,
) -> RawFileRow:
    """Set a raw file's trash flag and/or comment (editors and admins), logged on its talks.

    The change goes to the Log of every talk that uses the file or is scheduled over it
    (that is where a crew looks when footage disappears from a talk) and to the audit log.
    """
    who.require("edit")
    raw = session.get(RawFile, raw_file_id)
    if raw is None:
        raise NotFound(f"no raw file with id {raw_file_id}; rescan the show and look again")
    changes: list[str] = []
    if comment is not None:
        text = plain_text(comment, multiline=True).strip()
        if len(text) > COMMENT_LIMIT:
            raise InvalidInput(
                f"comment on {raw.filename}: {len(text)} characters, at most {COMMENT_LIMIT}; "
                "shorten it"
            )
        if text != raw.comment:
            raw.comment = text
            changes.append(f"comment set to {text!r}" if text else "comment cleared")
    if trash is not None and trash != raw.trash:
        raw.trash = trash
        changes.append("trashed" if trash else "taken out of the trash")
    if changes:
        message = f"raw file {raw.filename}: {'; '.join(changes)}"
        now = datetime.now()
        for episode_id in _affected_talks(session, raw):
            session.add(
                Log(
                    episode_id=episode_id,
                    user=who.name,
                    start=now,
                    end=now,
                    result=message,
                    kind=LogKind.NOTE,
                )
            )
        audit.info("%s by %s", message, who.name)
        session.flush()
    return RawFileRow.of(raw)
