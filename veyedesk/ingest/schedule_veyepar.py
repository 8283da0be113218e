"""Veyepar's published episode JSON (`<show>.json`), so a Veyepar show can move over.

A list of objects with id, state (Veyepar's state number), location, sequence, name, slug,
authors, emails, description, start, duration, released, license, tags, conf_key,
conf_url, host_url, public_url and comment; Django's dumpdata form (`fields` nested under
`pk`) is read too. Talks without a conf_key are keyed `veyepar:<id>`.

State numbers are Veyepar's own (`STATES` in its models: borked=0, edit=1 ... done=13),
written out here rather than derived from our state table, so a change on our side can
never shift what a number means in a file Veyepar or its tools read.
"""

from __future__ import annotations

from typing import Any

from veyedesk.ingest.records import (
    EventRecord,
    Schedule,
    ScheduleError,
    parse_duration,
    parse_when,
)
from veyedesk.ingest.schedule_json import load_json

# Veyepar's STATES, index = the number it stores and publishes.
VEYEPAR_STATES: tuple[str, ...] = (
    "borked",  # 0
    "edit",  # 1
    "encode",  # 2
    "push to queue",  # 3
    "post",  # 4
    "richard",  # 5
    "review 1",  # 6
    "email",  # 7
    "review 2",  # 8
    "make public",  # 9
    "tweet",  # 10
    "to-miror",  # 11
    "conf",  # 12
    "done",  # 13
)

_VEYEPAR_TEXT = ("authors", "emails", "description", "license", "tags", "comment")
_VEYEPAR_URLS = ("conf_url", "host_url", "public_url")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):  # some exports give tags as a list
        return ", ".join(str(v) for v in value)
    return str(value).strip()


def veyepar_state_number(slug: str) -> int | None:
    """Veyepar's number for a state slug (`edit` -> 1); None for a state Veyepar lacks."""
    try:
        return VEYEPAR_STATES.index(slug)
    except ValueError:
        return None


def _state(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < len(VEYEPAR_STATES):
            return VEYEPAR_STATES[value]
        raise ScheduleError(
            f"{where}: state {value} is not a Veyepar state number "
            f"(0 borked ... {len(VEYEPAR_STATES) - 1} done); fix it or leave it out"
        )
    if isinstance(value, str) and value in VEYEPAR_STATES:
        return value
    return None


def parse_veyepar_json(data: bytes, source: str) -> Schedule:
    """Parse the `<show>.json` list of episodes Veyepar publishes."""
    doc = load_json(data, source)
    if isinstance(doc, dict) and isinstance(doc.get("episodes"), list):
        doc = doc["episodes"]
    if not isinstance(doc, list):
        raise ScheduleError(f"{source}: expected a list of Veyepar episodes")
    schedule = Schedule(source=source, format="veyepar-json")
    for n, item in enumerate(doc):
        where = f"{source}: episode #{n + 1}"
        if not isinstance(item, dict):
            raise ScheduleError(f"{where}: not an object")
        # Django's dumpdata form nests the fields; the published form is flat.
        nested = item.get("fields")
        fields: dict[str, Any] = nested if isinstance(nested, dict) else item
        ident = _text(item.get("id") or item.get("pk")) or ""
        where = f"{source}: episode {ident or '#' + str(n + 1)}"
        name = _text(fields.get("name")) or ""
        if not name:
            raise ScheduleError(f"{where}: no name")
        room = fields.get("location")
        room_name = _text(room.get("name") if isinstance(room, dict) else room) or ""
        if not room_name:
            raise ScheduleError(f"{where}: no location (room)")
        start_text = _text(fields.get("start"))
        start, offset = parse_when(start_text, where) if start_text else (None, None)
        duration_text = _text(fields.get("duration"))
        released = fields.get("released")
        sequence = fields.get("sequence")
        record = EventRecord(
            conf_key=_text(fields.get("conf_key")) or f"veyepar:{ident or n + 1}",
            name=name,
            room=room_name,
            start=start,
            utc_offset_min=offset,
            duration=parse_duration(duration_text, where) if duration_text else None,
            released=released if isinstance(released, bool) else None,
            state=_state(fields.get("state"), where),
            sequence=sequence
            if isinstance(sequence, int) and not isinstance(sequence, bool)
            else None,
            meta={
                k: v
                for k, v in {"veyepar_id": ident, "slug": _text(fields.get("slug"))}.items()
                if v
            },
            where=where,
        )
        for key in _VEYEPAR_TEXT + _VEYEPAR_URLS:
            setattr(record, key, _text(fields.get(key)))
        schedule.events.append(record)
    return schedule
