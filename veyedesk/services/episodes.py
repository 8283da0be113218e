"""Episodes: create, select (Veyepar's --client/--show/--room/ID flags), list, a room-day's talks.

Changing an episode's state is services.editing.change_state (one path for every front end).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from veyedesk.model import Cut, Episode, Location, ReleaseHold, Show, State
from veyedesk.model.pipeline import HoldReason
from veyedesk.model.slug import unique_slug
from veyedesk.services.catalog import get_room, get_show, require_room_of
from veyedesk.services.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class Selection:
    """Which episodes a processing command works on, as Veyepar's scripts select them."""

    client: str
    show: str
    room: str | None = None
    episode_ids: Sequence[int] = field(default_factory=tuple)
    state: str | None = None
    force: bool = False


def applied_cuts(episode: Episode, purpose: str = "") -> list[Cut]:
    """The episode's applied cuts in order; InvalidInput naming the talk when there are none.

    `purpose` ends the first clause (", so no chapters").
    """
    cuts = episode.applied_cuts()
    if not cuts:
        raise InvalidInput(
            f"episode {episode.id} ({episode.slug}) has no applied cuts{purpose}; run "
            "`veyedesk assoc` or set its cuts in the editor first"
        )
    return cuts


def get_state(session: Session, slug: str) -> State:
    """The state with this slug (e.g. `edit`, `review 1`)."""
    state = session.scalar(select(State).where(State.slug == slug))
    if state is None:
        known = ", ".join(session.scalars(select(State.slug).order_by(State.sequence)))
        raise NotFound(f"no state {slug!r}; states are: {known}")
    return state


def get_episode(session: Session, episode_id: int) -> Episode:
    """The episode with this id."""
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise NotFound(f"no episode with id {episode_id}; `veyedesk episodes` lists them")
    return episode


def add_episode(
    session: Session, show: Show, name: str, *, room: Location | None = None, **fields: Any
) -> Episode:
    """Create an episode with a slug unique in its show, in state `edit` unless told."""
    taken = set(session.scalars(select(Episode.slug).where(Episode.show_id == show.id)))
    taken |= {e.slug for e in session.new if isinstance(e, Episode) and e.show is show}
    if room is not None:
        require_room_of(show, room)
    fields.setdefault("state", get_state(session, "edit"))
    episode = Episode(show=show, location=room, name=name, slug=unique_slug(name, taken), **fields)
    session.add(episode)
    return episode


def select_episodes(session: Session, selection: Selection) -> list[Episode]:
    """The episodes a selection names, in room then time order."""
    show = get_show(session, selection.client, selection.show)
    stmt = (
        select(Episode)
        .where(Episode.show_id == show.id)
        .options(
            selectinload(Episode.location),
            selectinload(Episode.state),
            selectinload(Episode.cuts).selectinload(Cut.raw_file),
        )
        .outerjoin(Location, Episode.location_id == Location.id)
        .order_by(Location.sequence, Episode.start, Episode.sequence, Episode.id)
    )
    if selection.room:
        stmt = stmt.where(Episode.location_id == get_room(session, show, selection.room).id)
    if selection.state:
        stmt = stmt.where(Episode.state_id == get_state(session, selection.state).id)
    if selection.episode_ids:
        stmt = stmt.where(Episode.id.in_(selection.episode_ids))
    episodes = list(session.scalars(stmt))
    if selection.episode_ids:
        missing = set(selection.episode_ids) - {e.id for e in episodes}
        if missing:
            ids = ", ".join(str(i) for i in sorted(missing))
            raise NotFound(f"episode(s) {ids} are not in show {selection.show!r} with that filter")
    return episodes


def episode_summary(episode: Episode) -> dict[str, Any]:
    """The fields `episodes --json` prints (and exports build on)."""
    start = episode.start_with_offset()
    return {
        "id": episode.id,
        "name": episode.name,
        "slug": episode.slug,
        "room": episode.location.slug if episode.location else None,
        "start": start.isoformat() if start else None,
        "duration": episode.duration,
        "authors": episode.authors,
        "emails": episode.emails,
        "state": episode.state.slug if episode.state else None,
        "released": episode.released,
        "locked_by": episode.locked_by or None,
        "conf_key": episode.conf_key,
        "cuts_time": episode.cuts_time(),
    }


@dataclass(frozen=True)
class EpisodeRow:
    """Plain data for one line of the episode list (safe to hand across threads)."""

    id: int
    start: datetime | None
    room: str
    name: str
    authors: str
    state: str
    state_sequence: int
    locked_by: str
    duration: float | None
    cuts_time: float
    released: bool | None
    # Why a release hold keeps it before a public state ("" when none): jobs.pipeline.
    hold: str = ""

    @classmethod
    def of(cls, e: Episode, hold: str = "") -> EpisodeRow:
        """The list line of a loaded episode (location, state and cuts loaded with it)."""
        return cls(
            id=e.id,
            start=e.start,
            room=e.location.name if e.location else "",
            name=e.name,
            authors=e.authors,
            state=e.state.slug if e.state else "",
            state_sequence=e.state.sequence if e.state else 0,
            locked_by=e.locked_by,
            duration=e.duration,
            cuts_time=e.cuts_time(),
            released=e.released,
            hold=hold,
        )


@dataclass(frozen=True)
class ShowRef:
    """A show as the show picker lists it."""

    id: int
    client: str
    slug: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.client} / {self.name}"


def list_shows(session: Session) -> list[ShowRef]:
    """Every active show, newest first within each client."""
    from veyedesk.model import Client

    stmt = (
        select(Show.id, Client.slug, Show.slug, Show.name)
        .join(Client, Show.client_id == Client.id)
        .where(Show.active.is_(True))
        .order_by(Client.slug, Show.sequence, Show.id.desc())
    )
    return [ShowRef(*row) for row in session.execute(stmt)]


def episode_rows(session: Session, show_id: int) -> list[EpisodeRow]:
    """All episodes of a show as list rows, in room then time order."""
    stmt = (
        select(Episode)
        .where(Episode.show_id == show_id)
        .options(
            selectinload(Episode.location),
            selectinload(Episode.state),
            selectinload(Episode.cuts).selectinload(Cut.raw_file),
        )
    )
    holds = release_holds(session, show_id)
    rows = [EpisodeRow.of(e, holds.get(e.id, "")) for e in session.scalars(stmt)]
    rows.sort(key=lambda r: (r.start or datetime.min, r.room, r.id))
    return rows


def release_holds(session: Session, show_id: int, episode_id: int | None = None) -> dict[int, str]:
    """Why each held talk of the show waits before a public state, by episode id."""
    stmt = (
        select(ReleaseHold.episode_id, ReleaseHold.reason, State.slug)
        .join(Episode, Episode.id == ReleaseHold.episode_id)
        .join(State, State.id == ReleaseHold.state_id)
        .where(Episode.show_id == show_id)
    )
    if episode_id is not None:
        stmt = stmt.where(ReleaseHold.episode_id == episode_id)
    return {
        eid: f"{HoldReason(reason).describe()} (before {before})"
        for eid, reason, before in session.execute(stmt)
    }


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Venue wall-clock midnight of `day` and of the next day (a datetime counts as its day)."""
    start = datetime(day.year, day.month, day.day)
    return start, start + timedelta(days=1)


def talks_of_room_day(session: Session, show_id: int, room_id: int, day: date) -> list[Episode]:
    """The show's talks scheduled in the room on `day`, in time order.

    The show is checked too: an episode of another show never points to this room.
    """
    lo, hi = day_bounds(day)
    return list(
        session.scalars(
            select(Episode)
            .where(
                Episode.show_id == show_id,
                Episode.location_id == room_id,
                Episode.start >= lo,
                Episode.start < hi,
            )
            .order_by(Episode.start, Episode.sequence, Episode.id)
        )
    )
