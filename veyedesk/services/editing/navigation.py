"""Next / previous episode: the episode list's talks as shown, room by room; else Veyepar's
order (a room's talks in time order, then the next room).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.model import Episode, Location, State
from veyedesk.services.episodes import EpisodeRow, get_episode


@dataclass(frozen=True)
class Neighbour:
    """The episode Next or Previous would open."""

    id: int
    name: str
    room: str
    start: datetime | None
    state: str

    @property
    def label(self) -> str:
        when = self.start.strftime("%H:%M") if self.start else "unscheduled"
        return f"{self.room} {when}: {self.name}" if self.room else f"{when}: {self.name}"


# What next and previous step through: the show's order, or the episode list's rows.
Listed = TypeVar("Listed", Neighbour, EpisodeRow)


def show_order(session: Session, show_id: int) -> list[Neighbour]:
    """Every episode of a show in editing order: room by room (room sequence), then by time."""
    stmt = (
        select(
            Episode.id,
            Episode.name,
            Location.name,
            Episode.start,
            State.slug,
            Location.sequence,
            Location.id,
            Episode.sequence,
        )
        .outerjoin(Location, Episode.location_id == Location.id)
        .outerjoin(State, Episode.state_id == State.id)
        .where(Episode.show_id == show_id)
    )
    rows = list(session.execute(stmt))
    # Episodes without a room or a start go last within their group (None sorts after).
    rows.sort(
        key=lambda r: (
            r[5] is None,
            r[5] or 0,
            r[6] or 0,
            r[3] is None,
            r[3] or datetime.min,
            r[7],
            r[0],
        )
    )
    return [Neighbour(r[0], r[1], r[2] or "", r[3], r[4] or "") for r in rows]


def listed_order(rows: Sequence[EpisodeRow]) -> list[EpisodeRow]:
    """The talks of the episode list as shown (its filters and sort), room by room.

    Each room keeps the list's order; rooms follow in the order they first appear. An
    editor trimming a room stays in that room's recordings even when the list shows every
    room sorted by time, and a search, a state filter or a sort by name still decides
    which talk comes next.
    """
    rooms: dict[str, list[EpisodeRow]] = {}
    for r in rows:
        rooms.setdefault(r.room, []).append(r)
    return [r for talks in rooms.values() for r in talks]


def listed_neighbour(
    order: Sequence[EpisodeRow], episode_id: int, step: int, only_state: str | None = None
) -> Neighbour | None:
    """`step_in` over the list's rows (`listed_order`), as a Neighbour."""
    found = step_in(order, episode_id, step, only_state)
    return (
        None
        if found is None
        else Neighbour(found.id, found.name, found.room, found.start, found.state)
    )


def step_in(
    order: Sequence[Listed], episode_id: int, step: int, only_state: str | None = None
) -> Listed | None:
    """The episode `step` places from `episode_id` in `order` (+1 next, -1 previous), or None
    at either end or when it is not in `order`. With `only_state` (e.g. "edit") episodes in
    other states are skipped."""
    at = next((n for n, e in enumerate(order) if e.id == episode_id), None)
    if at is None:
        return None
    direction = 1 if step >= 0 else -1
    remaining = abs(step) or 1
    i = at
    while True:
        i += direction
        if not 0 <= i < len(order):
            return None
        if only_state is not None and order[i].state != only_state:
            continue
        remaining -= 1
        if remaining == 0:
            return order[i]


def neighbour(
    session: Session, episode_id: int, step: int, only_state: str | None = None
) -> Neighbour | None:
    """The episode `step` places away in the show's editing order (`show_order`)."""
    episode = get_episode(session, episode_id)
    return step_in(show_order(session, episode.show_id), episode_id, step, only_state)
