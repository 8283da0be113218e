"""Marks files: one timestamp per line (ISO or `YYYY-MM-DD HH:MM:SS`), CSV, voctomix logs.

Formats, line by line (blank lines and `#` comments are skipped everywhere):
- a timestamp, alone or as the first cell of a CSV line: `2026-02-01 10:31:12`,
  `2026-02-01T10:31:12.5+01:00`; a header line without digits is skipped;
- voctomix's cut list: its control-server script `generate-cut-list.py` prints
  `2026-02-01/10_31_12` (`%Y-%m-%d/%H_%M_%S`) for every cut, the file Veyepar reads;
- in a `.log` file, also log lines that start with a timestamp: those saying "cut" are
  marks, the others are other log messages and are skipped.
Any other line is an error naming the line: a file is never read as "0 marks" because its
format was not recognised. Times outside 1970..2199 (`0001-01-01T00:00:00+14:00`) are
errors too, before any zone conversion could overflow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from veyedesk.ingest.records import ScheduleError, decode_text, in_range, out_of_range

_STAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,6}))?(Z|[+-]\d{2}:?\d{2})?"
)
# voctomix generate-cut-list.py: strftime("%Y-%m-%d/%H_%M_%S")
_CUT_LIST = re.compile(r"(\d{4}-\d{2}-\d{2})/(\d{2})_(\d{2})_(\d{2})")
_CUT = re.compile(r"\bcut\b", re.IGNORECASE)
_EXPECTED = (
    "expected e.g. 2026-02-01 10:31:12, 2026-02-01T10:31:12+01:00 or voctomix's 2026-02-01/10_31_12"
)


class MarksError(ScheduleError):
    """A marks file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class MarkRecord:
    """A click: wall clock (naive) or an aware time to convert to the venue's clock."""

    click: datetime
    line: int


def _iso(match: re.Match[str]) -> datetime | None:
    day, clock, frac, zone = match.groups()
    text = f"{day}T{clock}"
    if frac:
        text += "." + frac.ljust(6, "0")
    if zone:
        text += "+00:00" if zone == "Z" else zone
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _cut_list(match: re.Match[str]) -> datetime | None:
    day, h, m, s = match.groups()
    try:
        return datetime.fromisoformat(f"{day}T{h}:{m}:{s}")
    except ValueError:
        return None


def _click(cell: str) -> tuple[bool, datetime | None]:
    """(looks like a timestamp, the time or None when its fields are impossible)."""
    for pattern, read in ((_STAMP, _iso), (_CUT_LIST, _cut_list)):
        match = pattern.fullmatch(cell)
        if match:
            return True, read(match)
    return False, None


def _log_line(line: str) -> tuple[bool, datetime | None]:
    """A voctocore log line: (starts with a timestamp, its time when it says "cut")."""
    match = _STAMP.match(line)
    if not match:
        return False, None
    return True, (_iso(match) if _CUT.search(line, match.end()) else None)


def parse_marks(data: bytes, source: str) -> list[MarkRecord]:
    """Timestamps from a marks file (see the module doc for the formats)."""
    try:
        text = decode_text(data, source)
    except ScheduleError as exc:
        raise MarksError(str(exc)) from None
    is_log = source.lower().endswith(".log")
    marks: list[MarkRecord] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        # A log line's timestamp has a comma (`10:31:12,250`): do not split it as CSV.
        first_cell = stripped if is_log else re.split(r"[,;\t]", stripped, maxsplit=1)[0].strip()
        known, click = _click(first_cell)
        if not known and is_log:
            known, click = _log_line(stripped)
            if known and click is None and not _CUT.search(stripped):
                continue  # another voctocore message: not a cut
        if not known:
            if number == 1 and not any(ch.isdigit() for ch in first_cell):
                continue  # a header such as "click" or "time"
            raise MarksError(
                f"{source}: line {number}: {first_cell[:40]!r} is not a timestamp ({_EXPECTED})"
            )
        if click is None:
            raise MarksError(f"{source}: line {number}: {first_cell[:40]!r} is not a real time")
        if not in_range(click):
            raise MarksError(f"{source}: line {number}: {out_of_range('time', click)}")
        marks.append(MarkRecord(click, number))
    if not marks:
        raise MarksError(f"{source}: no marks found ({_EXPECTED}, one per line)")
    return marks
