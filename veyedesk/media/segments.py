"""Stream-copied pieces of raw files: a talk's cuts plus a margin, no re-encode.

An assets folder carries only the parts of the raw files a talk uses. Cut offsets stay
in raw-file seconds (the venue copy's rows are the shared database's), so every piece
records `offset`: the raw-file second at the piece's own time 0. The player and the
encoder add it back (see `veyedesk.media.locator`).

DV is intra-only with fixed-size frames (a DIF frame holds a frame's video, audio and
timecode), so a DV piece is whole frames copied byte for byte: exact to the frame, and
what the recorder wrote. Anything else is remuxed by ffmpeg (`-c copy`) into Matroska
with the raw file's timestamps kept (`-copyts -start_at_zero`); a stream copy of
long-GOP video starts at the keyframe before the wanted start, so the piece's real first
timestamp is probed afterwards rather than assumed.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

from veyedesk.media.probe import PROBE_TIMEOUT, MediaError, tool
from veyedesk.model.paths import UnsafePath
from veyedesk.safe_files import ffmpeg_input, ffprobe_input, new_temp, place_new, refuse_raw

COPY_CHUNK_FRAMES = 64  # DV frames per read/write (9 MB for PAL)
SEEK_BACK = (0.0, 10.0, 30.0, 120.0)  # seconds to seek before a copy's start, in turn
LATE_SLACK = 1e-3  # float noise: the frame showing at the start must be in the piece
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class Span:
    """A stretch of a raw file, in raw-file seconds."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass(frozen=True)
class Piece:
    """A local file standing in for part of a raw file."""

    path: Path
    offset: float  # raw-file seconds at the piece's time 0
    duration: float  # seconds of the piece
    frames: int  # video frames in the piece
    kind: str  # "segment" (stream copy) or "proxy" (small H.264)

    @property
    def raw_end(self) -> float:
        """Raw-file seconds where the piece ends."""
        return self.offset + self.duration

    def covers(self, start: float, end: float, slack: float = 0.0) -> bool:
        """True when raw seconds [start, end] lie in the piece (give or take `slack`)."""
        return start >= self.offset - slack and end <= self.raw_end + slack


def covering_span(cuts: Iterable[tuple[float, float]], margin: float, length: float) -> Span:
    """The one stretch of a raw file that holds every (in, out) of `cuts` ± `margin`.

    Cuts of one raw file are covered by a single piece (two talks far apart in one
    recording take the stretch between them too): one local file per raw file keeps the
    player's timeline and the manifest one-to-one with raw files.
    """
    spans = list(cuts)
    if not spans:
        raise ValueError("no cuts to cover")
    start = max(0.0, min(s for s, _ in spans) - margin)
    end = min(length, max(e for _, e in spans) + margin)
    return Span(start, max(start, end))


def kit_span(
    cuts: Iterable[tuple[float, float]],
    windows: Iterable[tuple[float, float]],
    margin: float,
    length: float,
) -> Span | None:
    """The stretch of a raw file an assets kit copies, or None when it needs none of it.

    `cuts` are the applied cuts on this file (in, out), kept ± `margin`; `windows` are the
    talks' stretches (their applied cuts, else their scheduled slots) already widened by
    the margin, in this file's seconds: a neighbouring file contributes only what of them
    falls inside it, never its unapplied whole-file cuts.
    """
    spans = [covering_span(cut_list, margin, length)] if (cut_list := list(cuts)) else []
    for start, end in windows:
        inside = Span(max(0.0, start), min(length, end))
        if inside.seconds > 0:
            spans.append(inside)
    if not spans:
        return None
    return Span(min(s.start for s in spans), max(s.end for s in spans))


@dataclass(frozen=True)
class VideoTiming:
    """Where a file's video starts and ends, as its packets say (no decoding)."""

    format_start: float  # the file's time 0 for mpv and ffmpeg -ss (earliest stream)
    first: float  # first video packet's pts
    end: float  # last video packet's pts + duration
    frames: int


def _ffprobe_json(args: list[str], path: Path) -> dict[str, Any]:
    try:
        proc = subprocess.run(args, capture_output=True, timeout=PROBE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError(f"{path}: ffprobe took over {PROBE_TIMEOUT:.0f} s") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MediaError(f"{path}: not a readable media file ({lines[-1] if lines else '?'})")
    try:
        data = json.loads(proc.stdout or b"{}")
    except ValueError as exc:
        raise MediaError(f"{path}: ffprobe's report could not be read ({exc})") from None
    return data if isinstance(data, dict) else {}


def _float(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def video_timing(path: Path) -> VideoTiming:
    """First and last video timestamps and the frame count of `path` (reads packets only)."""
    args = [
        tool("ffprobe"), "-v", "error", "-select_streams", "v:0",
        "-show_entries", "format=start_time:packet=pts_time,duration_time",
        "-of", "json", *ffprobe_input(path),
    ]  # fmt: skip
    data = _ffprobe_json(args, path)
    packets = [
        (pts, _float(p.get("duration_time")) or 0.0)
        for p in data.get("packets", [])
        if (pts := _float(p.get("pts_time"))) is not None
    ]
    if not packets:
        raise MediaError(f"{path}: no video frames found; the file may be damaged")
    first = min(pts for pts, _ in packets)
    end = max(pts + dur for pts, dur in packets)
    start = _float(data.get("format", {}).get("start_time"))
    return VideoTiming(first if start is None else start, first, end, len(packets))


@dataclass(frozen=True)
class DvLayout:
    """A raw DV file's frame grid: fixed-size DIF frames from byte 0."""

    frame_bytes: int
    fps: Fraction
    frames: int


def dv_layout(path: Path) -> DvLayout | None:
    """The DIF frame grid of a raw DV stream, or None when it is not one (a DV in AVI/MOV)."""
    args = [
        tool("ffprobe"), "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
        "-show_entries", "format=format_name:stream=codec_name,r_frame_rate:packet=pos,size",
        "-of", "json", *ffprobe_input(path),
    ]  # fmt: skip
    data = _ffprobe_json(args, path)
    streams = data.get("streams") or [{}]
    packets = data.get("packets") or [{}]
    if data.get("format", {}).get("format_name") != "dv":
        return None
    if streams[0].get("codec_name") != "dvvideo" or str(packets[0].get("pos")) != "0":
        return None
    try:
        size = int(packets[0]["size"])
        fps = Fraction(streams[0]["r_frame_rate"])
    except (KeyError, ValueError, ZeroDivisionError):
        return None
    if size <= 0 or fps <= 0:
        return None
    return DvLayout(size, fps, path.stat().st_size // size)


def frame_at(seconds: float, fps: Fraction) -> int:
    """Index of the frame showing at `seconds` (a hair of float noise counts as on the edge)."""
    return max(0, math.floor(Fraction(seconds).limit_denominator(10**9) * fps + Fraction(1, 10**6)))


def _copy_range(
    src: BinaryIO, dst: BinaryIO, at: int, size: int, chunk: int, raw: Path, cancelled: Cancelled
) -> None:
    """Copy `size` bytes from offset `at` of `src` to `dst`, in the kernel where it can."""
    fast = hasattr(os, "copy_file_range")
    src.seek(at)
    while size > 0:
        if cancelled():
            raise SegmentCancelled(f"{raw}: copy stopped")
        n = min(size, chunk)
        done = 0
        if fast:
            try:
                done = os.copy_file_range(src.fileno(), dst.fileno(), n, at)
            except OSError:
                fast = False  # another file system or kernel: copy through Python
                dst.seek(0, os.SEEK_END)
                src.seek(at)
        if not fast:
            data = src.read(n)
            dst.write(data)
            done = len(data)
        if done <= 0:
            raise MediaError(f"{raw}: the file is shorter than it was; was it still recording?")
        at += done
        size -= done


def _copy_dv(raw: Path, layout: DvLayout, span: Span, part: Path, cancelled: Cancelled) -> int:
    first = min(frame_at(span.start, layout.fps), layout.frames)
    last = min(layout.frames, max(first + 1, math.ceil(Fraction(span.end) * layout.fps)))
    with raw.open("rb") as src, part.open("wb") as dst:
        _copy_range(src, dst, first * layout.frame_bytes, (last - first) * layout.frame_bytes,
                    COPY_CHUNK_FRAMES * layout.frame_bytes, raw, cancelled)  # fmt: skip
        dst.flush()
        os.fsync(dst.fileno())
    return first


class SegmentCancelled(MediaError):
    """Making a segment was stopped before it finished."""


def _run(args: list[str], what: Path, cancelled: Cancelled) -> None:
    from veyedesk.media.ffmpeg_pipe import FfmpegPipe

    with FfmpegPipe(args, cancelled=cancelled) as pipe:
        pipe.stdout.read()
        code = pipe.wait()
        if pipe.killed:
            raise SegmentCancelled(f"{what}: stopped")
        if code != 0:
            raise MediaError(f"{what}: ffmpeg failed ({pipe.last_error(f'exit {code}')})")


def copy_command(raw: Path, span: Span, part: Path) -> list[str]:
    """ffmpeg remuxing `span` of `raw` into Matroska with the raw file's timestamps kept."""
    return [
        tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "level+error", "-y",
        "-ss", f"{span.start:.6f}", "-copyts", "-start_at_zero", *ffmpeg_input(raw),
        "-to", f"{span.end:.6f}", "-map", "0:v:0", "-map", "0:a?", "-c", "copy",
        "-f", "matroska", "file:" + str(part),
    ]  # fmt: skip


def rebase_command(piece: Path, part: Path) -> list[str]:
    """ffmpeg remuxing `piece` with its timestamps shifted to start at 0 (no re-encode)."""
    return [
        tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "level+error", "-y",
        "-copyts", "-start_at_zero", *ffmpeg_input(piece), "-map", "0", "-c", "copy",
        "-f", "matroska", "file:" + str(part),
    ]  # fmt: skip


def make_segment(
    raw: Path,
    span: Span,
    target_stem: Path,
    *,
    cancelled: Cancelled = lambda: False,
    never: Sequence[Path] = (),
) -> Piece:
    """Copy `span` of `raw` (stream copy) to `<target_stem>.dv` or `.mkv`; probe what came out.

    The file appears under its final name only when complete (written to a new temporary
    file beside it, then renamed), so an interrupted run never leaves a short piece that
    looks finished. The target must not exist yet (a piece never replaces a file) and
    must not be `raw` or a file of `never` (the recordings); else MediaError.
    """
    if span.seconds <= 0:
        raise MediaError(f"{raw}: nothing to copy between {span.start:.3f} and {span.end:.3f} s")
    layout = dv_layout(raw)
    target = target_stem.with_suffix(".dv" if layout else ".mkv")
    check_new_piece(target, [raw, *never])
    part = new_temp(target)
    copied = new_temp(target, ".copy.part")
    try:
        if layout is not None:
            first = _copy_dv(raw, layout, span, part, cancelled)
            offset = float(first / layout.fps)
        else:
            for back in SEEK_BACK:
                # The copy starts at a keyframe; an MPEG-TS seek may land past the one
                # before `span.start` and start a GOP late: seek further back until the
                # piece's first frame (probed, not assumed) is at or before the start.
                seek = Span(max(0.0, span.start - back), span.end)
                _run(copy_command(raw, seek, copied), raw, cancelled)
                kept = video_timing(copied)
                if kept.first <= span.start + LATE_SLACK or seek.start == 0.0:
                    break
            # Its timestamps are the raw file's (-copyts -start_at_zero): the piece's
            # time 0 is its earliest packet. Shift them to start at 0, as a recording
            # does: mpv's EDL and ffmpeg's -ss then agree on where the piece starts.
            offset = kept.format_start
            _run(rebase_command(copied, part), raw, cancelled)
        if layout is not None:
            # Whole DIF frames from byte 0: the piece reads as DV from its first frame on
            # (checked on the piece itself), and its length is its frame count.
            copied_layout = dv_layout(part)
            if copied_layout is None or copied_layout.frame_bytes != layout.frame_bytes:
                raise MediaError(f"{raw}: the copied frames do not read back as DV")
            frames = copied_layout.frames
            duration = float(frames / layout.fps)
        else:
            timing = video_timing(part)
            frames, duration = timing.frames, timing.end - timing.format_start
        place_piece(part, target)
    finally:
        part.unlink(missing_ok=True)
        copied.unlink(missing_ok=True)
    return Piece(target, offset, duration, frames, "segment")


def check_new_piece(target: Path, recordings: Sequence[Path]) -> None:
    """MediaError unless `target` is a new file name: never a recording, never replaced."""
    try:
        refuse_raw(target, [], recordings, what="piece")
    except UnsafePath as exc:
        raise MediaError(str(exc)) from None
    if os.path.lexists(target):
        raise MediaError(f"{target} already exists; a piece never replaces a file")


def place_piece(part: Path, target: Path) -> None:
    """Rename the finished `part` to `target`, never over a file that appeared meanwhile."""
    try:
        place_new(part, target)
    except FileExistsError:
        raise MediaError(f"{target} already exists; a piece never replaces a file") from None
