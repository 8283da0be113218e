"""Import marks ("cut here" clicks) for a room, de-duplicated on (room, time)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.ingest.marks import MarksError, parse_marks
from veyedesk.ingest.records import to_wall_clock
from veyedesk.model import Location, Mark, Show
from veyedesk.services.errors import InvalidInput


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
    try:
        records = parse_marks(data, source)
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
        session.add(Mark(show_id=show.id, location_id=room.id, click=click, source=source))
        added += 1
    session.flush()
    return MarksResult(added=added, duplicates=duplicates, source=source)
