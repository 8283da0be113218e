"""Timeline thumbnails: small RGB frames from keyframes only, one every few seconds.

One ffmpeg run per raw file decodes keyframes only (`-skip_frame nokey`), keeps one every
`interval` seconds, scales it to the display aspect (DV's non-square pixels made square)
and writes raw RGB on a pipe; `showinfo` on stderr gives each frame's time. Thumbnails
arrive progressively and a growing file is continued from the last one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from veyedesk.media.ffmpeg_pipe import FfmpegPipe
from veyedesk.media.probe import MediaError, probe, tool
from veyedesk.safe_files import ffmpeg_input

THUMB_HEIGHT = 54
DEFAULT_INTERVAL = 10.0
_PTS = re.compile(rb"pts_time:\s*([-0-9.]+)")


@dataclass
class Thumbnails:
    """Keyframe thumbnails of one file: `times[i]` seconds -> `frames[i]` (RGB24 bytes)."""

    width: int
    height: int
    times: list[float] = field(default_factory=list)
    frames: list[bytes] = field(default_factory=list)
    covered: float = 0.0
    complete: bool = False
    lowres: int = 0  # decoder downscale (DV decodes every frame: 1/8 size halves the work)


def thumb_size(
    width: int, height: int, display_aspect: str | None, sample_aspect: str | None
) -> tuple[int, int]:
    """Thumbnail (w, h) at THUMB_HEIGHT with the picture's display aspect, w even."""
    aspect = Fraction(width, height)
    try:
        if display_aspect and display_aspect not in ("0:1", "N/A"):
            aspect = Fraction(display_aspect.replace(":", "/"))
        elif sample_aspect and sample_aspect not in ("0:1", "N/A"):
            aspect = Fraction(width, height) * Fraction(sample_aspect.replace(":", "/"))
    except (ValueError, ZeroDivisionError):
        pass
    w = max(2, round(THUMB_HEIGHT * float(aspect) / 2) * 2)
    return w, THUMB_HEIGHT


def thumbnails_command(
    path: Path, size: tuple[int, int], interval: float, start: float, lowres: int = 0
) -> list[str]:
    """ffmpeg arguments: keyframes only, one per `interval` s, scaled, RGB24 on stdout."""
    w, h = size
    select = f"select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{interval:g})'"
    args = [tool("ffmpeg"), "-nostdin", "-hide_banner", "-nostats"]
    args += ["-loglevel", "repeat+level+info"]  # showinfo's lines, errors tagged by level
    args += ["-skip_frame", "nokey"]
    if lowres:
        args += ["-lowres", str(lowres)]
    if start > 0:
        args += ["-ss", f"{start:.3f}"]
    args += [*ffmpeg_input(path), "-map", "0:v:0", "-an", "-sn", "-dn"]
    args += ["-vf", f"{select},scale={w}:{h},setsar=1,showinfo", "-fps_mode", "passthrough"]
    args += ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    return args


def compute_thumbnails(
    path: Path,
    *,
    interval: float = DEFAULT_INTERVAL,
    resume: Thumbnails | None = None,
    on_progress: Callable[[Thumbnails], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Thumbnails:
    """Thumbnails of `path` every `interval` s (keyframes only); `resume` continues a run.

    `cancelled` is polled from another thread; ffmpeg is killed as soon as it returns true
    and the thumbnails so far are returned, not complete. Raises MediaError naming the file
    when ffmpeg fails before the first thumbnail.
    """
    if resume is not None:
        thumbs = replace(resume, times=list(resume.times), frames=list(resume.frames))
        start = (resume.times[-1] + interval) if resume.times else 0.0
    else:
        info = probe(path)
        video = info.video
        if video is None or not video.width or not video.height:
            raise MediaError(f"{path}: has no video stream to make thumbnails from")
        w, h = thumb_size(video.width, video.height, video.display_aspect, video.sample_aspect)
        lowres = 3 if video.codec == "dvvideo" and video.height >= 8 * h // 2 else 0
        thumbs, start = Thumbnails(w, h, lowres=lowres), 0.0
    frame_bytes = thumbs.width * thumbs.height * 3
    times: list[float] = []
    ready = threading.Condition()

    def on_line(line: bytes) -> None:
        match = _PTS.search(line)
        if match and b"showinfo" in line:
            with ready:
                times.append(float(match.group(1)))
                ready.notify_all()

    args = thumbnails_command(path, (thumbs.width, thumbs.height), interval, start, thumbs.lowres)
    count = 0
    with FfmpegPipe(args, cancelled=cancelled, on_line=on_line) as pipe:
        while True:
            frame = pipe.stdout.read(frame_bytes)
            if len(frame) < frame_bytes:
                break
            with ready:
                ready.wait_for(lambda n=count: len(times) > n, timeout=5)  # type: ignore[misc]
                # -ss before -i restarts timestamps at 0 for the seeked part.
                at = (times[count] if len(times) > count else count * interval) + start
            count += 1
            thumbs.times.append(at)
            thumbs.frames.append(frame)
            thumbs.covered = at
            if on_progress is not None:
                on_progress(thumbs)
        code = pipe.wait()
        if pipe.killed:
            return thumbs  # cancelled: continued next time
        reason = pipe.last_error(f"ffmpeg exit {code}")
    if code != 0 and not thumbs.frames:
        raise MediaError(f"{path}: could not read its video for thumbnails ({reason})")
    # A file that fails part way keeps the thumbnails read so far (the waveform marks where).
    thumbs.complete = True
    return thumbs
