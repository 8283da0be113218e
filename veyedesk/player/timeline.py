"""One playback timeline across raw files: position <-> (raw file, offset) <-> wall clock.

The raw files are joined end to end in wall-clock order (mpv's `edl://` plays them as one
file), so a timeline position is the sum of the lengths of the files before it plus the
offset into the current one. Gaps between recordings exist in wall-clock time only.

A source may be a local piece of a raw file (an assets folder's segment or proxy) whose
time 0 is `media_offset` seconds into the raw file: offsets in and out of the timeline are
always raw-file offsets (what cuts store), positions are the local file's.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from veyedesk.model.cuts import fps_or_default
from veyedesk.model.timecode import DEFAULT_FPS, frame_of, seconds_of


@dataclass(frozen=True)
class Source:
    """A raw file as the player needs it."""

    raw_file_id: int
    path: Path
    start: datetime | None  # wall clock of the raw file's start
    duration: float  # seconds of the file at `path`
    fps: float = DEFAULT_FPS
    media_offset: float = 0.0  # raw-file seconds at the file's time 0 (a local piece)

    @property
    def intra_only(self) -> bool:
        """DV: every frame a keyframe (exact seeks are cheap; interlaced)."""
        return self.path.suffix.lower() == ".dv"


@dataclass(frozen=True)
class Segment:
    """A source placed on the timeline at `at` seconds."""

    source: Source
    at: float

    @property
    def end(self) -> float:
        return self.at + self.source.duration

    @property
    def raw_file_id(self) -> int:
        return self.source.raw_file_id


@dataclass(frozen=True)
class Location:
    """Where a timeline position falls: which raw file, how far in, and when that was."""

    segment: Segment
    offset: float  # seconds into the raw file

    @property
    def raw_file_id(self) -> int:
        return self.segment.raw_file_id

    @property
    def wall(self) -> datetime | None:
        start = self.segment.source.start
        return None if start is None else start + timedelta(seconds=self.offset)


def _edl_entry(source: Source) -> str:
    # `%N%` length-prefixes the path so commas, semicolons and spaces in names are safe; the
    # explicit length pins mpv's timeline to the durations our mapping uses.
    path = str(source.path)
    return f"%{len(path.encode())}%{path},0,{source.duration:.6f}"


class Timeline:
    """Raw files end to end in wall-clock order (files without a start keep their given order)."""

    def __init__(self, sources: Sequence[Source]) -> None:
        ordered = sorted(
            (s for s in sources if s.duration > 0),
            key=lambda s: (s.start is None, s.start or datetime.min),
        )
        self.segments: list[Segment] = []
        at = 0.0
        for source in ordered:
            self.segments.append(Segment(source, at))
            at += source.duration
        self.duration = at
        self._starts = [seg.at for seg in self.segments]

    @property
    def interlaced(self) -> bool:
        """True when any file is DV (interlaced; the preview deinterlaces it)."""
        return any(seg.source.intra_only for seg in self.segments)

    def __bool__(self) -> bool:
        return bool(self.segments)

    def edl(self) -> str:
        """The `edl://` URL that makes mpv play every file as one."""
        return "edl://" + ";".join(_edl_entry(seg.source) for seg in self.segments)

    def segment_of(self, raw_file_id: int) -> Segment | None:
        for seg in self.segments:
            if seg.raw_file_id == raw_file_id:
                return seg
        return None

    def to_timeline(self, raw_file_id: int, offset: float) -> float | None:
        """Timeline seconds of `offset` into the raw file; None if the file is not on it."""
        seg = self.segment_of(raw_file_id)
        if seg is None:
            return None
        local = offset - seg.source.media_offset
        return seg.at + min(max(local, 0.0), seg.source.duration)

    def locate(self, position: float) -> Location | None:
        """The raw file and offset at a timeline position (a boundary belongs to the later file)."""
        if not self.segments:
            return None
        position = min(max(position, 0.0), self.duration)
        # Positions a hair before a boundary (float noise from mpv) belong to the next file.
        index = bisect.bisect_right(self._starts, position + 1e-6) - 1
        index = min(max(index, 0), len(self.segments) - 1)
        seg = self.segments[index]
        return Location(seg, max(0.0, position - seg.at) + seg.source.media_offset)

    def wall_at(self, position: float) -> datetime | None:
        loc = self.locate(position)
        return None if loc is None else loc.wall

    def at_wall(self, moment: datetime) -> float | None:
        """Timeline seconds of a wall-clock moment; in a gap, the start of the next file."""
        best: float | None = None
        for seg in self.segments:
            start = seg.source.start
            if start is None:
                continue
            offset = (moment - start).total_seconds() - seg.source.media_offset
            if 0 <= offset <= seg.source.duration:
                return seg.at + offset
            if offset < 0 and best is None:
                best = seg.at
        return best if best is not None else (self.duration if self.segments else None)

    def frame_position(self, position: float) -> float:
        """Snap a timeline position to the start of the frame shown there (its file's grid)."""
        loc = self.locate(position)
        if loc is None:
            return 0.0
        source = loc.segment.source
        snapped = seconds_of(frame_of(loc.offset, source.fps), source.fps)
        return loc.segment.at + max(0.0, snapped - source.media_offset)

    def fps_at(self, position: float) -> float:
        loc = self.locate(position)
        return fps_or_default(loc.segment.source.fps if loc else None)

    def boundaries(self) -> list[float]:
        """Timeline seconds where one file ends and the next begins (and both ends)."""
        return [*self._starts, self.duration] if self.segments else []
