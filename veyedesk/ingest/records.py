"""What every schedule importer produces: one EventRecord per talk, and the time convention.

Time convention (the same everywhere in veyedesk): `start` is the **venue wall clock**, a
naive datetime, exactly as the schedule prints it; the schedule's UTC offset is kept apart
in `utc_offset_min` (minutes east of UTC, None when the schedule gave none). Importing
`2026-02-01T11:00:00+01:00` gives start=11:00 and utc_offset_min=60, so the talk shows as
11:00 on every machine, whatever its own zone; `Episode.start_with_offset()` rebuilds the
instant. Durations are float seconds.

Parsers are pure (bytes in, records out) and raise ScheduleError naming the file and the
line or event id; they never touch the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from veyedesk.errors import UserError

# Fields an importer may set on an Episode, and that a re-import compares one by one.
# `room` is the room's display name; the service maps it to a Location.
MERGE_FIELDS: tuple[str, ...] = (
    "name",
    "subtitle",
    "room",
    "start",
    "duration",
    "utc_offset_min",
    "authors",
    "emails",
    "description",
    "language",
    "license",
    "tags",
    "conf_url",
    "host_url",
    "public_url",
    "released",
    "comment",
)


class ScheduleError(UserError, ValueError):
    """A schedule file that cannot be imported; the message names the file and where."""


@dataclass
class EventRecord:
    """One talk as a schedule describes it; None means "the schedule does not say"."""

    conf_key: str
    name: str
    room: str
    start: datetime | None = None
    duration: float | None = None
    utc_offset_min: int | None = None
    subtitle: str | None = None
    authors: str | None = None
    emails: str | None = None
    description: str | None = None
    language: str | None = None
    license: str | None = None
    tags: str | None = None
    conf_url: str | None = None
    host_url: str | None = None
    public_url: str | None = None
    released: bool | None = None
    comment: str | None = None
    # Only used when the episode is created (Veyepar JSON carries workflow state/sequence).
    state: str | None = None
    sequence: int | None = None
    # Everything else the schedule said (guid, type, track, persons, links...), kept as-is.
    meta: dict[str, Any] = field(default_factory=dict)
    # Where it came from, for messages: "line 42" or "event 1234".
    where: str = ""

    def values(self) -> dict[str, Any]:
        """The merge fields this record sets (those the schedule gave)."""
        return {f: getattr(self, f) for f in MERGE_FIELDS if getattr(self, f) is not None}


@dataclass
class Schedule:
    """A parsed schedule file."""

    source: str
    format: str
    title: str = ""
    events: list[EventRecord] = field(default_factory=list)


_DURATION = re.compile(r"^\s*(?:(\d+):)?(\d{1,3}):(\d{2})(?::(\d{2}))?\s*$")


def parse_duration(text: str, where: str) -> float:
    """Seconds from frab's `HH:MM`, `H:MM:SS`, `D:HH:MM:SS`, or plain seconds."""
    raw = text.strip()
    if re.fullmatch(r"\d{1,9}(\.\d+)?", raw):
        return float(raw)
    match = _DURATION.match(raw)
    if not match:
        raise ScheduleError(f"{where}: duration {text!r} is not HH:MM, HH:MM:SS or seconds")
    a, b, c, d = match.groups()
    if d is not None:  # D:HH:MM:SS (frab writes days for multi-day slots)
        seconds = int(a or 0) * 86400 + int(b) * 3600 + int(c) * 60 + int(d)
    elif a is not None:  # H:MM:SS
        seconds = int(a) * 3600 + int(b) * 60 + int(c)
    else:  # HH:MM (frab) - minutes precision
        seconds = int(b) * 3600 + int(c) * 60
    if int(c) >= 60 or (a is not None and int(b) >= 60) or int(d or 0) >= 60:
        raise ScheduleError(f"{where}: duration {text!r} has minutes or seconds of 60 or more")
    return float(seconds)


def parse_when(text: str, where: str) -> tuple[datetime, int | None]:
    """(wall clock, UTC offset in minutes or None) from ISO 8601 or `YYYY-MM-DD HH:MM[:SS]`."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ScheduleError(
            f"{where}: {text!r} is not a date and time (expected e.g. 2026-02-01T11:00:00+01:00)"
        ) from None
    return split_offset(moment)


def split_offset(moment: datetime) -> tuple[datetime, int | None]:
    """An aware datetime as (naive wall clock, offset minutes); a naive one as (it, None)."""
    offset = moment.utcoffset()
    if offset is None:
        return moment, None
    return moment.replace(tzinfo=None), int(offset.total_seconds() // 60)


def offset_in_zone(wall: datetime, zone_name: str) -> int | None:
    """UTC offset (minutes) of a wall-clock time in an IANA zone; None for unknown zones."""
    if not zone_name:
        return None
    try:
        zone = ZoneInfo(zone_name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    offset = wall.replace(tzinfo=zone).utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


def to_wall_clock(moment: datetime, zone_name: str = "") -> datetime:
    """Venue wall clock (naive) for a time a device wrote (aware: converted; naive: as is).

    Used for container creation_time (usually UTC) and timestamped marks. Converts into the
    show's IANA zone when known, else into this machine's zone.
    """
    if moment.tzinfo is None:
        return moment
    zone: Any = None
    if zone_name:
        try:
            zone = ZoneInfo(zone_name.strip())
        except (ZoneInfoNotFoundError, ValueError, OSError):
            zone = None
    local = moment.astimezone(zone) if zone is not None else moment.astimezone()
    return local.replace(tzinfo=None)


def aware(start: datetime, offset_min: int | None) -> datetime:
    """Rebuild the instant from wall clock + offset (UTC when the offset is unknown)."""
    return start.replace(tzinfo=timezone(timedelta(minutes=offset_min or 0)))


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is dropped); a clear error for other encodings."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScheduleError(
            f"{source}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
            "save the file as UTF-8 and import again"
        ) from None
