"""Schedule export: a show as the frab/C3VOC `schedule.xml` and `schedule.json` (version 1).

What the crew corrected (titles, speakers, descriptions, times, talks added by hand, the
recording opt-out) goes back to the tools that read these files: C3VOC's tracker and
schedule tools, pretalx-compatible apps, and our own importers. One `ScheduleExport` is
built from the database and written by both formats, so they never disagree.

Choices the formats leave open, and why:
- Days run 06:00 to 05:59 the next morning (frab's default day change), so a talk after
  midnight stays on the evening's schedule day.
- A talk keeps the guid its schedule gave it (the tracker matches talks by guid); a talk
  added by hand gets its `Episode.uuid`. The numeric `id` both formats require is the
  schedule's own when it has one, else a number no other talk of the file uses.
- Times carry the talk's UTC offset, else the show's zone's, else this machine's, as
  everywhere else in veyedesk (`model.episode.Episode.start_with_offset`).
- `released` False is the opt-out (`optout` / `do_not_record`); unknown is not one.
- Persons come from `authors` as corrected, with the schedule's person ids kept for the
  names that are still there.
- Talks without a start or a room cannot sit in a day: they are left out and named in
  `skipped`.
"""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from veyedesk import __version__
from veyedesk.ingest.records import offset_in_zone
from veyedesk.model import Episode, Show
from veyedesk.model.slug import slugify

DAY_CHANGE = timedelta(hours=6)
TIMESLOT = "00:05"
JSON_SCHEMA = "https://c3voc.de/schedule/schema.json"
# A room has no UUID of its own here; this namespace makes the same room the same guid in
# every export.
ROOM_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://veyedesk.invalid/schedule/room")
_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
# Slugs both the XML schema (`acronym-rest`) and the JSON schema accept.
_SLUG = re.compile(r"[a-z0-9_]{4,}-[a-z0-9_-]{3,}[a-z0-9]")
_CODE = re.compile(r"[A-Z0-9]+")


@dataclass(frozen=True)
class Person:
    name: str
    id: str = ""  # the schedule's person id or code, when the name is still there


@dataclass(frozen=True)
class Link:
    url: str
    title: str = ""


@dataclass(frozen=True)
class ScheduleEvent:
    """One talk as both formats write it."""

    guid: str
    id: int
    room: str
    title: str
    subtitle: str
    type: str
    start: datetime  # aware: venue wall clock with its UTC offset
    duration: float | None
    slug: str
    track: str
    language: str
    description: str
    persons: tuple[Person, ...]
    optout: bool
    license: str
    url: str
    links: tuple[Link, ...]

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration or 0)


@dataclass
class ScheduleDay:
    index: int
    date: date
    start: datetime
    end: datetime
    rooms: dict[str, list[ScheduleEvent]]


@dataclass
class ScheduleExport:
    """A show's schedule, ready to write; `skipped` names talks that could not be placed."""

    title: str
    acronym: str
    time_zone_name: str
    url: str
    version: str
    rooms: list[str]
    days: list[ScheduleDay] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def events(self) -> list[ScheduleEvent]:
        return [e for d in self.days for events in d.rooms.values() for e in events]


def acronym_of(show: Show) -> str:
    """The show's slug as the formats' acronym: lower-case letters, digits and `_`, 4+."""
    text = re.sub(r"[^a-z0-9_]", "_", slugify(show.slug, "show").lower())
    return text.ljust(4, "_")


def room_guid(name: str) -> str:
    """The same UUID for the same room name in every export."""
    return str(uuid.uuid5(ROOM_NAMESPACE, name))


def hhmm(seconds: float | None) -> str:
    """A duration as the formats' `HH:MM` (to the nearest minute)."""
    minutes = round((seconds or 0) / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _offset(episode: Episode, zone: str) -> timezone:
    assert episode.start is not None
    minutes = episode.utc_offset_min
    if minutes is None and zone:
        minutes = offset_in_zone(episode.start, zone)
    if minutes is None:
        local = episode.start.astimezone().utcoffset()
        minutes = int(local.total_seconds() // 60) if local is not None else 0
    return timezone(timedelta(minutes=minutes))


def _meta(episode: Episode) -> dict[str, Any]:
    meta = episode.conf_meta if isinstance(episode.conf_meta, dict) else {}
    schedule = meta.get("schedule")
    return schedule if isinstance(schedule, dict) else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _http(value: str) -> str:
    return value if value.startswith(("http://", "https://")) else ""


def _guid(episode: Episode, meta: dict[str, Any], used: set[str]) -> str:
    for candidate in (_text(meta.get("guid")), episode.conf_key, episode.uuid):
        if candidate and _UUID.fullmatch(candidate) and candidate.lower() not in used:
            used.add(candidate.lower())
            return candidate.lower()
    fresh = str(uuid.uuid4())  # two talks claimed one guid: the second needs its own
    used.add(fresh)
    return fresh


def _persons(episode: Episode, meta: dict[str, Any]) -> tuple[Person, ...]:
    known = {}
    for p in meta.get("persons") or []:
        if isinstance(p, dict) and _text(p.get("name")):
            known[_text(p.get("name"))] = _text(str(p.get("id") or ""))
    names = [n.strip() for n in (episode.authors or "").split(",") if n.strip()]
    return tuple(Person(name, known.get(name, "")) for name in names)


def _links(meta: dict[str, Any]) -> tuple[Link, ...]:
    links = []
    for item in meta.get("links") or []:
        if isinstance(item, dict):
            url = _http(_text(item.get("href")) or _text(item.get("url")))
            if url:
                links.append(Link(url, _text(item.get("title"))))
    return tuple(links)


def _slug(meta: dict[str, Any], acronym: str, ident: int, name: str, used: set[str]) -> str:
    given = _text(meta.get("slug"))
    if _SLUG.fullmatch(given) and given not in used:
        used.add(given)
        return given
    tail = re.sub(r"[^a-z0-9]+", "_", slugify(name, "talk").lower()).strip("_")
    slug = f"{acronym}-{ident}-{tail.ljust(4, '_')}".rstrip("_-")
    slug = slug if _SLUG.fullmatch(slug) else f"{acronym}-{ident}-talk"
    used.add(slug)
    return slug


def build_schedule(session: Session, show: Show, *, version: str | None = None) -> ScheduleExport:
    """The show's talks (hand-added ones too) as a schedule, by day and room."""
    episodes = list(
        session.scalars(
            select(Episode)
            .where(Episode.show_id == show.id)
            .options(selectinload(Episode.location))
            .order_by(Episode.start, Episode.sequence, Episode.id)
        )
    )
    acronym = acronym_of(show)
    export = ScheduleExport(
        title=show.name or show.slug,
        acronym=acronym,
        time_zone_name=show.timezone,
        url=_http(show.conf_url),
        version=version or datetime.now().strftime("%Y-%m-%d %H:%M"),
        rooms=[],
    )
    placed = []
    for ep in episodes:
        if ep.start is None or ep.location is None:
            why = "no start" if ep.start is None else "no room"
            export.skipped.append(f"episode {ep.id} ({ep.slug}): {why}")
        else:
            placed.append(ep)
    # Ids the schedule gave are kept; the others get numbers above all of them.
    given: dict[int, int] = {}
    for ep in placed:
        raw = _text(str(_meta(ep).get("id") or ""))
        if raw.isdigit() and int(raw) > 0 and int(raw) not in given.values():
            given[ep.id] = int(raw)
    next_id = max(given.values(), default=0) + 1
    guids: set[str] = set()
    slugs: set[str] = set()
    events: list[ScheduleEvent] = []
    for ep in placed:
        assert ep.start is not None and ep.location is not None
        meta = _meta(ep)
        ident = given.get(ep.id)
        if ident is None:
            ident, next_id = next_id, next_id + 1
        events.append(
            ScheduleEvent(
                guid=_guid(ep, meta, guids),
                id=ident,
                room=ep.location.name,
                title=ep.name,
                subtitle=ep.subtitle,
                type=_text(meta.get("type")) or "Talk",
                start=ep.start.replace(tzinfo=_offset(ep, show.timezone)),
                duration=ep.duration,
                slug=_slug(meta, acronym, ident, ep.name, slugs),
                track=_text(meta.get("track")) or ep.tags,
                language=ep.language,
                description=ep.description,
                persons=_persons(ep, meta),
                optout=ep.released is False,
                license=ep.license,
                url=_http(ep.conf_url) or export.url,
                links=_links(meta),
            )
        )
    room_order = {loc.name: n for n, loc in enumerate(show.locations)}
    export.rooms = sorted({e.room for e in events}, key=lambda r: (room_order.get(r, 1 << 30), r))
    by_day: dict[date, list[ScheduleEvent]] = {}
    for event in events:
        by_day.setdefault((event.start.replace(tzinfo=None) - DAY_CHANGE).date(), []).append(event)
    for index, day in enumerate(sorted(by_day), 1):
        day_events = by_day[day]
        zone = day_events[0].start.tzinfo
        start = datetime.combine(day, datetime.min.time(), zone) + DAY_CHANGE
        rooms: dict[str, list[ScheduleEvent]] = {room: [] for room in export.rooms}
        for event in day_events:
            rooms[event.room].append(event)
        export.days.append(
            ScheduleDay(
                index=index,
                date=day,
                start=start,
                end=start + timedelta(days=1, minutes=-1),
                rooms=rooms,
            )
        )
    return export


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _add(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
    elem = ET.SubElement(parent, tag, attrs)
    elem.text = text
    return elem


def schedule_xml(export: ScheduleExport) -> bytes:
    """The frab/C3VOC `schedule.xml`."""
    root = ET.Element("schedule")
    _add(root, "generator", name="veyedesk", version=__version__)
    _add(root, "version", export.version)
    conf = _add(root, "conference")
    _add(conf, "acronym", export.acronym)
    _add(conf, "title", export.title)
    if export.days:
        _add(conf, "start", export.days[0].date.isoformat())
        _add(conf, "end", export.days[-1].date.isoformat())
    _add(conf, "days", str(len(export.days)))
    _add(conf, "timeslot_duration", TIMESLOT)
    if export.url:
        _add(conf, "url", export.url)
    if export.time_zone_name:
        _add(conf, "time_zone_name", export.time_zone_name)
    for day in export.days:
        day_elem = _add(
            root,
            "day",
            index=str(day.index),
            date=day.date.isoformat(),
            start=_iso(day.start),
            end=_iso(day.end),
        )
        for room, events in day.rooms.items():
            room_elem = _add(day_elem, "room", name=room, guid=room_guid(room))
            for e in events:
                ev = _add(room_elem, "event", guid=e.guid, id=str(e.id))
                _add(ev, "room", e.room)
                _add(ev, "title", e.title)
                _add(ev, "subtitle", e.subtitle)
                _add(ev, "type", e.type)
                _add(ev, "date", _iso(e.start))
                _add(ev, "start", e.start.strftime("%H:%M"))
                _add(ev, "duration", hhmm(e.duration))
                _add(ev, "abstract", "")
                _add(ev, "slug", e.slug)
                _add(ev, "track", e.track)
                _add(ev, "language", e.language)
                _add(ev, "description", e.description)
                persons = _add(ev, "persons")
                for p in e.persons:
                    attrs = {"id": p.id} if p.id.isdigit() else {}
                    _add(persons, "person", p.name, **attrs)
                recording = _add(ev, "recording")
                _add(recording, "license", e.license)
                _add(recording, "optout", "true" if e.optout else "false")
                links = _add(ev, "links")
                for link in e.links:
                    _add(links, "link", link.title, href=link.url)
                if e.url:
                    _add(ev, "url", e.url)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _json_person(p: Person) -> dict[str, str]:
    # pretalx's shape (name, optional code): the schema's person is frab's or pretalx's,
    # exactly one of the two, so frab's public_name is not written beside it.
    return {"name": p.name, **({"code": p.id} if _CODE.fullmatch(p.id) else {})}


def _json_event(e: ScheduleEvent) -> dict[str, Any]:
    return {
        "guid": e.guid,
        "id": e.id,
        "date": _iso(e.start),
        "start": e.start.strftime("%H:%M"),
        "end": _iso(e.end),
        "duration": hhmm(e.duration),
        "room": e.room,
        "slug": e.slug,
        "url": e.url,
        "title": e.title,
        "subtitle": e.subtitle,
        "track": e.track or None,
        "type": e.type,
        "language": e.language or None,
        "abstract": "",
        "description": e.description,
        "recording_license": e.license,
        "do_not_record": e.optout,
        "persons": [_json_person(p) for p in e.persons],
        "links": [
            {"url": link.url, **({"title": link.title} if link.title else {})} for link in e.links
        ],
    }


def schedule_json(export: ScheduleExport) -> str:
    """The frab/C3VOC `schedule.json` (version 1: days[].rooms{room: [events]})."""
    conference: dict[str, Any] = {
        "acronym": export.acronym,
        "title": export.title,
        "start": export.days[0].date.isoformat() if export.days else "",
        "end": export.days[-1].date.isoformat() if export.days else "",
        "daysCount": len(export.days),
        "timeslot_duration": TIMESLOT,
    }
    if export.time_zone_name:
        conference["time_zone_name"] = export.time_zone_name
    if export.url:
        conference["url"] = export.url
    conference["rooms"] = [{"name": r, "guid": room_guid(r)} for r in export.rooms]
    conference["days"] = [
        {
            "index": day.index,
            "date": day.date.isoformat(),
            "day_start": _iso(day.start),
            "day_end": _iso(day.end),
            "rooms": {room: [_json_event(e) for e in events] for room, events in day.rooms.items()},
        }
        for day in export.days
    ]
    doc = {
        "$schema": JSON_SCHEMA,
        "generator": {"name": "veyedesk", "version": __version__},
        "schedule": {"version": export.version, "conference": conference},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
