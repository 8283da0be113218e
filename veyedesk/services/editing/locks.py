"""Episode locks: who is editing a talk, so two editors never trim the same one unawares.

A lock is `Episode.locked` (when) + `Episode.locked_by` (the identity's name). Taking one is
a single conditional UPDATE, so two editors racing for the same episode cannot both win, on
SQLite or PostgreSQL. Locks older than `Settings.lock_stale_minutes` are stale (a laptop
that crashed or went home): any editor may take those over; a fresh lock held by someone
else only an admin may take over. Every take-over leaves a Log row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from veyedesk.model import Episode, Log
from veyedesk.model.kinds import LogKind
from veyedesk.services.episodes import get_episode
from veyedesk.services.errors import Conflict, PermissionDenied
from veyedesk.services.identity import Identity


@dataclass(frozen=True)
class LockState:
    """Who holds an episode's lock, since when, and whether it is stale."""

    episode_id: int
    holder: str
    since: datetime | None
    stale: bool

    @property
    def free(self) -> bool:
        return not self.holder

    def held_by(self, name: str) -> bool:
        return self.holder == name

    def describe(self) -> str:
        if self.free:
            return "not locked"
        when = self.since.strftime("%a %d %b %H:%M") if self.since else "an unknown time"
        laptop = venue_laptop(self.holder)
        what = f"checked out to laptop {laptop}" if laptop else f"locked by {self.holder}"
        return f"{what} since {when}{' (stale)' if self.stale else ''}"


# A venue copy's locks carry `venue:<machine>:<who>:<copy id>` as their holder, so every
# front end can say "checked out to laptop X" and the copy's sync finds its own locks.
VENUE_HOLDER_PREFIX = "venue:"


def venue_holder(machine: str, who: str, copy_uuid: str) -> str:
    """The `locked_by` text of a venue copy's locks (unique per copy)."""
    return f"{VENUE_HOLDER_PREFIX}{machine}:{who}:{copy_uuid[:8]}"[:200]


def venue_laptop(holder: str) -> str:
    """`machine (who)` when `holder` is a venue copy's lock, else empty."""
    if not holder.startswith(VENUE_HOLDER_PREFIX):
        return ""
    machine, _, rest = holder[len(VENUE_HOLDER_PREFIX) :].partition(":")
    who = rest.rpartition(":")[0]
    return f"{machine} ({who})" if who else machine


class LockHeld(Conflict):
    """Someone else holds the episode's lock; `state` says who and since when."""

    def __init__(self, state: LockState) -> None:
        if state.stale:
            hint = "it is stale: take it over if they are gone"
        elif venue_laptop(state.holder):
            hint = "it is released when that laptop syncs, or an admin can take it over"
        else:
            hint = "ask them to close it, or an admin can take it over"
        super().__init__(f"episode {state.episode_id} is {state.describe()}; {hint}")
        self.state = state


def _now(session: Session) -> datetime:
    """Now as the database sees it (naive wall clock, like every time the editor shows).

    Every machine compares lock ages against the same clock: a laptop whose clock is an
    hour off must neither see fresh locks as stale nor keep its own fresh forever.
    """
    if session.get_bind().dialect.name == "postgresql":
        now = cast(datetime, session.scalar(select(func.localtimestamp())))
        return now.replace(microsecond=0)
    return datetime.now().replace(microsecond=0)  # SQLite lives on this machine


def lock_state(session: Session, episode_id: int, stale_minutes: int) -> LockState:
    """The current lock of an episode, read fresh from the database."""
    episode = get_episode(session, episode_id)
    session.refresh(episode, ["locked", "locked_by"])
    stale = bool(
        episode.locked_by
        and (
            episode.locked is None
            or episode.locked < _now(session) - timedelta(minutes=max(stale_minutes, 0))
        )
    )
    return LockState(episode_id, episode.locked_by, episode.locked, stale)


def take_lock(
    session: Session, episode_id: int, identity: Identity, stale_minutes: int
) -> LockState:
    """Lock the episode for `identity` (renewing its own lock); LockHeld if someone else has it.

    A stale lock is not taken silently: that is `take_over`, which asks and logs.
    """
    identity.require("edit")
    now = _now(session)
    result = session.execute(
        update(Episode)
        .where(
            Episode.id == episode_id,
            or_(Episode.locked_by == "", Episode.locked_by == identity.name),
        )
        .values(locked=now, locked_by=identity.name)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return LockState(episode_id, identity.name, now, False)
    state = lock_state(session, episode_id, stale_minutes)
    raise LockHeld(state)


def take_over(
    session: Session, episode_id: int, identity: Identity, stale_minutes: int
) -> LockState:
    """Take someone else's lock (after the user confirmed); recorded in the episode's Log.

    Fresh locks need an admin; stale ones any editor may take.
    """
    identity.require("edit")
    before = lock_state(session, episode_id, stale_minutes)
    if before.free or before.held_by(identity.name):
        return take_lock(session, episode_id, identity, stale_minutes)
    if not before.stale and not identity.can("take_lock"):
        raise PermissionDenied(
            f"episode {episode_id} is {before.describe()}; only an admin may take over a "
            f"lock that is not stale (older than {stale_minutes} minutes)"
        )
    now = _now(session)
    result = session.execute(
        update(Episode)
        .where(Episode.id == episode_id, Episode.locked_by == before.holder)
        .values(locked=now, locked_by=identity.name)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        # The holder released or someone else took it in between: report what is there now.
        raise LockHeld(lock_state(session, episode_id, stale_minutes))
    episode = get_episode(session, episode_id)
    session.add(
        Log(
            episode_id=episode_id,
            state_id=episode.state_id,
            ready=now,
            start=now,
            end=now,
            user=identity.name,
            kind=LogKind.LOCK,
            result=f"took over the lock from {before.holder} "
            f"(held since {before.since:%Y-%m-%d %H:%M})"
            if before.since
            else f"took over the lock from {before.holder}",
        )
    )
    session.flush()
    return LockState(episode_id, identity.name, now, False)


def release_lock(session: Session, episode_id: int, identity: Identity) -> bool:
    """Drop the lock if `identity` holds it; False when it was not theirs (nothing changed)."""
    result = session.execute(
        update(Episode)
        .where(Episode.id == episode_id, Episode.locked_by == identity.name)
        .values(locked=None, locked_by="")
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def take_venue_locks(session: Session, episode_ids: list[int], holder: str) -> list[int]:
    """Lock the episodes for a venue copy where they are free (or its own); the ids locked.

    Locks held by someone else stay theirs: the copy still gets the talk, and its sync
    merges field by field, so a lock here is a courtesy to others, never a requirement.
    """
    now = _now(session)
    locked: list[int] = []
    for start in range(0, len(episode_ids), 900):
        batch = episode_ids[start : start + 900]
        session.execute(
            update(Episode)
            .where(
                Episode.id.in_(batch),
                or_(Episode.locked_by == "", Episode.locked_by == holder),
            )
            .values(locked=now, locked_by=holder)
            .execution_options(synchronize_session=False)
        )
        locked += session.scalars(
            select(Episode.id).where(Episode.id.in_(batch), Episode.locked_by == holder)
        ).all()
    return sorted(locked)


def release_venue_locks(session: Session, holder: str, *, renew: bool = False) -> int:
    """Drop (or, with `renew`, refresh) every lock a venue copy holds; how many."""
    values = {"locked": _now(session)} if renew else {"locked": None, "locked_by": ""}
    result = session.execute(
        update(Episode)
        .where(Episode.locked_by == holder)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


class HeldElsewhere(Conflict):
    """A move or encode of a talk that someone else holds (a lock or a venue checkout)."""

    def __init__(self, state: LockState, doing: str) -> None:
        if venue_laptop(state.holder):
            why = "its edits come back when that laptop syncs, and would be judged again"
        else:
            why = "they may be changing its cuts or state right now"
        super().__init__(
            f"episode {state.episode_id} is {state.describe()}: refusing to {doing} it "
            f"({why}); ask them to close it, or add --force to {doing} it anyway (recorded "
            "in the talk's log)"
        )
        self.state = state


def check_not_held(
    session: Session,
    episode_id: int,
    who: Identity,
    stale_minutes: int,
    *,
    doing: str,
    force: bool = False,
    action: str = "edit",
) -> LockState | None:
    """Refuse to act on a talk another editor or a venue copy holds; `force` goes past.

    The one rule for front ends that change a talk without opening it (`veyedesk state
    set`, `veyedesk encode`): a talk locked by someone else, or checked out to a laptop
    (its lock names the copy), is theirs, even when the lock is stale (the message says
    so). With `force` the action goes on and a Log row of kind LOCK says who forced past
    whose lock; the lock itself is left to its holder. Returns the lock forced past, if
    any. `doing` is the action's verb for the messages ("move", "encode"); `action` the
    permission it needs, checked first.
    """
    who.require(action)
    state = lock_state(session, episode_id, stale_minutes)
    if state.free or state.held_by(who.name):
        return None
    if not force:
        raise HeldElsewhere(state, doing)
    episode = get_episode(session, episode_id)
    now = _now(session)
    session.add(
        Log(
            episode_id=episode_id,
            state_id=episode.state_id,
            ready=now,
            start=now,
            end=now,
            user=who.name,
            kind=LogKind.LOCK,
            result=f"{who.name} forced past the lock of {state.holder} to {doing} it "
            f"(--force; {state.describe()})",
        )
    )
    session.flush()
    return state
