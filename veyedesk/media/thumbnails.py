"""Timeline thumbnails: small RGB frames from keyframes only, one every few seconds.

One ffmpeg run per raw file decodes keyframes only (`-skip_frame nokey`), keeps one every
`interval` seconds, scales it to the display aspect (DV's non-square pixels made square)
and writes raw RGB on a pipe; `showinfo` on stderr gives each frame's time. Thumbnails
arrive progressively and a growing file is continued from the last one.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from veyedesk.media.probe import MediaError, probe, tool

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
    args = [tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "info"]
    args += ["-skip_frame", "nokey"]
    if lowres:
        args += ["-lowres", str(lowres)]
    if start > 0:
        args += ["-ss", f"{start:.3f}"]
    args += ["-i", str(path), "-map", "0:v:0", "-an", "-sn", "-dn"]
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
    """Thumbnails of `path` every `interval` s (keyframes only); `resume` continues a run."""
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
    proc = subprocess.Popen(
        thumbnails_command(path, (thumbs.width, thumbs.height), interval, start, thumbs.lowres),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    times: list[float] = []
    errors: list[bytes] = []
    ready = threading.Condition()

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            match = _PTS.search(line)
            with ready:
                if match and b"showinfo" in line:
                    times.append(float(match.group(1)))
                    ready.notify_all()
                elif b"rror" in line:
                    errors.append(line.strip())

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    count = 0
    try:
        while True:
            frame = proc.stdout.read(frame_bytes)
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
            if cancelled():
                proc.kill()
                break
    finally:
        proc.stdout.close()
    code = proc.wait()
    reader.join(timeout=5)
    if code != 0 and not cancelled():
        reason = errors[-1].decode(errors="replace") if errors else f"ffmpeg exit {code}"
        raise MediaError(f"{path}: could not read its video for thumbnails ({reason})")
    thumbs.complete = code == 0
    return thumbs
