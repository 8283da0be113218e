"""Veyepar's published episode JSON (`<show>.json`), so a Veyepar show can move over.

A list of objects with id, state (Veyepar's state number), location, sequence, name, slug,
authors, emails, description, start, duration, released, license, tags, conf_key,
conf_url, host_url, public_url and comment; Django's dumpdata form (`fields` nested under
`pk`) is read too. Talks without a conf_key are keyed `veyepar:<id>`.

veyedesk's own export (`veyedesk export`) adds what a round trip must not lose: subtitle,
language, `utc_offset_min` (the start stays venue wall clock), sub-second starts and
durations, the talk's other columns, its `cuts`, `edited_fields` and `conf_meta` (the
schedule's ids and the values its last import wrote). Those come back as the record's
`Restore`, applied when the import creates the talk.

State numbers are Veyepar's own (`STATES` in its models: borked=0, edit=1 ... done=13),
written out here rather than derived from our state table, so a change on our side can
never shift what a number means in a file Veyepar or its tools read.
"""

from __future__ import annotations

from typing import Any

from veyedesk.ingest.records import (
    RESTORED_COLUMNS,
    CutRecord,
    EventRecord,
    Restore,
    Schedule,
    ScheduleError,
    parse_duration,
    parse_when,
    shown,
)
from veyedesk.ingest.schedule_json import load_json
from veyedesk.model.states import CHANNELCOPY
from veyedesk.model.timecode import TimecodeError, parse_decimal

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

_VEYEPAR_TEXT = ("subtitle", "authors", "emails", "language", "license", "tags")
# Kept exactly as written (a description may end in a line break the editor typed).
_VEYEPAR_MULTILINE = ("description", "comment")
_VEYEPAR_URLS = ("conf_url", "host_url", "public_url")
# Restored columns that are not text, with the one type each may have.
_COLUMN_TYPES: dict[str, type] = {"av_offset_ms": int, "stop": bool}


def _text(value: Any, *, strip: bool = True) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):  # some exports give tags as a list
        return ", ".join(str(v) for v in value)
    return str(value).strip() if strip else str(value)


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
        given_offset = fields.get("utc_offset_min")
        if offset is None and start is not None and isinstance(given_offset, int):
            if isinstance(given_offset, bool) or not -18 * 60 <= given_offset <= 18 * 60:
                raise ScheduleError(f"{where}: utc_offset_min {given_offset} is not a UTC offset")
            offset = given_offset
        duration_text = _text(fields.get("duration"))
        released = fields.get("released")
        sequence = fields.get("sequence")
        record = EventRecord(
            conf_key=_text(fields.get("conf_key")) or f"veyepar:{ident or n + 1}",
            name=name,
            room=room_name,
            start=start,
            utc_offset_min=offset,
            duration=_duration(duration_text, where) if duration_text else None,
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
        for key in _VEYEPAR_MULTILINE:
            setattr(record, key, _text(fields.get(key), strip=False))
        record.restore = _restore(fields, where)
        conf_meta = fields.get("conf_meta")
        if isinstance(conf_meta, dict) and isinstance(conf_meta.get("schedule"), dict):
            record.meta = conf_meta["schedule"]  # the schedule's own ids, guid, persons...
        schedule.events.append(record)
    return schedule


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _duration(text: str, where: str) -> float:
    # veyedesk writes `H:MM:SS.fff` for a duration of a fraction of a second; Veyepar never does.
    if ":" in text and "." in text:
        try:
            seconds = parse_decimal(text)
        except TimecodeError as exc:
            raise ScheduleError(f"{where}: duration: {exc}") from None
        return parse_duration(repr(seconds), where)  # the same range check as every format
    return parse_duration(text, where)


def _restore(fields: dict[str, Any], where: str) -> Restore:
    restore = Restore(slug=_text(fields.get("slug")) or "", uuid=_text(fields.get("uuid")) or "")
    for key in RESTORED_COLUMNS:
        if key not in fields or fields[key] is None:
            continue
        value = fields[key]
        kind = _COLUMN_TYPES.get(key, str)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ScheduleError(
                f"{where}: {key} is {shown(str(value))}, not {kind.__name__}; fix or remove it"
            )
        restore.columns[key] = value
    copy = restore.columns.get("channelcopy")
    if copy and copy not in CHANNELCOPY:
        raise ScheduleError(
            f"{where}: channelcopy {shown(copy)} is not one of {', '.join(CHANNELCOPY)} "
            "(or blank); fix or remove it"
        )
    edited = fields.get("edited_fields")
    if edited is not None:
        if not isinstance(edited, list) or not all(isinstance(f, str) for f in edited):
            raise ScheduleError(f"{where}: edited_fields must be a list of field names")
        restore.edited_fields = list(edited)
    conf_meta = fields.get("conf_meta")
    if isinstance(conf_meta, dict) and isinstance(conf_meta.get("imported"), dict):
        restore.imported = dict(conf_meta["imported"])
    cuts = fields.get("cuts")
    if cuts is not None:
        if not isinstance(cuts, list):
            raise ScheduleError(f"{where}: cuts must be a list")
        restore.cuts = [_cut(c, f"{where}, cut #{n + 1}") for n, c in enumerate(cuts)]
    return restore


def _offset(value: Any, name: str, where: str) -> float | None:
    if value is None or value == "":
        return None  # blank = the file's start or end, as Veyepar stores it
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = parse_decimal(value)
        except TimecodeError as exc:
            raise ScheduleError(f"{where}: {name}: {exc}") from None
    else:
        raise ScheduleError(f"{where}: {name} is not HH:MM:SS.ss")
    if not 0 <= seconds <= 7 * 86400:
        raise ScheduleError(f"{where}: {name} {shown(str(value))} is not inside a raw file")
    return seconds


def _number(value: Any, name: str, where: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not value >= 0:
        raise ScheduleError(f"{where}: {name} {shown(str(value))} is not a number of seconds")
    return float(value)


def _cut(item: Any, where: str) -> CutRecord:
    if not isinstance(item, dict):
        raise ScheduleError(f"{where}: not an object")
    raw_file, room = _text(item.get("raw_file")) or "", _text(item.get("room")) or ""
    if not raw_file or not room:
        raise ScheduleError(f"{where}: a cut needs its raw_file and room")
    start = _offset(item.get("start"), "start", where)
    end = _offset(item.get("end"), "end", where)
    if start is not None and end is not None and end < start:
        raise ScheduleError(f"{where}: end is before start; fix the cut")
    raw_start_text = _text(item.get("raw_start"))
    sequence = item.get("sequence", 1)
    return CutRecord(
        room=room,
        raw_file=raw_file,
        start=start,
        end=end,
        apply=item.get("apply") is not False,
        sequence=sequence if _is_int(sequence) else 1,
        edited=item.get("edited") is True,
        comment=_text(item.get("comment"), strip=False) or "",
        raw_start=parse_when(raw_start_text, where)[0] if raw_start_text else None,
        raw_duration=_number(item.get("raw_duration"), "raw_duration", where),
        raw_fps=_number(item.get("raw_fps"), "raw_fps", where),
    )
