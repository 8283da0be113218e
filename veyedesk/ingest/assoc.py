"""Which parts of which raw files make up a talk: the initial cut list (pure).

Veyepar's rule: every raw file of the talk's room that overlaps the window from 15 minutes
before the scheduled start to 15 minutes after the scheduled end gets a cut. The cut's
offsets are clipped to the scheduled slot, so applying the cuts as they are already gives
roughly the talk; a file that only touches the margins gets a whole-file cut that is not
applied, so the editor sees it and can use it when the talk ran early or late.

Marks (wall-clock "cut here" clicks) inside the window refine this: the mark nearest the
scheduled start becomes the in point, the mark nearest the scheduled end (after it) the
out point, and marks in between split the cuts there.
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
) -> list[CutPlan]:
    """The initial cuts of a talk scheduled [start, end) over `raws` (any order)."""
    lo, hi = start - margin, end + margin
    window_marks = sorted(m for m in marks if lo <= m <= hi)
    cut_in, cut_out, splits = in_and_out(start, end, window_marks)
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
