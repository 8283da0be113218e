"""Schedule export: frab/C3VOC schedule.xml and schedule.json of what the crew corrected.

The files are checked against the rules the published schedule schemas state (written
here in our own words, from the format's documentation: required elements, HH:MM times
and durations, UUID guids, day index/date/start/end, room names), then imported through
our own importers into a fresh show, which must hold the same talks.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.support.schedules import frab_xml
from veyedesk.model import Episode, Show
from veyedesk.services import catalog
from veyedesk.services.episodes import add_episode
from veyedesk.services.ingest.schedule_import import import_schedule
from veyedesk.services.publishing.schedule_export import (
    build_schedule,
    schedule_json,
    schedule_xml,
)

UUID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")
HH_MM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
DURATION_XML = re.compile(r"[0-9]{1,2}:[0-9]{2}(:[0-9]{1,2})?")
DURATION_JSON = re.compile(r"[0-9]+:[0-9]{2}")
ACRONYM = re.compile(r"[a-z0-9_-]{4,}")
SLUG_XML = re.compile(r"[a-z0-9_]{4,}-[a-z0-9_-]{4,}")
SLUG_JSON = re.compile(r"[a-z0-9_-]+[a-z0-9]")
ODD_TITLE = 'Zitat "x" & <tag>: C:\\pfad – 100% 🎥'


def _aware(text: str) -> datetime:
    """A date-time that must carry its UTC offset (Z or ±HH:MM)."""
    assert re.fullmatch(r".+T.+(Z|[+-][0-9]{1,2}:[0-9]{2})", text), text
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None
    return moment


def _check_day(index: Any, day_date: Any, start: Any, end: Any, seen: set[int]) -> tuple:
    assert isinstance(index, int) and index >= 1 and index not in seen
    seen.add(index)
    when = date.fromisoformat(day_date)
    first, last = _aware(start), _aware(end)
    assert first < last and first.date() == when
    return first, last


def check_schedule_xml(data: bytes) -> ET.Element:
    """The rules of the frab/C3VOC schedule.xml schema, as its documentation states them."""
    root = ET.fromstring(data)
    assert root.tag == "schedule"
    tags = [child.tag for child in root]
    # generator? url? version conference day+, in that order.
    assert tags[: tags.index("version")] in ([], ["generator"], ["url"], ["generator", "url"])
    assert tags[tags.index("version") + 1] == "conference"
    assert set(tags[tags.index("conference") + 1 :]) == {"day"}
    conference = root.find("conference")
    assert conference is not None
    assert (conference.findtext("title") or "").strip()
    assert ACRONYM.fullmatch(conference.findtext("acronym") or "")
    assert int(conference.findtext("days") or "0") == len(root.findall("day"))
    guids: set[str] = set()
    ids: set[int] = set()
    slugs: set[str] = set()
    seen_days: set[int] = set()
    for day in root.findall("day"):
        first, last = _check_day(
            int(day.get("index", "0")), day.get("date"), day.get("start"), day.get("end"), seen_days
        )
        for room in day.findall("room"):
            name = room.get("name", "")
            assert name.strip(), "a room needs its name"
            if room.get("guid"):
                assert UUID.fullmatch(room.get("guid", ""))
            for event in room.findall("event"):
                guid, ident = event.get("guid", ""), event.get("id", "")
                assert UUID.fullmatch(guid) and guid not in guids
                assert ident.isdigit() and int(ident) >= 1 and int(ident) not in ids
                guids.add(guid)
                ids.add(int(ident))
                children = [c.tag for c in event]
                assert len(children) == len(set(children)), "each child at most once"
                for required in ("room", "title", "type", "date", "start", "duration", "abstract"):
                    assert required in children, required
                assert "track" in children
                assert event.findtext("room") == name
                assert (event.findtext("title") or "").strip()
                moment = _aware(event.findtext("date") or "")
                assert first <= moment <= last
                assert event.findtext("start") == moment.strftime("%H:%M")
                assert HH_MM.fullmatch(event.findtext("start") or "")
                assert DURATION_XML.fullmatch(event.findtext("duration") or "")
                slug = event.findtext("slug")
                if slug is not None:
                    assert SLUG_XML.fullmatch(slug) and slug not in slugs
                    slugs.add(slug)
                recording = event.find("recording")
                if recording is not None:
                    assert recording.find("license") is not None
                    assert recording.findtext("optout") in ("true", "false")
                for person in event.iterfind("persons/person"):
                    assert (person.text or "").strip()
                    assert person.get("id") is None or person.get("id", "").isdigit()
                url = event.findtext("url")
                assert url is None or url.startswith(("http://", "https://"))
    return root


EVENT_KEYS = {
    "guid", "code", "id", "logo", "date", "start", "end", "duration", "room", "slug", "url",
    "title", "subtitle", "track", "type", "language", "abstract", "description",
    "recording_license", "do_not_record", "do_not_stream", "persons", "links", "feedback_url",
    "origin_url", "attachments",
}  # fmt: skip
EVENT_REQUIRED = {
    "abstract", "date", "duration", "guid", "id", "language", "links", "persons", "room",
    "slug", "start", "subtitle", "title", "track", "type", "url",
}  # fmt: skip
CONFERENCE_KEYS = {
    "acronym", "title", "description", "start", "end", "daysCount", "timeslot_duration",
    "time_zone_name", "logo", "colors", "keywords", "url", "tracks", "rooms", "meta", "days",
}  # fmt: skip
CONFERENCE_REQUIRED = {"title", "acronym", "days", "daysCount", "start", "end", "timeslot_duration"}


def _check_person(person: Any) -> None:
    # Either frab's person (integer id + public_name) or pretalx's (name): exactly one.
    assert isinstance(person, dict)
    frab = isinstance(person.get("id"), int) and isinstance(person.get("public_name"), str)
    pretalx = isinstance(person.get("name"), str)
    assert frab != pretalx, person
    if "code" in person:
        assert re.fullmatch(r"[A-Z0-9]+", person["code"])


def check_schedule_json(text: str) -> dict[str, Any]:
    """The rules of the C3VOC schedule.json (v1) schema, as its documentation states them."""
    doc = json.loads(text)
    assert set(doc) <= {"schedule", "$schema", "generator"} and "schedule" in doc
    schedule = doc["schedule"]
    assert isinstance(schedule.get("version"), str) and "rooms" not in schedule
    conference = schedule["conference"]
    assert CONFERENCE_REQUIRED <= set(conference) <= CONFERENCE_KEYS
    assert re.fullmatch(r"[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?", conference["acronym"])
    assert conference["daysCount"] == len(conference["days"])
    if "time_zone_name" in conference:
        assert re.fullmatch(r"[A-Z][a-z]+/[A-Z][a-z]+|UTC", conference["time_zone_name"])
    for room in conference.get("rooms", []):
        assert room["name"].strip() and UUID.fullmatch(room["guid"])
    guids: set[str] = set()
    seen_days: set[int] = set()
    for day in conference["days"]:
        assert set(day) == {"index", "date", "day_start", "day_end", "rooms"}
        first, last = _check_day(
            day["index"], day["date"], day["day_start"], day["day_end"], seen_days
        )
        assert isinstance(day["rooms"], dict)
        for room, events in day["rooms"].items():
            assert room.strip() and isinstance(events, list)
            for event in events:
                assert EVENT_REQUIRED <= set(event) <= EVENT_KEYS, set(event) ^ EVENT_REQUIRED
                assert UUID.fullmatch(event["guid"]) and event["guid"] not in guids
                guids.add(event["guid"])
                assert isinstance(event["id"], int) and event["id"] >= 1
                moment = _aware(event["date"])
                assert first <= moment <= last and event["room"] == room
                assert HH_MM.fullmatch(event["start"]) and event["start"] == f"{moment:%H:%M}"
                assert DURATION_JSON.fullmatch(event["duration"])
                assert _aware(event["end"]) >= moment
                assert SLUG_JSON.fullmatch(event["slug"])
                assert event["title"].strip() and isinstance(event["type"], str)
                for key in ("subtitle", "track", "language", "abstract", "description"):
                    assert event[key] is None or isinstance(event[key], str), key
                assert isinstance(event["do_not_record"], bool)
                for person in event["persons"]:
                    _check_person(person)
                for link in event["links"]:
                    assert set(link) <= {"type", "url", "title"} and "url" in link
                assert event["url"] == "" or event["url"].startswith(("http://", "https://"))
    return doc


def _crew_show(session: Session) -> tuple[Show, Episode, Episode]:
    catalog.add_client(session, "orig", "Original")
    show = catalog.add_show(session, "orig", "vk26", "Videokonferenz 2026")
    show.timezone = "Europe/Berlin"
    import_schedule(session, show, frab_xml(), "schedule.xml", "frab-xml")
    session.flush()
    talks = {e.conf_key[-3:]: e for e in show.episodes}
    # What the crew corrected.
    talks["102"].name = ODD_TITLE
    talks["103"].authors = "Grace O'Neil, Neu Hinzu"
    talks["103"].description = "Bindings without tears.\n\nNow with slides."
    talks["201"].released = False
    room = talks["101"].location
    hand = add_episode(
        session,
        show,
        "Added by hand: “Lightning” & more",
        room=room,
        start=datetime(2026, 2, 1, 16, 30),
        duration=20 * 60.0,
        authors="Ada Lovelace, Grace Hopper",
        description="Not in the schedule.",
        utc_offset_min=60,
    )
    unplaced = add_episode(session, show, "No time yet", room=room)
    session.commit()
    return show, hand, unplaced


def _talks(show: Show) -> dict[str, tuple[Any, ...]]:
    return {
        e.name: (
            e.start,
            e.utc_offset_min,
            e.duration,
            e.location.name if e.location else None,
            e.authors,
            e.description,
        )
        for e in show.episodes
        if e.start is not None
    }


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_export_is_a_valid_schedule_that_imports_to_the_same_talks(
    session: Session, fmt: str
) -> None:
    show, hand, unplaced = _crew_show(session)
    export = build_schedule(session, show, version="2026-02-03 12:00")
    assert export.skipped == [f"episode {unplaced.id} ({unplaced.slug}): no start"]
    if fmt == "xml":
        data = schedule_xml(export)
        root = check_schedule_xml(data)
        events = {e.findtext("title"): e for e in root.iter("event")}
        guids = {t: e.get("guid") for t, e in events.items()}
        optout = {t: e.findtext("recording/optout") == "true" for t, e in events.items()}
        assert [d.get("date") for d in root.findall("day")] == ["2026-02-01", "2026-02-02"]
    else:
        data = schedule_json(export).encode()
        doc = check_schedule_json(data.decode())
        days = doc["schedule"]["conference"]["days"]
        flat = {e["title"]: e for d in days for evs in d["rooms"].values() for e in evs}
        guids = {t: e["guid"] for t, e in flat.items()}
        optout = {t: e["do_not_record"] for t, e in flat.items()}
        assert [d["date"] for d in days] == ["2026-02-01", "2026-02-02"]
    # The tracker knows talks by guid: the schedule's stay, a hand-added talk has its UUID.
    assert guids["Eröffnung & Begrüßung"] == "6c2f0a0e-0001-4c1e-9a51-000000000101"
    assert guids[hand.name] == hand.uuid
    assert optout["Keynote: ‘The Last Mile’"] is True  # released: No, set by the crew
    assert optout["Workshop: DV-Kameras \\ Kabel: 100% analog 🎥"] is True  # opted out
    assert optout["Eröffnung & Begrüßung"] is False

    catalog.add_client(session, "copy", "Copy")
    fresh = catalog.add_show(session, "copy", "vk26")
    result = import_schedule(session, fresh, data, f"schedule.{fmt}")
    session.commit()
    assert result.schedule.format == f"frab-{fmt}"
    expected = _talks(show)
    assert len(expected) == 8
    assert _talks(fresh) == expected
    copy = next(e for e in fresh.episodes if e.name == "Rust & Python: “Fearless” FFI")
    persons = copy.conf_meta["schedule"]["persons"] if copy.conf_meta else []
    assert [p["name"] for p in persons] == ["Grace O'Neil", "Neu Hinzu"]
