"""Reading frames back from media files, to check which source frame landed where.

`video_md5s` lists decoded video frames' MD5s (ffmpeg's framemd5): equal lists mean the
same pictures, bit for bit. `stamp_of` reduces a frame to the corner where
`tests.support.media.make_clip` burns the frame number, small and grey, so a scaled
proxy frame can be matched against the raw frames around it (`closest_frame`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"
STAMP_W, STAMP_H = 48, 24


def video_md5s(path: Path, start: float | None = None, frames: int | None = None) -> list[str]:
    """MD5 of each decoded video frame of `path` (from `start` seconds, `frames` of them)."""
    args = [FFMPEG, "-nostdin", "-v", "error"]
    if start is not None:
        args += ["-ss", f"{start:.6f}"]
    args += ["-i", str(path), "-map", "0:v:0"]
    if frames is not None:
        args += ["-frames:v", str(frames)]
    args += ["-f", "framemd5", "-"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return [line.rsplit(",", 1)[1].strip() for line in out.splitlines() if not line.startswith("#")]


def audio_samples(path: Path, start: float, seconds: float) -> bytes:
    """Decoded audio of `path` from `start` for `seconds`: stereo s16le at 48 kHz."""
    args = [
        FFMPEG, "-nostdin", "-v", "error", "-ss", f"{start:.6f}", "-i", str(path),
        "-t", f"{seconds:.6f}", "-map", "0:a:0", "-ac", "2", "-ar", "48000",
        "-f", "s16le", "-",
    ]  # fmt: skip
    return subprocess.run(args, check=True, capture_output=True).stdout


def stamp_of(path: Path, seconds: float) -> bytes:
    """The frame-number corner of the first frame at or after `seconds`, as 48x24 grey bytes.

    That is ffmpeg's `-ss`: to read frame n, ask for a moment just before it starts
    (`before(n, fps)`), which no rounding of n / fps can push past it.
    """
    args = [
        FFMPEG, "-nostdin", "-v", "error", "-ss", f"{seconds:.6f}", "-i", str(path),
        "-frames:v", "1", "-vf",
        f"crop=iw/3:ih/5:0:0,scale={STAMP_W}:{STAMP_H},format=gray",
        "-f", "rawvideo", "-",
    ]  # fmt: skip
    data = subprocess.run(args, check=True, capture_output=True).stdout
    assert len(data) == STAMP_W * STAMP_H, f"no frame at {seconds} s of {path}"
    return data


def stamp_of_frame(path: Path, frame: int) -> bytes:
    """The frame-number corner of frame `frame` (counted from the first, decoded from the
    start: no seek, so no demuxer's idea of where a keyframe is can shift it)."""
    args = [
        FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0",
        "-vf", f"select=eq(n\\,{frame}),crop=iw/3:ih/5:0:0,scale={STAMP_W}:{STAMP_H},format=gray",
        "-frames:v", "1", "-fps_mode", "passthrough", "-f", "rawvideo", "-",
    ]  # fmt: skip
    data = subprocess.run(args, check=True, capture_output=True).stdout
    assert len(data) == STAMP_W * STAMP_H, f"no frame {frame} in {path}"
    return data


def before(frame: int, fps: float) -> float:
    """A moment a quarter frame before `frame` starts."""
    return (frame - 0.25) / fps


def black_white(grey: bytes) -> bytes:
    """Each pixel 0 or 255: white digits on the black box, whatever scaler drew them."""
    return bytes(255 if v > 127 else 0 for v in grey)


def difference(a: bytes, b: bytes) -> float:
    """Mean absolute difference of two grey images of the same size."""
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def closest_frame(
    raw: Path, fps: float, candidates: range, picture: bytes
) -> tuple[int, list[float]]:
    """Which raw frame (of `candidates`) `picture`'s stamp matches best, with all distances."""
    del fps  # frames are counted, not sought: see stamp_of_frame
    distances = [difference(stamp_of_frame(raw, n), picture) for n in candidates]
    best = min(range(len(distances)), key=distances.__getitem__)
    return candidates[best], distances
