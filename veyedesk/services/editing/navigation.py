"""Next / previous episode, in Veyepar's order: a room's talks in time order, then the next room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.model import Episode, Location, State
from veyedesk.services.episodes import get_episode


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


def neighbour(
    session: Session, episode_id: int, step: int, only_state: str | None = None
) -> Neighbour | None:
    """The episode `step` places away (+1 next, -1 previous), or None at the end.

    With `only_state` (e.g. "edit") episodes in other states are skipped.
    """
    episode = get_episode(session, episode_id)
    order = show_order(session, episode.show_id)
    ids = [n.id for n in order]
    at = ids.index(episode_id)
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
