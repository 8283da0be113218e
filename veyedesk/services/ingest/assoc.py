"""Associate raw files with talks: create each episode's initial cuts (Veyepar's assocdv).

Re-running adds cuts only for raw files the episode has no cut of yet, never changes a cut
an editor has edited, and never re-adds a cut an editor deleted (its tombstone says so).
The one exception is a talk nobody has edited (no edited cut, no deleted one) that has
"talk starts"/"talk ends" marks: its cuts are planned again so the marks set its in and
out points, even when the marks arrived (a venue sync, a late import) after the first run.
Raw files that failed to probe, are trashed or missing are left out. Selection: the show,
optionally one room and episode ids.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from veyedesk.ingest.assoc import (
    MARGIN,
    CutPlan,
    RawSpan,
    Slot,
    overlapping,
    plan_cuts,
    typed_points,
)
from veyedesk.model import Cut, CutTombstone, Episode, Mark, RawFile
from veyedesk.model.kinds import MarkKind
from veyedesk.services.episodes import Selection, select_episodes


@dataclass
class AssocResult:
    """Cuts added per episode, and the episodes that found no raw file."""

    added: dict[int, int] = field(default_factory=dict)  # episode id -> cuts added
    # Unedited episodes whose cuts start/end marks changed: episode id -> cuts changed
    retimed: dict[int, int] = field(default_factory=dict)
    no_raw: list[Episode] = field(default_factory=list)
    unscheduled: list[Episode] = field(default_factory=list)
    episodes: int = 0

    def lines(self) -> list[str]:
        out = [f"episode {eid}: {n} cut(s) added" for eid, n in sorted(self.added.items())]
        out += [
            f"episode {eid}: in/out set from start/end marks ({n} cut(s) changed)"
            for eid, n in sorted(self.retimed.items())
        ]
        out += [f"episode {e.id} ({e.slug}): no raw file in its window" for e in self.no_raw]
        out += [
            f"episode {e.id} ({e.slug}): no room, start or duration; not associated"
            for e in self.unscheduled
        ]
        out.append(
            f"{sum(self.added.values())} cuts added to {len(self.added)} of "
            f"{self.episodes} episodes; {len(self.no_raw)} without raw files"
        )
        return out


@dataclass
class _Room:
    raws: list[RawSpan]
    starts: list[datetime]
    longest: float
    marks: list[datetime]  # cut marks
    starts_marked: list[datetime] = field(default_factory=list)
    ends_marked: list[datetime] = field(default_factory=list)


def _rooms(session: Session, show_id: int) -> tuple[dict[int, _Room], dict[int, RawFile]]:
    usable = select(RawFile).where(
        RawFile.show_id == show_id,
        RawFile.probe_error == "",
        RawFile.trash.is_(False),
        RawFile.missing.is_(False),
        RawFile.start.is_not(None),
        RawFile.duration.is_not(None),
    )
    by_id: dict[int, RawFile] = {}
    spans: dict[int, list[RawSpan]] = defaultdict(list)
    for raw in session.scalars(usable):
        assert raw.start is not None and raw.duration is not None  # filtered in SQL
        by_id[raw.id] = raw
        spans[raw.location_id].append(RawSpan(raw.id, raw.start, raw.duration))
    marks: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    for location_id, click, kind in session.execute(
        select(Mark.location_id, Mark.click, Mark.kind).where(Mark.show_id == show_id)
    ):
        marks[location_id, kind].append(click)
    rooms = {}
    for location_id in set(spans) | {room for room, _kind in marks}:
        raws = sorted(spans.get(location_id, []), key=lambda r: r.start)
        rooms[location_id] = _Room(
            raws=raws,
            starts=[r.start for r in raws],
            longest=max((r.duration for r in raws), default=0.0),
            marks=sorted(marks.get((location_id, MarkKind.CUT), [])),
            starts_marked=sorted(marks.get((location_id, MarkKind.START), [])),
            ends_marked=sorted(marks.get((location_id, MarkKind.END), [])),
        )
    return rooms, by_id


def _resequence(episode: Episode) -> None:
    # Cuts play in wall-clock order; an editor's own ordering (any edited cut) is kept and
    # new cuts go after it.
    if any(c.edited for c in episode.cuts):
        top = max((c.sequence for c in episode.cuts if c.id is not None), default=0)
        for cut in episode.cuts:
            if cut.id is None:
                top += 1
                cut.sequence = top
        return
    ordered = sorted(
        episode.cuts,
        key=lambda c: (c.raw_file.start or datetime.min, c.start or 0.0, c.id or 0),
    )
    for n, cut in enumerate(ordered, 1):
        cut.sequence = n


def _fields(plan: CutPlan) -> dict[str, Any]:
    return {
        "start": plan.start,
        "end": plan.end,
        "apply": plan.apply,
        "comment": "" if plan.apply else "outside the scheduled slot",
    }


def _row(episode_id: int, sequence: int, plan: CutPlan) -> dict[str, Any]:
    return {
        "episode_id": episode_id,
        "raw_file_id": plan.raw_id,
        "sequence": sequence,
        "edited": False,
        **_fields(plan),
    }


def _typed_points(
    session: Session, show_id: int, rooms: dict[int, _Room]
) -> dict[int, tuple[datetime | None, datetime | None]]:
    # Every scheduled talk of a marked room takes part, selected or not: a start mark goes
    # to the talk it is nearest, which may be one the selection left out.
    marked = [rid for rid, room in rooms.items() if room.starts_marked or room.ends_marked]
    if not marked:
        return {}
    slots: dict[int, list[Slot]] = defaultdict(list)
    for episode_id, location_id, start, end in session.execute(
        select(Episode.id, Episode.location_id, Episode.start, Episode.end).where(
            Episode.show_id == show_id,
            Episode.location_id.in_(marked),
            Episode.start.is_not(None),
        )
    ):
        assert location_id is not None and start is not None  # filtered in SQL
        slots[location_id].append(Slot(episode_id, start, end or start))
    points: dict[int, tuple[datetime | None, datetime | None]] = {}
    for location_id, room_slots in slots.items():
        room = rooms[location_id]
        points.update(typed_points(room_slots, room.starts_marked, room.ends_marked))
    return points


def _replan(episode: Episode, plans: list[CutPlan], raw_by_id: dict[int, RawFile]) -> int:
    """Make an unedited episode's cuts the plan's, changing rows in place; count changes.

    Cuts keep their rows (and UUIDs, which a venue sync knows them by) where the raw file
    stays the same; extra plans add cuts, leftover cuts go (assoc made them, nobody edited
    them, so no tombstone).
    """
    current = sorted(episode.cuts, key=lambda c: (c.sequence, c.id or 0))
    by_raw: dict[int, list[Cut]] = defaultdict(list)
    for cut in current:
        by_raw[cut.raw_file_id].append(cut)
    changed = 0
    for sequence, plan in enumerate(plans, 1):
        fields = _fields(plan)
        reuse = by_raw.get(plan.raw_id)
        if reuse:
            cut = reuse.pop(0)
            if any(getattr(cut, k) != v for k, v in fields.items()) or cut.sequence != sequence:
                changed += 1
                for key, value in fields.items():
                    setattr(cut, key, value)
        else:
            changed += 1
            cut = Cut(raw_file=raw_by_id[plan.raw_id], **fields)
            episode.cuts.append(cut)
        cut.sequence = sequence
    for leftover in (c for cuts in by_raw.values() for c in cuts):
        changed += 1
        episode.cuts.remove(leftover)
    return changed


def associate(session: Session, selection: Selection) -> AssocResult:
    """Create initial cuts for the selected episodes from the show's raw files and marks."""
    episodes = select_episodes(session, selection)
    result = AssocResult(episodes=len(episodes))
    if not episodes:
        return result
    rooms, raw_by_id = _rooms(session, episodes[0].show_id)
    # Raw files whose cuts an editor deleted: association never brings those back.
    deleted: dict[int, set[int]] = defaultdict(set)
    for episode_id, raw_id in session.execute(
        select(CutTombstone.episode_id, CutTombstone.raw_file_id).where(
            CutTombstone.episode_id.in_([e.id for e in episodes])
        )
    ):
        deleted[episode_id].add(raw_id)
    points = _typed_points(session, episodes[0].show_id, rooms)
    fresh: list[dict[str, Any]] = []
    touched: list[Episode] = []
    for episode in episodes:
        if episode.location_id is None or episode.start is None or episode.duration is None:
            result.unscheduled.append(episode)
            continue
        end = episode.end or episode.start
        room = rooms.get(episode.location_id)
        cut_in, cut_out = points.get(episode.id, (None, None))
        lo, hi = episode.start - MARGIN, end + MARGIN
        if cut_in is not None:
            # A talk that started late may run past its slot's margin.
            lo, hi = min(lo, cut_in), max(hi, cut_in + (end - episode.start))
        if cut_out is not None:
            hi = max(hi, cut_out)
        candidates = overlapping(room.raws, room.starts, room.longest, lo, hi) if room else []
        plans = plan_cuts(
            episode.start,
            end,
            candidates,
            room.marks if room else (),
            in_point=cut_in,
            out_point=cut_out,
        )
        if not plans:
            if not episode.cuts:
                result.no_raw.append(episode)
            continue
        if (
            episode.id in points
            and episode.cuts
            and not deleted[episode.id]
            and not any(c.edited for c in episode.cuts)
        ):
            changed = _replan(episode, plans, raw_by_id)
            if changed:
                result.retimed[episode.id] = changed
            continue
        have = {c.raw_file_id for c in episode.cuts} | deleted[episode.id]
        new = [p for p in plans if p.raw_id not in have]
        if not new:
            continue
        result.added[episode.id] = len(new)
        if not episode.cuts:
            # The common first run: plans are already in wall-clock order, so the rows go
            # in as one multi-row INSERT (the ORM's per-object work was 4/5 of the time).
            fresh += [_row(episode.id, n, plan) for n, plan in enumerate(new, 1)]
            touched.append(episode)
            continue
        for plan in new:
            episode.cuts.append(Cut(raw_file=raw_by_id[plan.raw_id], **_fields(plan)))
        _resequence(episode)
    if fresh:
        # render_nulls keeps every row the same shape, so they go as one batch.
        session.execute(insert(Cut).execution_options(render_nulls=True), fresh)
        for episode in touched:
            session.expire(episode, ["cuts"])
    session.flush()
    return result
