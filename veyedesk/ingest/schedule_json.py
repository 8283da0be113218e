"""frab / pretalx `schedule.json`: schedule.conference.days[].rooms{room: [event, ...]}."""

from __future__ import annotations

import json
from typing import Any

from veyedesk.ingest.records import (
    EventRecord,
    Schedule,
    ScheduleError,
    decode_text,
    parse_duration,
    parse_when,
)
from veyedesk.ingest.schedule_frab import join_description


def _refuse_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity, which JSON does not have; a schedule holding
    # them was not written by a JSON encoder, and NaN compares unequal to itself later.
    raise ValueError(f"{name} is not a JSON value")


def load_json(data: bytes, source: str) -> Any:
    """JSON from bytes with errors naming the line."""
    text = decode_text(data, source)
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ScheduleError(
            f"{source}: line {exc.lineno}: broken JSON ({exc.msg}); "
            "download the file again (it may be truncated)"
        ) from None
    except RecursionError:
        raise ScheduleError(f"{source}: JSON nested too deeply to be a schedule") from None
    except ValueError as exc:
        # NaN/Infinity (above), or an integer of thousands of digits (Python refuses to
        # convert more than 4300): neither is an id or a time any schedule means.
        what = "a number has thousands of digits" if "digits" in str(exc) else str(exc)
        raise ScheduleError(
            f"{source}: {what}; fix the file (ids and times must be ordinary JSON numbers "
            "or strings)"
        ) from None


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | int | float):
        return str(value)
    return ""


def _persons(value: Any) -> list[dict[str, str]]:
    persons = []
    for p in value if isinstance(value, list) else []:
        if isinstance(p, dict):
            name = _str(p.get("public_name") or p.get("name") or p.get("full_public_name"))
            pid = _str(p.get("id") or p.get("code") or p.get("guid"))
        else:
            name, pid = _str(p), ""
        if name:
            persons.append({"id": pid, "name": name})
    return persons


def _event(event: Any, room: str, where: str) -> EventRecord:
    if not isinstance(event, dict):
        raise ScheduleError(f"{where}: an event is {type(event).__name__}, not an object")
    key = _str(event.get("guid")) or _str(event.get("id"))
    if not key:
        raise ScheduleError(f"{where}: an event has neither guid nor id")
    where = f"{where} (event {_str(event.get('id')) or key})"
    title = _str(event.get("title"))
    if not title:
        raise ScheduleError(f"{where}: event has no title")
    room = _str(event.get("room")) or room
    if not room:
        raise ScheduleError(f"{where}: event has no room")
    when = _str(event.get("date"))
    if not when:
        raise ScheduleError(f"{where}: event has no date (ISO start with offset)")
    start, offset = parse_when(when, where)
    duration_text = _str(event.get("duration"))
    duration = parse_duration(duration_text, where) if duration_text else None
    persons = _persons(event.get("persons"))
    optout = event.get("do_not_record")
    if optout is None and isinstance(event.get("recording"), dict):
        optout = event["recording"].get("optout")
    license_ = _str(event.get("recording_license"))
    track = event.get("track")
    track_name = _str(track.get("name")) if isinstance(track, dict) else _str(track)
    links = event.get("links") if isinstance(event.get("links"), list) else []
    meta = {
        k: v
        for k, v in {
            "id": _str(event.get("id")),
            "guid": _str(event.get("guid")),
            "slug": _str(event.get("slug")),
            "type": _str(event.get("type")),
            "track": track_name,
            "persons": persons,
            "links": links,
        }.items()
        if v
    }
    return EventRecord(
        conf_key=key,
        name=title,
        room=room,
        start=start,
        duration=duration,
        utc_offset_min=offset,
        subtitle=_str(event.get("subtitle")),
        authors=", ".join(p["name"] for p in persons),
        description=join_description(_str(event.get("abstract")), _str(event.get("description"))),
        language=_str(event.get("language")),
        license=license_ or None,
        tags=track_name,
        conf_url=_str(event.get("url")),
        released=None if not isinstance(optout, bool) else not optout,
        meta=meta,
        where=where,
    )


def is_schedule_v2(doc: Any) -> bool:
    """True for C3VOC's schedule v2 (the hub's format), which v1 readers cannot walk.

    v2 says so in `$schema` (…/schedule2…), and whatever it says, its shape differs: the
    talks are one flat `schedule.events` list and the rooms a `conference.rooms` list,
    while v1 nests the talks under `conference.days[].rooms{room: [...]}`.
    """
    if not isinstance(doc, dict):
        return False
    if "schedule2" in _str(doc.get("$schema")):
        return True
    schedule_obj = doc.get("schedule")
    if not isinstance(schedule_obj, dict):
        return False
    conference = schedule_obj.get("conference")
    days = conference.get("days") if isinstance(conference, dict) else None
    days = days if isinstance(days, list) else []
    if any(isinstance(d, dict) and "rooms" in d for d in days):
        return False
    # pretalx's v1 also lists the rooms in `conference.rooms`: only with days that hold
    # no rooms (or the flat events list) is that list the v2 shape.
    room_list = isinstance(conference, dict) and isinstance(conference.get("rooms"), list)
    return isinstance(schedule_obj.get("events"), list) or (bool(days) and room_list)


def parse_frab_json(data: bytes, source: str) -> Schedule:
    """Parse a frab/pretalx schedule.json into event records."""
    doc = load_json(data, source)
    if is_schedule_v2(doc):
        raise ScheduleError(
            f"{source}: this is the schedule v2 format (the hub's: one list of events, no "
            "rooms per day), which veyedesk does not read; fetch the conference's v1 "
            "schedule.json (frab/pretalx, e.g. …/schedule/export/schedule.json) or "
            "schedule.xml and import that"
        )
    schedule_obj = doc.get("schedule") if isinstance(doc, dict) else None
    conference = schedule_obj.get("conference") if isinstance(schedule_obj, dict) else None
    if not isinstance(conference, dict):
        raise ScheduleError(
            f"{source}: no schedule.conference object; is this a frab/pretalx schedule.json?"
        )
    days = conference.get("days")
    if not isinstance(days, list):
        raise ScheduleError(f"{source}: schedule.conference.days is missing or not a list")
    schedule = Schedule(source=source, format="frab-json", title=_str(conference.get("title")))
    for d, day in enumerate(days):
        rooms = day.get("rooms") if isinstance(day, dict) else None
        if not isinstance(rooms, dict):
            raise ScheduleError(f"{source}: day {d + 1} has no rooms object")
        for room, events in rooms.items():
            if not isinstance(events, list):
                raise ScheduleError(f"{source}: day {d + 1}, room {room!r}: events not a list")
            for n, event in enumerate(events):
                where = f"{source}: day {d + 1}, room {room!r}, event #{n + 1}"
                schedule.events.append(_event(event, _str(room), where))
    return schedule
