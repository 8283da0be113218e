"""Live marking in a room: record, move, re-kind, annotate, delete and restore marks.

The Mark window (and anything else marking by hand) calls these, one transaction per
press: the caller commits right after each call, so a press survives a crash of the
laptop a second later. Every change returns what it replaced, so a front end can undo it;
a deleted mark comes back with the same UUID (a venue sync matches marks by UUID).

Times: `click` is venue wall clock as the *recorder* sees it, because that is the clock
the raw files are named by. The marking machine's clock is often off from the recorder's;
"align with the recorder" measures `offset = recorder - machine` once and every later mark
is stored as machine clock + offset, with the offset kept on the row.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veyedesk.ingest.limits import column_limits
from veyedesk.ingest.records import to_wall_clock
from veyedesk.model import Episode, Location, Mark, Show
from veyedesk.model.base import new_uuid
from veyedesk.model.kinds import MarkKind
from veyedesk.model.text import plain_text
from veyedesk.services.catalog import get_room, get_show
from veyedesk.services.episodes import day_bounds, talks_of_room_day
from veyedesk.services.errors import InvalidInput, NotFound
from veyedesk.services.identity import Identity

LIVE_SOURCE = "mark window"
# Two presses never share a time in a room (the (room, click) key that de-duplicates
# imported files); a second press within the same millisecond moves on by one.
STEP = timedelta(milliseconds=1)
# Lost races for one millisecond before a press gives up (each needs another machine's
# press landing in the same millisecond of the same room).
TAKEN_RETRIES = 3


@dataclass(frozen=True)
class MarkRow:
    """One mark as front ends see it (no ORM object leaves the service)."""

    uuid: str
    show_id: int
    room_id: int
    click: datetime
    kind: MarkKind
    note: str
    who: str
    machine: str
    clock_offset_s: float
    source: str


class MarkTime(datetime):
    """A mark's time that also says its kind, for views that take plain datetimes.

    The editor hands marks around as times (snapping, next/previous mark, the timeline);
    carrying the kind on the time lets the timeline draw kinds apart without every layer
    in between learning a new type. Arithmetic on it gives plain datetimes.
    """

    kind: MarkKind = MarkKind.CUT

    @classmethod
    def of(cls, click: datetime, kind: str) -> MarkTime:
        moment = cls.combine(click.date(), click.time())
        moment.kind = MarkKind(kind)
        return moment

    def plain(self) -> datetime:
        """The same moment as a plain datetime."""
        return datetime.combine(self.date(), self.time())

    # A moved time is no longer the mark, so it must not claim the mark's kind.
    def __add__(self, other: timedelta) -> datetime:  # type: ignore[override]
        return self.plain() + other

    __radd__ = __add__  # type: ignore[assignment]

    def __sub__(self, other: Any) -> Any:
        return self.plain() - (other.plain() if isinstance(other, MarkTime) else other)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        # Copies and pickles (thread hand-offs, deep-copied drafts) keep the kind.
        return (MarkTime.of, (self.plain(), self.kind))


@dataclass(frozen=True)
class Talk:
    """A scheduled talk of the room, for the Mark window's "now" and "next" lines."""

    episode_id: int
    name: str
    authors: str
    start: datetime
    end: datetime


def machine_name() -> str:
    """This machine's name as stored on its marks."""
    return plain_text(socket.gethostname()) or "unknown"


def venue_now(show_timezone: str = "") -> datetime:
    """This machine's clock read as venue wall clock (naive), before any recorder offset."""
    return to_wall_clock(datetime.now(UTC), show_timezone)


def ms(moment: datetime) -> datetime:
    """`moment` truncated to whole milliseconds (what both databases keep of a mark)."""
    return moment.replace(microsecond=(moment.microsecond // 1000) * 1000)


def alignment_offset(recorder_shows: time, machine_clock: datetime) -> float:
    """Seconds to add to the machine clock so it reads what the recorder shows.

    The recorder's on-screen clock gives only a time of day: the day is the one that
    puts it nearest the machine's clock, so aligning just after midnight works.
    """
    candidates = [
        datetime.combine(machine_clock.date() + timedelta(days=d), recorder_shows)
        for d in (-1, 0, 1)
    ]
    nearest = min(candidates, key=lambda c: abs((c - machine_clock).total_seconds()))
    return round((nearest - machine_clock).total_seconds(), 3)


def write_marks(
    sessions: Callable[[], Session],
    change: Callable[[Session], object] | None,
    room_id: int,
    day: date,
) -> list[MarkRow]:
    """Run `change(session)` (None: only read) and commit; then the room-day's marks.

    Two machines marking one room can pick the same millisecond between looking for a free
    time and committing: the (room, click) key refuses the second, and the change runs
    again in a fresh transaction, where it finds the next free millisecond.
    """
    for attempt in range(TAKEN_RETRIES + 1):
        with sessions() as session:
            if change is not None:
                try:
                    change(session)
                    session.commit()
                except IntegrityError:
                    if attempt < TAKEN_RETRIES:
                        continue
                    raise
            return day_marks(session, room_id, day)
    raise AssertionError("unreachable: the last attempt returns or raises")


def parse_time_of_day(text: str) -> time:
    """`HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff` as a person types it from a clock."""
    cleaned = text.strip()
    for pattern in ("%H:%M:%S.%f", "%H:%M:%S", "%H:%M"):
        try:
            return datetime.strptime(cleaned, pattern).time()
        except ValueError:
            continue
    raise InvalidInput(f"{plain_text(text)!r} is not a time of day; type it as HH:MM:SS")


def _row(mark: Mark) -> MarkRow:
    return MarkRow(
        uuid=mark.uuid,
        show_id=mark.show_id,
        room_id=mark.location_id,
        click=mark.click,
        kind=MarkKind(mark.kind),
        note=mark.note,
        who=mark.who,
        machine=mark.machine,
        clock_offset_s=mark.clock_offset_s,
        source=mark.source,
    )


def _fit(value: str, column: str) -> str:
    # Notes are Text (no limit); who/machine/source are short columns PostgreSQL enforces.
    return plain_text(value)[: column_limits(Mark).get(column)]


def _room(session: Session, show_id: int, room_id: int) -> Location:
    room = session.scalar(
        select(Location).where(Location.id == room_id, Location.show_id == show_id)
    )
    if room is None:
        raise NotFound(f"room {room_id} is not a room of show {show_id}")
    return room


def _mark(session: Session, uuid: str) -> Mark:
    mark = session.scalar(select(Mark).where(Mark.uuid == uuid))
    if mark is None:
        raise NotFound(f"mark {uuid} does not exist (deleted meanwhile?); refresh the list")
    return mark


def _free_click(session: Session, room_id: int, click: datetime, uuid: str = "") -> datetime:
    click = ms(click)
    taken = set(
        session.scalars(
            select(Mark.click).where(
                Mark.location_id == room_id,
                Mark.click >= click,
                Mark.click < click + STEP * 50,
                Mark.uuid != uuid,
            )
        )
    )
    while click in taken:
        click += STEP
    return click


def mark_at(session: Session, room_id: int, click: datetime) -> bool:
    """True when the room already has a mark at `click` (to the millisecond)."""
    found = session.scalar(
        select(Mark.id).where(Mark.location_id == room_id, Mark.click == ms(click))
    )
    return found is not None


def _kind(kind: str) -> MarkKind:
    try:
        return MarkKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in MarkKind)
        raise InvalidInput(f"mark kind {kind!r} is not one of {kinds}") from None


def record_mark(
    session: Session,
    who: Identity,
    show_id: int,
    room_id: int,
    kind: str,
    machine_clock: datetime,
    *,
    offset_s: float = 0.0,
    note: str = "",
    machine: str | None = None,
    source: str = LIVE_SOURCE,
    uuid: str | None = None,
) -> MarkRow:
    """Store a press made at `machine_clock` (venue wall clock of this machine) in the room.

    The stored time is `machine_clock + offset_s` (the recorder's clock); the caller
    commits at once. A front end may choose the `uuid` itself, so it can undo the press
    before it knows the write finished.
    """
    who.require("edit")
    room = _room(session, show_id, room_id)
    click = _free_click(session, room.id, machine_clock + timedelta(seconds=offset_s))
    mark = Mark(
        uuid=uuid or new_uuid(),
        show_id=show_id,
        location_id=room.id,
        click=click,
        kind=_kind(kind),
        note=_fit(note, "note") if note else "",
        who=_fit(who.name, "who"),
        machine=_fit(machine if machine is not None else machine_name(), "machine"),
        clock_offset_s=offset_s,
        source=_fit(source, "source"),
    )
    session.add(mark)
    session.flush()
    return _row(mark)


def move_mark(session: Session, who: Identity, uuid: str, click: datetime) -> MarkRow:
    """Put the mark at `click` (recorder clock); returns the mark as it was before."""
    who.require("edit")
    mark = _mark(session, uuid)
    before = _row(mark)
    mark.click = _free_click(session, mark.location_id, click, uuid)
    session.flush()
    return before


def nudge_mark(session: Session, who: Identity, uuid: str, by: timedelta) -> MarkRow:
    """Move the mark by `by` from where it is now; returns the mark as it was before.

    Relative, so two quick nudges queued before the list refreshed move it twice.
    """
    who.require("edit")
    mark = _mark(session, uuid)
    before = _row(mark)
    mark.click = _free_click(session, mark.location_id, mark.click + by, uuid)
    session.flush()
    return before


def change_kind(session: Session, who: Identity, uuid: str, kind: str) -> MarkRow:
    """Make the mark a start, end or cut mark; returns the mark as it was before."""
    who.require("edit")
    mark = _mark(session, uuid)
    before = _row(mark)
    mark.kind = _kind(kind)
    session.flush()
    return before


def edit_note(session: Session, who: Identity, uuid: str, note: str) -> MarkRow:
    """Replace the mark's note (plain text); returns the mark as it was before."""
    who.require("edit")
    mark = _mark(session, uuid)
    before = _row(mark)
    mark.note = _fit(note, "note")
    session.flush()
    return before


def delete_mark(session: Session, who: Identity, uuid: str) -> MarkRow:
    """Delete the mark; returns all of it, so `restore_mark` can bring it back."""
    who.require("edit")
    mark = _mark(session, uuid)
    before = _row(mark)
    session.delete(mark)
    session.flush()
    return before


def restore_mark(session: Session, who: Identity, row: MarkRow) -> MarkRow:
    """Put back a deleted mark with its UUID, time, kind, note, who and machine.

    Undoing a delete on one laptop must give the same row a sync already knows, not a
    new one; restoring a mark that exists is a no-op.
    """
    who.require("edit")
    existing = session.scalar(select(Mark).where(Mark.uuid == row.uuid))
    if existing is not None:
        return _row(existing)
    room = _room(session, row.show_id, row.room_id)
    mark = Mark(
        uuid=row.uuid,
        show_id=row.show_id,
        location_id=room.id,
        click=_free_click(session, room.id, row.click),
        kind=row.kind,
        note=row.note,
        who=row.who,
        machine=row.machine,
        clock_offset_s=row.clock_offset_s,
        source=row.source,
    )
    session.add(mark)
    session.flush()
    return _row(mark)


def update_mark(session: Session, who: Identity, row: MarkRow) -> MarkRow:
    """Set the mark's time, kind and note back to `row` (undo of a move/kind/note change)."""
    who.require("edit")
    mark = _mark(session, row.uuid)
    before = _row(mark)
    mark.click = _free_click(session, mark.location_id, row.click, row.uuid)
    mark.kind = row.kind
    mark.note = _fit(row.note, "note")
    session.flush()
    return before


def day_marks(session: Session, room_id: int, day: date) -> list[MarkRow]:
    """The room's marks on `day` (venue wall clock), in time order."""
    lo, hi = day_bounds(day)
    query = (
        select(Mark)
        .where(Mark.location_id == room_id, Mark.click >= lo, Mark.click < hi)
        .order_by(Mark.click)
    )
    return [_row(m) for m in session.scalars(query)]


def last_offset(session: Session, room_id: int, machine: str) -> float | None:
    """The clock offset of this machine's latest mark in the room (None: never marked)."""
    return session.scalar(
        select(Mark.clock_offset_s)
        .where(Mark.location_id == room_id, Mark.machine == machine)
        .order_by(Mark.click.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class RoomInfo:
    """What the Mark window shows about its room: names and the show's time zone."""

    show_id: int
    room_id: int
    client_slug: str
    show_slug: str
    show_name: str
    room_slug: str
    room_name: str
    timezone: str


def find_room(session: Session, client: str, show: str, room: str) -> RoomInfo:
    """The room named by slugs, as in `veyedesk mark --client C --show S --room R`."""
    found = get_show(session, client, show)
    location = get_room(session, found, room)
    return room_info(session, found.id, location.id)


def episode_room(session: Session, episode_id: int) -> RoomInfo:
    """The room of an episode (Go ▸ Mark this room in the editor)."""
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise NotFound(f"episode {episode_id} does not exist")
    if episode.location_id is None:
        raise InvalidInput(f"episode {episode_id} has no room; set its room first")
    return room_info(session, episode.show_id, episode.location_id)


def room_info(session: Session, show_id: int, room_id: int) -> RoomInfo:
    """Names of the show and room by id."""
    location = _room(session, show_id, room_id)
    show = session.get(Show, show_id)
    assert show is not None  # the room's foreign key
    return RoomInfo(
        show_id=show.id,
        room_id=location.id,
        client_slug=show.client.slug,
        show_slug=show.slug,
        show_name=show.name,
        room_slug=location.slug,
        room_name=location.name,
        timezone=show.timezone,
    )


def room_talks(session: Session, show_id: int, room_id: int, day: date) -> list[Talk]:
    """The show's scheduled talks in the room on `day`, in time order."""
    talks = []
    for episode in talks_of_room_day(session, show_id, room_id, day):
        assert episode.start is not None  # filtered in SQL
        talks.append(
            Talk(
                episode_id=episode.id,
                name=plain_text(episode.name),
                authors=plain_text(episode.authors),
                start=episode.start,
                end=episode.end or episode.start,
            )
        )
    return talks


def now_and_next(talks: list[Talk], at: datetime) -> tuple[Talk | None, Talk | None]:
    """The talk running at `at` (None between talks) and the next one to start after `at`."""
    current = next((t for t in talks if t.start <= at < t.end), None)
    upcoming = next((t for t in talks if t.start > at), None)
    return current, upcoming
