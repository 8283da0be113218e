"""Test clips generated with ffmpeg (test pattern + tones); none are committed.

`make_clip` stamps each frame with its number (drawtext) so tests can read back which
source frame landed where, and can put different tones on the left and right channel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

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


TS_PACKET = 188


@dataclass(frozen=True)
class CorruptRecording:
    """An MPEG-TS whose every packet from `corrupt_from` seconds on has flipped bytes."""

    path: Path
    seconds: float
    corrupt_from: float  # seconds into the file where the first damaged packet's data lies


def make_corrupt_ts(
    path: Path, seconds: float = 600.0, corrupt_from: float = 192.0, packets: int | None = None
) -> Path:
    """A low-resolution TS of `seconds`, then payload bytes flipped in every later packet.

    `packets` damages only that many packets from `corrupt_from` on (a glitch, not a tail).
    The 4-byte packet headers are left alone, so the demuxer keeps in step and hands the
    decoders a damaged packet every time (a flood of errors), as a failing recorder does.
    """
    clean = path.with_name(path.stem + ".clean.ts")
    audio = "sine=frequency=440:sample_rate=48000"
    subprocess.run(
        [
            FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
            "-f", "lavfi", "-i", audio,
            "-t", f"{seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
            "-c:a", "mp2", "-b:a", "128k", "-ac", "2",
            "-f", "mpegts", str(clean),
        ],
        check=True,
    )  # fmt: skip
    offset = _ts_offset_at(clean, corrupt_from)
    data = bytearray(clean.read_bytes())
    clean.unlink()
    damaged = range(offset - offset % TS_PACKET, len(data) - TS_PACKET + 1, TS_PACKET)
    for packet in damaged if packets is None else damaged[:packets]:
        for k in (20, 60, 100, 150):
            data[packet + k] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _ts_offset_at(path: Path, seconds: float) -> int:
    """Byte offset of the first packet (of any stream) at or after `seconds` into the file."""
    out = subprocess.run(
        [
            shutil.which("ffprobe") or "ffprobe", "-v", "error",
            "-show_entries", "format=start_time:packet=pts_time,pos", "-of", "csv=p=0",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()  # fmt: skip
    rows = [[f for f in line.split(",") if f] for line in out]  # packet rows end in ","
    start = float(next(r[0] for r in rows if len(r) == 1))
    for row in rows:
        known = len(row) == 2 and "N/A" not in row and "" not in row
        if known and float(row[0]) - start >= seconds:
            return int(row[1])
    raise ValueError(f"{path} has no packet at {seconds} s")


_CORRUPT: dict[Path, CorruptRecording] = {}


def shared_corrupt_ts(tmp_path_factory: pytest.TempPathFactory) -> CorruptRecording:
    """One corrupt 10-minute TS per test session (~5 s to make), corrupt from 00:03:12."""
    base = tmp_path_factory.getbasetemp()
    if base not in _CORRUPT:
        path = make_corrupt_ts(tmp_path_factory.mktemp("corrupt") / "10_00_00.ts")
        _CORRUPT[base] = CorruptRecording(path, 600.0, 192.0)
    return _CORRUPT[base]


def ffmpeg_children(reading: Path | None = None) -> list[int]:
    """Pids of this process's ffmpeg children in the process table (zombies too).

    With `reading`, only those whose command line names that file (another test's ffmpeg,
    still ending, is not this test's business), and any zombie: a zombie has no command
    line left, and one means a child was never waited for.
    """
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
            if int(ppid) != me or comm != "ffmpeg":
                continue
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # it ended while we looked
        # Inputs are passed as `file:<path>` (see veyedesk.safe_files.ffmpeg_input).
        names = (os.fsencode(reading), b"file:" + os.fsencode(reading)) if reading else ()
        if reading is None or state == "Z" or any(name in args for name in names):
            found.append(int(entry.name))
    return found
