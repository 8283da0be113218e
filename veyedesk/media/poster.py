"""A poster frame for a published talk: a sharp, well-exposed frame of the encode.

Used when the talk has no thumbnail of its own. `choose_poster` looks at `samples` moments
spread over the video (past the title slide and before the credits when told their
lengths), decodes one keyframe at each (`-skip_frame nokey` with input seeking: only the
keyframe is decoded, never the frames before it, so an hour-long talk costs a few
seeks), as a small gray picture. Each is scored:

- exposure: the mean luma must be neither near black (a camera not yet on, a fade) nor
  near white (a washed-out projector), and the picture must not be flat (a slate);
- sharpness: the variance of a Laplacian (edges) of the gray picture: an out-of-focus
  frame or a motion blur has weak edges.

The sharpest acceptable frame is written as a JPEG (at most 1280 wide, square pixels)
under the given folder; None when no frame is acceptable (an all-black file), so the
platform picks its own.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from veyedesk.media.ffmpeg_pipe import FfmpegPipe
from veyedesk.media.probe import MediaError, probe, tool
from veyedesk.safe_files import ffmpeg_input, new_temp

SAMPLES = 12
GRAY_WIDTH = 160  # the scored picture: enough for edges, tiny to decode and score
MIN_LUMA = 28.0  # mean luma (0-255) below: near black
MAX_LUMA = 230.0  # above: near white
MIN_CONTRAST = 10.0  # luma standard deviation below: a flat picture (slate, fade)
POSTER_WIDTH = 1280  # YouTube's recommended thumbnail width
FRAME_SECONDS = 60.0  # longest one frame's decode may take (a stalled share)
_PTS = re.compile(rb"pts_time:\s*([-0-9.]+)")


class Cancelled(MediaError):
    """The caller cancelled the choice (a job stopped)."""


@dataclass(frozen=True)
class FrameScore:
    """One sampled moment: when, its exposure and sharpness, and whether it may be used."""

    seconds: float
    luma: float
    contrast: float
    sharpness: float

    @property
    def acceptable(self) -> bool:
        return MIN_LUMA <= self.luma <= MAX_LUMA and self.contrast >= MIN_CONTRAST


@dataclass(frozen=True)
class Poster:
    """The chosen frame: the JPEG written and the moment it shows."""

    path: Path
    seconds: float
    score: FrameScore


def score_gray(seconds: float, gray: np.ndarray) -> FrameScore:
    """Exposure and sharpness of a gray picture (2-D uint8 array)."""
    pixels = gray.astype(np.float32)
    # A 4-neighbour Laplacian: strong where edges are, near zero on smooth areas or blur.
    lap = (
        4 * pixels[1:-1, 1:-1]
        - pixels[:-2, 1:-1]
        - pixels[2:, 1:-1]
        - pixels[1:-1, :-2]
        - pixels[1:-1, 2:]
    )
    return FrameScore(
        seconds=seconds,
        luma=float(pixels.mean()),
        contrast=float(pixels.std()),
        sharpness=float(lap.var()) if lap.size else 0.0,
    )


def sample_times(
    duration: float, samples: int, skip_start: float = 0.0, skip_end: float = 0.0
) -> list[float]:
    """`samples` moments spread evenly over the part between the title and the credits."""
    start, end = skip_start, duration - skip_end
    if end - start < 1.0:  # title and credits longer than the file: use all of it
        start, end = 0.0, duration
    step = (end - start) / (samples + 1)
    return [start + step * (i + 1) for i in range(samples)]


def _display_aspect(width: int, height: int, dar: str | None, sar: str | None) -> Fraction:
    try:
        if dar and dar not in ("0:1", "N/A"):
            return Fraction(dar.replace(":", "/"))
        if sar and sar not in ("0:1", "N/A"):
            return Fraction(width, height) * Fraction(sar.replace(":", "/"))
    except (ValueError, ZeroDivisionError):
        pass
    return Fraction(width, height)


def _seek_args(path: Path, seconds: float) -> list[str]:
    args = [tool("ffmpeg"), "-nostdin", "-hide_banner", "-nostats"]
    args += ["-loglevel", "repeat+level+info"]  # showinfo's line gives the frame's time
    # Keyframes only: input seeking lands on the keyframe at or before `seconds` and
    # decodes just it. -copyts keeps its time positive: a frame before the seek point
    # would otherwise get a negative time and be dropped for the next keyframe.
    args += ["-skip_frame", "nokey", "-ss", f"{seconds:.3f}", "-noaccurate_seek", "-copyts"]
    args += [*ffmpeg_input(path), "-map", "0:v:0", "-an", "-sn", "-dn", "-frames:v", "1"]
    return [*args, "-fps_mode", "passthrough"]


def _run(
    args: list[str],
    what: str,
    times: list[float] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> bytes:
    if cancelled():
        raise Cancelled(f"{what}: choosing a poster frame was cancelled")
    deadline = time.monotonic() + FRAME_SECONDS

    def on_line(line: bytes) -> None:
        if times is not None and b"showinfo" in line and (match := _PTS.search(line)):
            times.append(float(match.group(1)))

    with FfmpegPipe(args, cancelled=lambda: time.monotonic() > deadline, on_line=on_line) as pipe:
        data = pipe.stdout.read()
        code = pipe.wait()
        if pipe.killed:
            raise MediaError(f"{what}: ffmpeg took over {FRAME_SECONDS:.0f} s for one frame")
        if code != 0:
            raise MediaError(f"{what}: {pipe.last_error(f'ffmpeg failed with status {code}')}")
    return data


def gray_frame(
    path: Path,
    seconds: float,
    size: tuple[int, int],
    cancelled: Callable[[], bool] = lambda: False,
) -> tuple[float, np.ndarray] | None:
    """The keyframe at (or just before) `seconds`: its time and gray picture of `size`."""
    w, h = size
    args = _seek_args(path, seconds)
    args += ["-vf", f"showinfo,scale={w}:{h},format=gray", "-f", "rawvideo", "pipe:1"]
    times: list[float] = []
    data = _run(args, str(path), times, cancelled)
    if len(data) < w * h:
        return None
    at = times[0] if times else seconds
    return at, np.frombuffer(data[: w * h], dtype=np.uint8).reshape(h, w)


def score_frames(
    path: Path,
    samples: int = SAMPLES,
    skip_start: float = 0.0,
    skip_end: float = 0.0,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[FrameScore]:
    """Scores of `samples` keyframes spread over `path` (see the module docstring)."""
    info = probe(path)
    video = info.video
    if video is None or not video.width or not video.height:
        raise MediaError(f"{path}: has no video stream to take a poster frame from")
    duration = info.duration or 0.0
    aspect = _display_aspect(video.width, video.height, video.display_aspect, video.sample_aspect)
    size = (GRAY_WIDTH, max(2, round(GRAY_WIDTH / float(aspect) / 2) * 2))
    scores: dict[float, FrameScore] = {}
    for seconds in sample_times(duration, samples, skip_start, skip_end):
        found = gray_frame(path, seconds, size, cancelled)
        if found is not None and found[0] not in scores:  # one keyframe, one score
            scores[found[0]] = score_gray(*found)
    return list(scores.values())


def best(scores: list[FrameScore]) -> FrameScore | None:
    """The sharpest acceptable frame, or None."""
    good = [s for s in scores if s.acceptable]
    return max(good, key=lambda s: s.sharpness) if good else None


def write_poster(path: Path, seconds: float, dest: Path) -> Path:
    """The keyframe at `seconds` of `path` as a JPEG at `dest` (replaced atomically)."""
    width = f"min({POSTER_WIDTH},iw*sar)"
    scale = (
        f"scale=w='trunc({width}/2)*2':h='trunc({width}*ih/(iw*sar)/2)*2',setsar=1,"
        "yadif=deint=interlaced"
    )
    # The chosen time is a keyframe's own: seeking to it lands on that very keyframe.
    args = _seek_args(path, seconds)
    args += ["-vf", scale, "-c:v", "mjpeg", "-q:v", "2", "-pix_fmt", "yuvj420p"]
    args += ["-f", "image2pipe", "pipe:1"]
    data = _run(args, str(path))
    if not data:
        raise MediaError(f"{path}: no frame at {seconds:.1f} s to write a poster from")
    temp = new_temp(dest)
    try:
        temp.write_bytes(data)
        os.replace(temp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return dest


def choose_poster(
    video: Path,
    folder: Path,
    *,
    name: str = "poster.jpg",
    samples: int = SAMPLES,
    skip_start: float = 0.0,
    skip_end: float = 0.0,
    cancelled: Callable[[], bool] = lambda: False,
) -> Poster | None:
    """Pick the sharpest well-exposed keyframe of `video` and write it to `folder/name`.

    `skip_start` / `skip_end` are the title and credits seconds to leave out (their slides
    are sharp but say nothing about the talk). None when no sampled frame is acceptable.
    MediaError names the file when it cannot be read; `cancelled` (polled from another
    thread) stops ffmpeg at once and raises Cancelled.
    """
    chosen = best(score_frames(video, samples, skip_start, skip_end, cancelled))
    if chosen is None:
        return None
    dest = write_poster(video, chosen.seconds, folder / name)
    return Poster(dest, chosen.seconds, chosen)
