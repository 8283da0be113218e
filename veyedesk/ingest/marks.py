"""Marks files: one timestamp per line (ISO or `YYYY-MM-DD HH:MM:SS`), CSV, voctomix logs.

Plain and CSV files: the first cell of each line that holds a timestamp is a mark; blank
lines, `#` comments and a header line are skipped, anything else is an error naming the
line. Logs (`.log`): only lines that say "cut" count, each dated by its leading timestamp
(voctomix writes `2026-02-01 10:31:12,123 ... cut`); other log lines are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from veyedesk.ingest.records import ScheduleError, decode_text

_STAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,6}))?(Z|[+-]\d{2}:?\d{2})?"
)
_CUT = re.compile(r"\bcut\b", re.IGNORECASE)


class MarksError(ScheduleError):
    """A marks file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class MarkRecord:
    """A click: wall clock (naive) or an aware time to convert to the venue's clock."""

    click: datetime
    line: int


def _parse(match: re.Match[str]) -> datetime | None:
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
        if is_log and not _CUT.search(stripped):
            continue
        first_cell = stripped if is_log else re.split(r"[,;\t]", stripped, maxsplit=1)[0]
        match = _STAMP.search(first_cell) if is_log else _STAMP.fullmatch(first_cell.strip())
        click = _parse(match) if match else None
        if click is None:
            if is_log:
                continue
            if number == 1 and not any(ch.isdigit() for ch in first_cell):
                continue  # a header such as "click" or "time"
            raise MarksError(
                f"{source}: line {number}: {first_cell[:40]!r} is not a timestamp "
                "(expected e.g. 2026-02-01 10:31:12 or 2026-02-01T10:31:12+01:00)"
            )
        marks.append(MarkRecord(click, number))
    return marks
