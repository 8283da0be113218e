"""Which parts of which raw files make up a talk: the initial cut list (pure).

Veyepar's rule: every raw file of the talk's room that overlaps the window from 15 minutes
before the scheduled start to 15 minutes after the scheduled end gets a cut. The cut's
offsets are clipped to the scheduled slot, so applying the cuts as they are already gives
roughly the talk; a file that only touches the margins gets a whole-file cut that is not
applied, so the editor sees it and can use it when the talk ran early or late.

Marks (wall-clock "cut here" clicks) inside the window refine this: the mark nearest the
scheduled start becomes the in point, the mark nearest the scheduled end (after it) the
out point, and marks in between split the cuts there.

Typed marks from the Mark window say more: a "talk starts" mark is the in point of the
talk whose scheduled start it is nearest (among the room's talks it could belong to:
from `margin` before a talk's start up to its end), a "talk ends" mark the out point of
the talk whose scheduled end it is nearest (from its start up to `margin` after its end).
They win over what cut marks suggest; cut marks inside the talk still split it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

MARGIN = timedelta(minutes=15)
# Offsets within this of a file's edge are stored as blank (= the file's start/end).
EDGE = 0.001


@dataclass(frozen=True)
class RawSpan:
    """A usable raw file of one room: id, wall-clock start and duration (seconds)."""

    id: int
    start: datetime
    duration: float

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration)


@dataclass(frozen=True)
class CutPlan:
    """A cut to create: offsets in seconds from the raw file's start (None = file edge)."""

    raw_id: int
    start: float | None
    end: float | None
    apply: bool


def in_and_out(
    start: datetime, end: datetime, marks: Sequence[datetime]
) -> tuple[datetime, datetime, list[datetime]]:
    """In point, out point and split points of a talk, from its slot and the marks in its window."""
    if not marks:
        return start, end, []
    if len(marks) == 1:
        (only,) = marks
        if abs(only - start) <= abs(only - end):
            return only, max(end, only), []
        return start, only, []
    first = min(marks, key=lambda m: abs(m - start))
    later = [m for m in marks if m > first]
    last = min(later, key=lambda m: abs(m - end)) if later else max(end, first)
    return first, last, [m for m in marks if first < m < last]


@dataclass(frozen=True)
class Slot:
    """A scheduled talk of one room: its key (episode id), start and end."""

    key: int
    start: datetime
    end: datetime


def typed_points(
    slots: Sequence[Slot],
    start_marks: Sequence[datetime],
    end_marks: Sequence[datetime],
    margin: timedelta = MARGIN,
) -> dict[int, tuple[datetime | None, datetime | None]]:
    """In and out points set by "talk starts" / "talk ends" marks, by talk key.

    Each mark belongs to at most one talk (the one it is nearest among those it may
    belong to), so a missed start mark never makes a talk take its neighbour's; when a
    talk has several, the one nearest its scheduled time counts.
    """
    ins: dict[int, list[datetime]] = {}
    outs: dict[int, list[datetime]] = {}
    for mark in start_marks:
        near = [s for s in slots if s.start - margin <= mark < s.end]
        if near:
            best = min(near, key=lambda s: (abs(mark - s.start), s.key))
            ins.setdefault(best.key, []).append(mark)
    for mark in end_marks:
        near = [s for s in slots if s.start < mark <= s.end + margin]
        if near:
            best = min(near, key=lambda s: (abs(mark - s.end), s.key))
            outs.setdefault(best.key, []).append(mark)
    points: dict[int, tuple[datetime | None, datetime | None]] = {}
    for slot in slots:
        cut_in = min(ins[slot.key], key=lambda m: abs(m - slot.start)) if slot.key in ins else None
        cut_out = min(outs[slot.key], key=lambda m: abs(m - slot.end)) if slot.key in outs else None
        if cut_in is not None or cut_out is not None:
            points[slot.key] = (cut_in, cut_out)
    return points


def overlapping(
    raws: Sequence[RawSpan], starts: Sequence[datetime], longest: float, lo: datetime, hi: datetime
) -> list[RawSpan]:
    """The raws (sorted by start, `starts` their starts) overlapping [lo, hi)."""
    first = bisect_left(starts, lo - timedelta(seconds=longest))
    last = bisect_left(starts, hi)
    return [r for r in raws[first:last] if r.end > lo]


def _offset(moment: datetime, raw: RawSpan, *, at_end: bool) -> float | None:
    seconds = (moment - raw.start).total_seconds()
    if not at_end and seconds <= EDGE:
        return None
    if at_end and seconds >= raw.duration - EDGE:
        return None
    return round(seconds, 6)


def plan_cuts(
    start: datetime,
    end: datetime,
    raws: Sequence[RawSpan],
    marks: Sequence[datetime] = (),
    margin: timedelta = MARGIN,
    in_point: datetime | None = None,
    out_point: datetime | None = None,
) -> list[CutPlan]:
    """The initial cuts of a talk scheduled [start, end) over `raws` (any order).

    `marks` are cut marks; `in_point`/`out_point` come from start/end marks
    (`typed_points`) and win over what the cut marks suggest.
    """
    lo, hi = start - margin, end + margin
    window_marks = sorted(m for m in marks if lo <= m <= hi)
    cut_in, cut_out, splits = in_and_out(start, end, window_marks)
    if in_point is not None or out_point is not None:
        cut_in = in_point if in_point is not None else cut_in
        cut_out = out_point if out_point is not None else cut_out
        if cut_out <= cut_in:
            # A talk that started after its scheduled end (and has no end mark yet):
            # assume it ran its scheduled length rather than plan an empty talk.
            cut_out = cut_in + (end - start)
        splits = [m for m in window_marks if cut_in < m < cut_out]
        lo, hi = min(lo, cut_in), max(hi, cut_out)
    plans: list[CutPlan] = []
    for raw in sorted((r for r in raws if r.start < hi and r.end > lo), key=lambda r: r.start):
        seg_in, seg_out = max(cut_in, raw.start), min(cut_out, raw.end)
        if seg_in >= seg_out:
            plans.append(CutPlan(raw.id, None, None, apply=False))
            continue
        points = [seg_in, *(m for m in splits if seg_in < m < seg_out), seg_out]
        for a, b in pairwise(points):
            plans.append(
                CutPlan(raw.id, _offset(a, raw, at_end=False), _offset(b, raw, at_end=True), True)
            )
    return plans
