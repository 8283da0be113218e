"""Fix a room's recorder clock: change `hours_offset`, move its raw files, re-associate talks.

A raw file's `start` already includes the room's offset when it was scanned, so changing
the offset alone would leave every file where it was. `plan_retime` says what would move
(each raw file's old and new start, and each talk whose cuts would be made again) without
writing anything; `retime_room` does it in the caller's transaction.

Only *unedited* talks get their cuts made again: state `edit`, no cut an editor changed or
deleted, and not open in anyone's editor. Every other talk keeps its cuts (their offsets
are into the files, which do not change) and is listed as kept, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from veyedesk.ingest.assoc import CutPlan, RawSpan, plan_cuts
from veyedesk.model import AuditEntry, Cut, CutTombstone, Episode, Location, Mark, RawFile, Show
from veyedesk.services.catalog import require_room_of, room_label
from veyedesk.services.episodes import Selection
from veyedesk.services.errors import InvalidInput
from veyedesk.services.identity import Identity, require_admin
from veyedesk.services.ingest.assoc import associate

MAX_HOURS = 48  # a recorder a day or two out is plausible; more is a typo


@dataclass(frozen=True)
class RawMove:
    """A raw file's start before and after the new offset."""

    raw_id: int
    filename: str
    old_start: datetime
    new_start: datetime


@dataclass(frozen=True)
class TalkChange:
    """A talk whose cuts would be made again: its first cut's wall time before and after."""

    episode_id: int
    name: str
    old_in: datetime | None
    new_in: datetime | None
    old_cuts: int
    new_cuts: int


@dataclass
class RetimePlan:
    """What changing a room's offset would do (or did)."""

    room: str
    old_offset: int
    new_offset: int
    show: str = ""  # `client/show`: rooms are per show, the preview says which one
    raws: list[RawMove] = field(default_factory=list)
    talks: list[TalkChange] = field(default_factory=list)
    kept: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, why)

    def lines(self) -> list[str]:
        """The preview as text (the CLI prints it; the dialog lists the same rows)."""

        def hm(moment: datetime | None) -> str:
            return f"{moment:%Y-%m-%d %H:%M:%S}" if moment else "—"

        where = f" of show {self.show}" if self.show else ""
        out = [f"room {self.room}{where}: hours_offset {self.old_offset} -> {self.new_offset}"]
        out += [f"  file {m.filename}: {hm(m.old_start)} -> {hm(m.new_start)}" for m in self.raws]
        out += [
            f"  talk {t.episode_id} {t.name}: in {hm(t.old_in)} -> {hm(t.new_in)}, "
            f"{t.old_cuts} -> {t.new_cuts} cut(s)"
            for t in self.talks
        ]
        out += [f"  kept talk {eid} {name}: {why}" for eid, name, why in self.kept]
        out.append(
            f"{len(self.raws)} raw file(s) move, {len(self.talks)} talk(s) re-associated, "
            f"{len(self.kept)} kept as edited"
        )
        return out


def unedited_reason(episode: Episode, tombstoned: set[int]) -> str:
    """Why association must leave this talk's cuts alone; "" when it may make them again."""
    state = episode.state.slug if episode.state else "edit"
    if state != "edit":
        return f"in state {state!r}"
    if episode.locked_by:
        return f"open in {episode.locked_by}'s editor"
    if any(c.edited for c in episode.cuts) or episode.id in tombstoned:
        return "its cuts were edited"
    return ""


def _tombstoned(session: Session, ids: Iterable[int]) -> set[int]:
    ids = list(ids)
    if not ids:
        return set()
    stmt = select(CutTombstone.episode_id).where(CutTombstone.episode_id.in_(ids))
    return set(session.scalars(stmt))


def reassociate(session: Session, show: Show, episodes: list[Episode]) -> dict[int, int]:
    """Drop the cuts of these (unedited) talks and make them again; episode id -> cuts added."""
    ids = [e.id for e in episodes]
    if not ids:
        return {}
    session.execute(delete(Cut).where(Cut.episode_id.in_(ids)))
    for episode in episodes:
        session.expire(episode, ["cuts"])
    session.flush()
    result = associate(session, Selection(show.client.slug, show.slug, episode_ids=tuple(ids)))
    return result.added


def _room_talks(session: Session, show: Show, room: Location) -> list[Episode]:
    stmt = (
        select(Episode)
        .where(Episode.show_id == show.id, Episode.location_id == room.id)
        .options(selectinload(Episode.cuts).selectinload(Cut.raw_file), selectinload(Episode.state))
        .order_by(Episode.start, Episode.id)
    )
    return list(session.scalars(stmt))


def _first_in(cuts: list[Cut]) -> datetime | None:
    walls = [c.wall_start() for c in cuts if c.apply]
    return min((w for w in walls if w is not None), default=None)


def _planned_in(plans: list[CutPlan], spans: dict[int, RawSpan]) -> datetime | None:
    walls = [spans[p.raw_id].start + timedelta(seconds=p.start or 0.0) for p in plans if p.apply]
    return min(walls, default=None)


def plan_retime(session: Session, show: Show, room: Location, new_offset: int) -> RetimePlan:
    """What setting the room's offset to `new_offset` would move; writes nothing."""
    if not -MAX_HOURS <= new_offset <= MAX_HOURS:
        raise InvalidInput(
            f"room {room.slug} hours_offset {new_offset} is out of range; give whole hours "
            f"between -{MAX_HOURS} and {MAX_HOURS}"
        )
    require_room_of(show, room)
    plan = RetimePlan(room.slug, room.hours_offset, new_offset, f"{show.client.slug}/{show.slug}")
    delta = timedelta(hours=new_offset - room.hours_offset)
    raws = list(
        session.scalars(
            select(RawFile)
            .where(RawFile.show_id == show.id, RawFile.location_id == room.id)
            .order_by(RawFile.start, RawFile.filename)
        )
    )
    spans: dict[int, RawSpan] = {}
    for raw in raws:
        if raw.start is None:
            continue
        plan.raws.append(RawMove(raw.id, raw.filename, raw.start, raw.start + delta))
        usable = not (raw.probe_error or raw.trash or raw.missing) and raw.duration is not None
        if usable and raw.duration is not None:
            spans[raw.id] = RawSpan(raw.id, raw.start + delta, raw.duration)
    if not delta:
        plan.raws.clear()
    marks = list(
        session.scalars(
            select(Mark.click).where(Mark.show_id == show.id, Mark.location_id == room.id)
        )
    )
    talks = _room_talks(session, show, room)
    tombstoned = _tombstoned(session, (e.id for e in talks))
    for episode in talks:
        why = unedited_reason(episode, tombstoned)
        if why:
            plan.kept.append((episode.id, episode.name, why))
            continue
        if episode.start is None or episode.duration is None or not delta:
            continue
        end = episode.start + timedelta(seconds=episode.duration)
        plans = plan_cuts(episode.start, end, list(spans.values()), marks)
        plan.talks.append(
            TalkChange(
                episode.id,
                episode.name,
                _first_in(episode.cuts),
                _planned_in(plans, spans),
                len(episode.cuts),
                len(plans),
            )
        )
    return plan


def retime_room(
    session: Session, who: Identity, show: Show, room: Location, new_offset: int
) -> RetimePlan:
    """Set the room's offset, move its raw files in this show and re-associate unedited talks.

    Admins only; audited. Returns the plan that was carried out.
    """
    require_admin(session, who)
    plan = plan_retime(session, show, room, new_offset)
    delta = timedelta(hours=new_offset - room.hours_offset)
    if not delta:
        return plan
    moves = {m.raw_id: m.new_start for m in plan.raws}
    for raw in session.scalars(select(RawFile).where(RawFile.id.in_(list(moves)))):
        raw.start = moves[raw.id]
    room.hours_offset = new_offset
    session.flush()
    redo = [session.get(Episode, t.episode_id) for t in plan.talks]
    reassociate(session, show, [e for e in redo if e is not None])
    session.add(
        AuditEntry(
            show_id=show.id,
            user=who.name,
            action="room retime",
            target=room_label(show, room.slug),
            detail=f"hours_offset {plan.old_offset} -> {new_offset}; {plan.lines()[-1]}",
        )
    )
    session.flush()
    return plan
