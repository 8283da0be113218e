"""Associate raw files with talks: create each episode's initial cuts (Veyepar's assocdv).

Re-running adds cuts only for raw files the episode has no cut of yet, never changes a cut
an editor has edited, and never re-adds a cut an editor deleted (its tombstone says so).
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

from veyedesk.ingest.assoc import MARGIN, CutPlan, RawSpan, overlapping, plan_cuts
from veyedesk.model import Cut, CutTombstone, Episode, Mark, RawFile
from veyedesk.services.episodes import Selection, select_episodes


@dataclass
class AssocResult:
    """Cuts added per episode, and the episodes that found no raw file."""

    added: dict[int, int] = field(default_factory=dict)  # episode id -> cuts added
    no_raw: list[Episode] = field(default_factory=list)
    unscheduled: list[Episode] = field(default_factory=list)
    episodes: int = 0

    def lines(self) -> list[str]:
        out = [f"episode {eid}: {n} cut(s) added" for eid, n in sorted(self.added.items())]
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
    marks: list[datetime]


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
    marks: dict[int, list[datetime]] = defaultdict(list)
    for location_id, click in session.execute(
        select(Mark.location_id, Mark.click).where(Mark.show_id == show_id)
    ):
        marks[location_id].append(click)
    rooms = {}
    for location_id in set(spans) | set(marks):
        raws = sorted(spans.get(location_id, []), key=lambda r: r.start)
        rooms[location_id] = _Room(
            raws=raws,
            starts=[r.start for r in raws],
            longest=max((r.duration for r in raws), default=0.0),
            marks=sorted(marks.get(location_id, [])),
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
    fresh: list[dict[str, Any]] = []
    touched: list[Episode] = []
    for episode in episodes:
        if episode.location_id is None or episode.start is None or episode.duration is None:
            result.unscheduled.append(episode)
            continue
        end = episode.end or episode.start
        room = rooms.get(episode.location_id)
        candidates = (
            overlapping(room.raws, room.starts, room.longest, episode.start - MARGIN, end + MARGIN)
            if room
            else []
        )
        plans = plan_cuts(episode.start, end, candidates, room.marks if room else ())
        if not plans:
            if not episode.cuts:
                result.no_raw.append(episode)
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
