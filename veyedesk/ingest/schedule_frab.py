"""frab / pentabarf / pretalx `schedule.xml`: conference -> day -> room -> event.

Two time styles exist in the wild: frab and pretalx give every event a full `date` with
its UTC offset (`2026-02-01T11:00:00+01:00`); pentabarf (and old FOSDEM) gives only the
day's `date`, the event's `start` as `HH:MM` and no zone. For the latter the conference's
`time_zone_name`, when present, supplies the offset; a start before the day's first hour
belongs to the next calendar day (talks after midnight).

XML safety: schedules come from the internet. We run the stdlib's expat over the bytes first
(no extra dependency) and refuse any DTD that declares entities, which rules out
entity-expansion ("billion laughs") and external-entity tricks before anything is
expanded; expat >= 2.4 would also cap amplification, and external entities are never
fetched. defusedxml would add a dependency to do the same few lines.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from typing import Any
from xml.parsers import expat

from veyedesk.ingest.html_text import html_to_text
from veyedesk.ingest.records import (
    EventRecord,
    Schedule,
    ScheduleError,
    in_range,
    offset_in_zone,
    out_of_range,
    parse_duration,
    parse_when,
    shown,
)


def _undeclared_non_utf8(data: bytes) -> bool:
    declared = re.search(rb"encoding=[\"']([A-Za-z0-9_.-]+)", data[:200])
    if declared and declared[1].lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


class _Tree:
    """The parsed document, checked for safety first, with the line of every `<event>`.

    Two passes, both in C: expat alone (no per-element Python callbacks) proves the file
    well-formed and free of entity declarations, then ElementTree builds the tree. Event
    lines come from the byte positions of the `<event` tags, matched to the tree's events
    in document order, so messages can name them (a 1,000-talk file parses in ~0.1 s).
    """

    def __init__(self, data: bytes, source: str) -> None:
        self._source = source
        parser = expat.ParserCreate()
        self._parser = parser
        parser.EntityDeclHandler = self._refuse_entity
        # Without this expat would silently skip references to entities it cannot resolve.
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        try:
            parser.Parse(data, True)
        except expat.ExpatError as exc:
            reason = expat.ErrorString(exc.code) if exc.code else str(exc)
            if _undeclared_non_utf8(data):
                raise ScheduleError(
                    f"{source}: line {exc.lineno}: not UTF-8 text and no other encoding "
                    "declared; save the file as UTF-8 and import again"
                ) from None
            raise ScheduleError(
                f"{source}: line {exc.lineno}: broken XML ({reason}); "
                "download the schedule again (it may be truncated)"
            ) from None
        try:
            self.root: ET.Element = ET.fromstring(data)
        except ET.ParseError as exc:  # expat accepted it above, so this is not expected
            raise ScheduleError(f"{source}: broken XML ({exc})") from None
        self.lines: dict[int, int] = {}
        events = list(self.root.iter("event"))
        positions = [m.start() for m in _EVENT_TAG.finditer(data)]
        # A tag inside a comment or CDATA would shift the pairing: then name events by id only.
        if len(positions) == len(events):
            line, at = 1, 0
            for elem, pos in zip(events, positions, strict=True):
                line += data.count(b"\n", at, pos)
                at = pos
                self.lines[id(elem)] = line
        root_tag = re.search(rb"<" + re.escape(self.root.tag.encode()) + rb"[\s>/]", data)
        if root_tag:
            self.lines[id(self.root)] = data.count(b"\n", 0, root_tag.start()) + 1

    def _refuse_entity(self, name: str, *_args: Any) -> None:
        raise ScheduleError(
            f"{self._source}: line {self._parser.CurrentLineNumber}: the file declares an XML "
            f"entity ({name!r}); schedules never need one, so it is refused for safety"
        )

    def where(self, elem: ET.Element) -> str:
        """`<source>: line N` for an element, or just the source when its line is unknown."""
        line = self.lines.get(id(elem))
        return f"{self._source}: line {line}" if line else self._source


_EVENT_TAG = re.compile(rb"<event[\s>/]")


def _text(elem: ET.Element | None, child: str) -> str:
    if elem is None:
        return ""
    found = elem.find(child)
    return (found.text or "").strip() if found is not None else ""


def join_description(abstract: str, description: str) -> str:
    """Abstract and description as one markdown text (each once)."""
    parts = [html_to_text(p) for p in (abstract, description) if p and p.strip()]
    unique = [p for i, p in enumerate(parts) if p and p not in parts[:i]]
    return "\n\n".join(unique)


def _bool(text: str) -> bool | None:
    value = text.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    return None


def _day_date(day: ET.Element, where: str) -> date | None:
    text = day.get("date", "").strip()
    if not text:
        return None
    try:
        day_date = date.fromisoformat(text[:10])
    except ValueError:
        raise ScheduleError(f"{where}: day date {shown(text)} is not YYYY-MM-DD") from None
    midnight = datetime.combine(day_date, datetime.min.time())
    if not in_range(midnight):  # the day after it is computed for talks after midnight
        raise ScheduleError(f"{where}: {out_of_range('day date', midnight)}")
    return day_date


def _day_start(day: ET.Element) -> datetime | None:
    text = day.get("start", "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def _event_start(
    event: ET.Element, day: ET.Element, zone: str, where: str
) -> tuple[datetime, int | None]:
    full = _text(event, "date")
    if full:
        return parse_when(full, where)
    # pentabarf: day date + HH:MM, no zone.
    hhmm = _text(event, "start")
    day_date = _day_date(day, where)
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", hhmm)
    if day_date is None or not match:
        raise ScheduleError(
            f"{where}: no start time (needs <date> or the day's date and <start>HH:MM</start>)"
        )
    h, m, s = int(match[1]), int(match[2]), int(match[3] or 0)
    if h > 23 or m > 59 or s > 59:
        raise ScheduleError(f"{where}: start {shown(hhmm)} is not a time of day")
    wall = datetime(day_date.year, day_date.month, day_date.day, h, m, s)
    first = _day_start(day)
    if first is not None and wall < first:
        wall += timedelta(days=1)  # after midnight, still the same schedule day
    return wall, offset_in_zone(wall, zone)


def _event(event: ET.Element, day: ET.Element, room: str, zone: str, where: str) -> EventRecord:
    key = event.get("guid") or event.get("id") or _text(event, "guid")
    if not key:
        raise ScheduleError(f"{where}: event has neither a guid nor an id attribute")
    where = f"{where} (event {event.get('id') or key})"
    title = _text(event, "title")
    if not title:
        raise ScheduleError(f"{where}: event has no <title>")
    room = _text(event, "room") or room
    if not room:
        raise ScheduleError(f"{where}: event has no room")
    start, offset = _event_start(event, day, zone, where)
    duration_text = _text(event, "duration")
    duration = parse_duration(duration_text, where) if duration_text else None
    persons_elem = event.find("persons")
    persons = (
        [
            ((p.text or "").strip(), p.get("id", ""))
            for p in persons_elem.findall("person")
            if (p.text or "").strip()
        ]
        if persons_elem is not None
        else []
    )
    recording = event.find("recording")
    optout = _bool(_text(recording, "optout")) if recording is not None else None
    links_elem = event.find("links")
    links = (
        [{"href": a.get("href", ""), "title": (a.text or "").strip()} for a in links_elem]
        if links_elem is not None
        else []
    )
    track = _text(event, "track")
    meta = {
        k: v
        for k, v in {
            "id": event.get("id", ""),
            "guid": event.get("guid", "") or _text(event, "guid"),
            "slug": _text(event, "slug"),
            "type": _text(event, "type"),
            "track": track,
            "persons": [{"id": pid, "name": name} for name, pid in persons],
            "links": links,
        }.items()
        if v
    }
    return EventRecord(
        conf_key=key.strip(),
        name=title,
        room=room,
        start=start,
        duration=duration,
        utc_offset_min=offset,
        subtitle=_text(event, "subtitle"),
        authors=", ".join(name for name, _ in persons),
        description=join_description(_text(event, "abstract"), _text(event, "description")),
        language=_text(event, "language"),
        license=_text(recording, "license") if recording is not None else None,
        tags=track,
        conf_url=_text(event, "url"),
        released=None if optout is None else not optout,
        meta=meta,
        where=where,
    )


def parse_frab_xml(data: bytes, source: str) -> Schedule:
    """Parse a frab/pentabarf/pretalx schedule.xml into event records."""
    tree = _Tree(data, source)
    root = tree.root
    if root.tag != "schedule":
        raise ScheduleError(
            f"{tree.where(root)}: root element is <{root.tag}>, "
            "not <schedule>; is this a frab/pretalx schedule.xml?"
        )
    conference = root.find("conference")
    zone = _text(conference, "time_zone_name")
    schedule = Schedule(source=source, format="frab-xml", title=_text(conference, "title"))
    for day in root.iter("day"):
        for room_elem in day.findall("room"):
            room = room_elem.get("name", "").strip()
            for event in room_elem.findall("event"):
                where = tree.where(event)
                schedule.events.append(_event(event, day, room, zone, where))
    return schedule
