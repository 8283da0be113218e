"""Read any supported schedule file: pick the format, parse, check keys are unique."""

from __future__ import annotations

from collections.abc import Callable

from veyedesk.ingest.records import Schedule, ScheduleError, clean_record
from veyedesk.ingest.schedule_csv import parse_csv
from veyedesk.ingest.schedule_frab import parse_frab_xml
from veyedesk.ingest.schedule_json import parse_frab_json
from veyedesk.ingest.schedule_veyepar import parse_veyepar_json

PARSERS: dict[str, Callable[[bytes, str], Schedule]] = {
    "frab-xml": parse_frab_xml,
    "frab-json": parse_frab_json,
    "csv": parse_csv,
    "veyepar-json": parse_veyepar_json,
}
FORMATS = ("auto", *PARSERS)


def detect_format(data: bytes, source: str) -> str:
    """Guess the format from the first bytes (and the file name when the bytes say little)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "frab-xml"
    if head.startswith(b"{"):
        return "frab-json"
    if head.startswith(b"["):
        return "veyepar-json"
    lower = source.lower()
    if lower.endswith(".xml"):
        return "frab-xml"
    if lower.endswith(".json"):
        return "frab-json"
    if lower.endswith((".csv", ".tsv", ".txt")) or b"," in head or b";" in head:
        return "csv"
    raise ScheduleError(
        f"{source}: cannot tell the schedule format; give --format ({', '.join(PARSERS)})"
    )


def read_schedule(data: bytes, source: str, fmt: str = "auto") -> Schedule:
    """Parse schedule bytes; ScheduleError names the file and the line or event.

    Every format's records pass `clean_record` here, the one import boundary: no control
    characters, no time or duration that could overflow.
    """
    if fmt == "auto":
        fmt = detect_format(data, source)
    parser = PARSERS.get(fmt)
    if parser is None:
        raise ScheduleError(f"unknown schedule format {fmt!r}; use one of {', '.join(FORMATS)}")
    schedule = parser(data, source)
    seen: dict[str, str] = {}
    for event in schedule.events:
        clean_record(event)
        if event.conf_key in seen:
            raise ScheduleError(
                f"{event.where}: event key {event.conf_key!r} is used twice "
                f"(first at {seen[event.conf_key]}); keys must be unique"
            )
        seen[event.conf_key] = event.where
    return schedule
