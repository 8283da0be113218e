"""What every schedule importer produces: one EventRecord per talk, and the time convention.

Time convention (the same everywhere in veyedesk): `start` is the **venue wall clock**, a
naive datetime, exactly as the schedule prints it; the schedule's UTC offset is kept apart
in `utc_offset_min` (minutes east of UTC, None when the schedule gave none). Importing
`2026-02-01T11:00:00+01:00` gives start=11:00 and utc_offset_min=60, so the talk shows as
11:00 on every machine, whatever its own zone; `Episode.start_with_offset()` rebuilds the
instant. Durations are float seconds.

Parsers are pure (bytes in, records out) and raise ScheduleError naming the file and the
line or event id; they never touch the database. `clean_record` is the import boundary every
format passes through: control characters go, and times and durations that would overflow
later arithmetic (year 9999, a 99999999-day slot) are refused with the event named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from veyedesk.errors import UserError
from veyedesk.model.text import plain_text

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


# A time outside these is a typo or a broken clock (9999-12-31, 0001-01-01+14:00), never a
# recording: refusing it here keeps `start + duration` and zone conversions from overflowing.
EARLIEST = datetime(1970, 1, 1)
LATEST = datetime(2200, 1, 1)
# The longest slot a schedule may give one event (frab writes D:HH:MM:SS for multi-day ones).
MAX_EVENT_SECONDS = 7 * 86400.0

# EventRecord text fields that may hold line breaks; every other one is a single line.
MULTILINE_FIELDS = frozenset({"description", "comment"})


class ScheduleError(UserError, ValueError):
    """A schedule file that cannot be imported; the message names the file and where."""

    def __init__(self, message: str) -> None:
        # Messages quote ids, rooms and paths from the file: keep them on one line.
        super().__init__(plain_text(message))


# Episode columns a veyedesk export carries beyond the schedule's fields (Veyepar JSON): set
# when the import creates the talk, never on a re-import, which keeps the crew's values.
RESTORED_COLUMNS: tuple[str, ...] = (
    "twitter_id",
    "reviewers",
    "archive_url",
    "normalise",
    "channelcopy",
    "av_offset_ms",
    "thumbnail",
    "title_image",
    "stop",
    "edit_key",
)


@dataclass
class CutRecord:
    """One cut of an exported talk: a raw file of a room and offsets into it (seconds)."""

    room: str  # the room's folder under dv/ (its slug unless renamed)
    raw_file: str  # relative to the room folder, e.g. `2026-02-01/10_00_00.dv`
    start: float | None
    end: float | None
    apply: bool = True
    sequence: int = 1
    edited: bool = False
    comment: str = ""
    # The raw file's own facts, so a show without a scan yet still gets the cut.
    raw_start: datetime | None = None
    raw_duration: float | None = None
    raw_fps: float | None = None


@dataclass
class Restore:
    """What a veyedesk export carries beyond a schedule, put back when the talk is created.

    With it an export -> import round trip keeps the talk's slug (it names every output
    file), its other columns, its cuts, the editor's `edited_fields` and the values the
    schedule import last wrote (`imported`), so a later re-import of the conference's
    schedule still tells hand edits (kept) from schedule changes.
    """

    slug: str = ""
    uuid: str = ""
    columns: dict[str, Any] = field(default_factory=dict)
    edited_fields: list[str] | None = None
    imported: dict[str, Any] | None = None
    cuts: list[CutRecord] = field(default_factory=list)


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
    # Only from a veyedesk export (Veyepar JSON): the rest of the talk, used on creation.
    restore: Restore | None = None

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


_DURATION = re.compile(r"(?:(\d{1,9}):)?(\d{1,3}):(\d{2})(?::(\d{2}))?")


def shown(value: str, limit: int = 60) -> str:
    """`repr(value)` short enough for a one-line message (a value may be megabytes)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " ...'"


def in_range(moment: datetime) -> bool:
    """True when a time (its wall clock) lies between EARLIEST and LATEST."""
    return EARLIEST <= moment.replace(tzinfo=None) < LATEST


def out_of_range(what: str, moment: datetime) -> str:
    """The message for a time outside EARLIEST..LATEST (the caller prefixes where)."""
    return (
        f"{what} {moment.isoformat(sep=' ')} is not between {EARLIEST.year} and "
        f"{LATEST.year - 1}; fix the date in the file"
    )


def parse_duration(text: str, where: str) -> float:
    """Seconds from frab's `HH:MM`, `H:MM:SS`, `D:HH:MM:SS`, or plain seconds."""
    raw = text.strip()
    seconds = _duration_seconds(raw, text, where)
    if not 0 <= seconds <= MAX_EVENT_SECONDS:
        raise ScheduleError(
            f"{where}: duration {shown(text)} is longer than {MAX_EVENT_SECONDS / 86400:.0f} "
            "days; fix it in the schedule or leave it out"
        )
    return seconds


def _duration_seconds(raw: str, text: str, where: str) -> float:
    if re.fullmatch(r"\d{1,9}(\.\d{1,9})?", raw):
        return float(raw)
    match = _DURATION.fullmatch(raw)
    if not match:
        raise ScheduleError(f"{where}: duration {shown(text)} is not HH:MM, HH:MM:SS or seconds")
    a, b, c, d = match.groups()
    if d is not None:  # D:HH:MM:SS (frab writes days for multi-day slots)
        seconds = int(a or 0) * 86400 + int(b) * 3600 + int(c) * 60 + int(d)
    elif a is not None:  # H:MM:SS
        seconds = int(a) * 3600 + int(b) * 60 + int(c)
    else:  # HH:MM (frab) - minutes precision
        seconds = int(b) * 3600 + int(c) * 60
    if int(c) >= 60 or (a is not None and int(b) >= 60) or int(d or 0) >= 60:
        raise ScheduleError(f"{where}: duration {shown(text)} has minutes or seconds of 60 or more")
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
            f"{where}: {shown(text)} is not a date and time "
            "(expected e.g. 2026-02-01T11:00:00+01:00)"
        ) from None
    if not in_range(moment):
        raise ScheduleError(f"{where}: {out_of_range('start', moment)}")
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


def _plain(value: Any) -> Any:
    """`value` with control characters removed from every string in it (meta is nested)."""
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {plain_text(str(k)): _plain(v) for k, v in value.items()}
    return value


def clean_record(record: EventRecord) -> None:
    """Make a parsed event safe to store, or raise ScheduleError naming it (all formats).

    Control characters (NUL breaks every encode and state command) are removed, line
    breaks kept only in multi-line fields; a start outside EARLIEST..LATEST or a duration
    beyond MAX_EVENT_SECONDS is refused, so no later `start + duration` can overflow.
    """
    for name in ("conf_key", "name", "room", *MERGE_FIELDS):
        value = getattr(record, name, None)
        if isinstance(value, str):
            setattr(record, name, plain_text(value, multiline=name in MULTILINE_FIELDS))
    record.meta = _plain(record.meta)
    if record.restore is not None:
        restore = record.restore
        restore.slug = plain_text(restore.slug)
        # Values read back as they were stored: line breaks stay, only controls go.
        restore.columns = {
            k: plain_text(v, multiline=True) if isinstance(v, str) else v
            for k, v in restore.columns.items()
        }
        if restore.imported is not None:
            restore.imported = {
                k: plain_text(v, multiline=k in MULTILINE_FIELDS) if isinstance(v, str) else v
                for k, v in restore.imported.items()
            }
        if restore.edited_fields is not None:
            restore.edited_fields = [plain_text(f) for f in restore.edited_fields]
        for cut in restore.cuts:
            cut.room, cut.raw_file = plain_text(cut.room), plain_text(cut.raw_file)
            cut.comment = plain_text(cut.comment, multiline=True)
    where = record.where
    for name, what in (("conf_key", "id"), ("name", "title"), ("room", "room")):
        if not getattr(record, name):
            raise ScheduleError(f"{where}: the event has no {what} (once control characters go)")
    if record.start is not None and not in_range(record.start):
        raise ScheduleError(f"{where}: {out_of_range('start', record.start)}")
    if record.duration is not None and not 0 <= record.duration <= MAX_EVENT_SECONDS:
        raise ScheduleError(
            f"{where}: duration {record.duration:.0f} s is longer than "
            f"{MAX_EVENT_SECONDS / 86400:.0f} days; fix it in the schedule or leave it out"
        )
