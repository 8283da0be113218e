"""CSV schedules for shows with no conference system (one talk per row, header first)."""

from __future__ import annotations

import csv
import io
from typing import Any

from veyedesk.ingest.records import (
    EventRecord,
    Schedule,
    ScheduleError,
    decode_text,
    parse_duration,
    parse_when,
)
from veyedesk.model.slug import slugify

CSV_COLUMNS = ("name", "room", "start", "duration", "authors", "emails", "description", "conf_key")
CSV_REQUIRED = ("name", "room", "start")


def parse_csv(data: bytes, source: str) -> Schedule:
    """Parse a CSV with a header row (name, room, start, duration, authors, emails, ...).

    `start` is ISO 8601 or `YYYY-MM-DD HH:MM[:SS]`; `duration` is seconds or HH:MM[:SS].
    A row without conf_key is keyed by its name, so re-importing still finds it.
    """
    text = decode_text(data, source)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ScheduleError(f"{source}: line 1: {exc}") from None
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise ScheduleError(
            f"{source}: line 1: the header lacks column(s) {', '.join(missing)}; "
            f"expected {', '.join(CSV_COLUMNS)}"
        )
    reader.fieldnames = header
    schedule = Schedule(source=source, format="csv")
    try:
        for row in reader:
            where = f"{source}: line {reader.line_num}"
            values = {k: (v or "").strip() for k, v in row.items() if isinstance(v, str) and k}
            if not any(values.values()):
                continue
            for column in CSV_REQUIRED:
                if not values.get(column):
                    raise ScheduleError(f"{where}: the {column} column is empty")
            start, offset = parse_when(values["start"], where)
            duration = values.get("duration")
            schedule.events.append(
                EventRecord(
                    conf_key=values.get("conf_key") or f"name:{slugify(values['name'])}",
                    name=values["name"],
                    room=values["room"],
                    start=start,
                    utc_offset_min=offset,
                    duration=parse_duration(duration, where) if duration else None,
                    authors=values.get("authors"),
                    emails=values.get("emails"),
                    description=values.get("description"),
                    where=where,
                )
            )
    except csv.Error as exc:
        raise ScheduleError(f"{source}: line {reader.line_num}: broken CSV ({exc})") from None
    return schedule
