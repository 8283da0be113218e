"""Import marks ("cut here" clicks) for a room, de-duplicated on (room, time)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.ingest.limits import column_limits
from veyedesk.ingest.marks import MarksError, parse_marks
from veyedesk.ingest.records import to_wall_clock
from veyedesk.model import Location, Mark, Show
from veyedesk.model.text import plain_text
from veyedesk.services.catalog import require_room_of
from veyedesk.services.errors import InvalidInput


def source_label(source: str) -> str:
    """Where marks came from, as stored: plain text, the end of a path kept when too long.

    The path a user typed is free text (it may hold a newline or an escape sequence), and
    the column is short; the file name at its end is the part worth keeping.
    """
    text = plain_text(source)
    limit = column_limits(Mark)["source"]
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


@dataclass
class MarksResult:
    added: int
    duplicates: int
    source: str

    def lines(self) -> list[str]:
        return [f"{self.source}: {self.added} marks added, {self.duplicates} already known"]


def import_marks(
    session: Session, show: Show, room: Location, data: bytes, source: str
) -> MarksResult:
    """Store the file's marks for `room`; aware times are converted to the venue's clock."""
    require_room_of(show, room)
    label = source_label(source)
    try:
        records = parse_marks(data, label)
    except MarksError as exc:
        raise InvalidInput(str(exc)) from None
    known = set(session.scalars(select(Mark.click).where(Mark.location_id == room.id)))
    added = duplicates = 0
    for record in records:
        # Marks are compared at whole-microsecond precision, as both databases store them.
        click = to_wall_clock(record.click, show.timezone)
        if click in known:
            duplicates += 1
            continue
        known.add(click)
        session.add(Mark(show_id=show.id, location_id=room.id, click=click, source=label))
        added += 1
    session.flush()
    return MarksResult(added=added, duplicates=duplicates, source=label)
