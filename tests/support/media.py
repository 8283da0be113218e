"""Test clips generated with ffmpeg (test pattern + tones); none are committed.

`make_clip` stamps each frame with its number (drawtext) so tests can read back which
source frame landed where, and can put different tones on the left and right channel.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"

KINDS = {
    # kind: (size, container/codec arguments)
    "dv": ("720x576", ["-target", "pal-dv"]),
    "ts": (
        "1280x720",
        [
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "25",
            "-c:a",
            "mp2",
            "-b:a",
            "192k",
            "-f",
            "mpegts",
        ],
    ),
    "mp4": (
        "1280x720",
        [
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "250",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-movflags",
            "+faststart",
        ],
    ),
}


def make_clip(
    path: Path,
    kind: str = "dv",
    seconds: float = 5.0,
    *,
    left_hz: int = 440,
    right_hz: int = 880,
    stamp: bool = True,
    fps: int = 25,
) -> Path:
    """Write a `kind` clip (dv, ts, mp4) of `seconds` to `path`; returns the path."""
    size, codec_args = KINDS[kind]
    video = f"testsrc=size={size}:rate={fps}"
    vf = []
    if stamp:
        # Frame number, big and high-contrast, so a test can OCR-free compare by pixel probe
        # or read it via a crop; also useful to a person looking at a screenshot.
        vf.append(
            "drawtext=text='%{frame_num}':x=20:y=20:fontsize=64:fontcolor=white:"
            "box=1:boxcolor=black"
        )
    args = [
        FFMPEG,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        video,
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency={left_hz}:sample_rate=48000",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency={right_hz}:sample_rate=48000",
        "-filter_complex",
        "[1:a][2:a]join=inputs=2:channel_layout=stereo[a]",
        "-map",
        "0:v",
        "-map",
        "[a]",
        "-t",
        f"{seconds}",
    ]
    if vf:
        args += ["-vf", ",".join(vf)]
    if kind == "dv":
        args += ["-ac", "2"]
    args += [*codec_args, str(path)]
    subprocess.run(args, check=True)
    return path
