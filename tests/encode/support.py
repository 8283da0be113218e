"""Helpers for encode tests: a small profile, a talk laid out on disk, frame and tone probes."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from tests.support.media import FFMPEG
from veyedesk.config import DEFAULT_PROFILES, EncodeProfile, Settings
from veyedesk.model import Cut, Episode, RawFile
from veyedesk.services import catalog
from veyedesk.services.episodes import add_episode

DAY = datetime(2026, 2, 1, 10, 0, 0)

# Small and fast, but the real codecs: the rules under test do not depend on the size.
SMALL = EncodeProfile(
    name="small",
    ext="mp4",
    width=320,
    height=180,
    fps=25.0,
    vcodec="libx264",
    acodec="aac",
    video_options=("-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p"),
    audio_options=("-b:a", "128k", "-ar", "48000"),
    muxer_options=("-movflags", "+faststart"),
)


def settings_for(tmp: Path, **changes: object) -> Settings:
    values: dict = {
        "raw_root": str(tmp / "raw"),
        "output_root": str(tmp / "out"),
        "title_seconds": 1.0,
        "credits_seconds": 1.0,
        "default_profile": "small",
        "profiles": {**DEFAULT_PROFILES, "small": SMALL},
    }
    values.update(changes)
    return Settings(**values)


def gray_frames(
    path: Path, first: int, count: int, vf: str = "", size: str = "160x90"
) -> list[bytes]:
    """`count` frames from frame index `first`, as small gray images (one bytes each)."""
    w, h = (int(x) for x in size.split("x"))
    chain = f"{vf + ',' if vf else ''}select='between(n\\,{first}\\,{first + count - 1})',"
    chain += f"scale={w}:{h}:flags=area,format=gray"
    out = subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-i",
            str(path),
            "-vf",
            chain,
            "-vsync",
            "0",
            "-f",
            "rawvideo",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    n = w * h
    return [out[i : i + n] for i in range(0, len(out), n)]


def distance(a: bytes, b: bytes) -> float:
    """Mean absolute difference of two gray images."""
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def best_match(frame: bytes, candidates: dict[int, bytes]) -> int:
    """Which candidate frame number looks most like `frame`."""
    return min(candidates, key=lambda k: distance(frame, candidates[k]))


def tone_level(path: Path, channel: int, hz: int, start: float, seconds: float) -> float:
    """Mean volume (dB) of one channel around `hz` (a narrow band-pass) in a time range."""
    proc = subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-nostats",
            "-ss",
            str(start),
            "-t",
            str(seconds),
            "-i",
            str(path),
            "-af",
            f"pan=mono|c0=c{channel},bandpass=f={hz}:width_type=q:w=8,bandpass=f={hz}:width_type=q:w=8,volumedetect",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in proc.stderr.splitlines():
        if "mean_volume:" in line:
            return float(line.split("mean_volume:")[1].split()[0])
    raise AssertionError(proc.stderr[-500:])


def make_talk(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path], cuts: list[tuple]
) -> tuple[Episode, Settings]:
    """A talk whose cuts are (clip key, start, end) over real DV files laid out on disk."""
    settings = settings_for(tmp_path)
    catalog.add_client(session, "conf", "Conf")
    show = catalog.add_show(session, "conf", "conf_2026", "Conf 2026")
    room = catalog.add_room(session, show, "room_a", "Room A")
    episode = add_episode(
        session,
        show,
        'A "hostile": title \\ with % and\nnewline 🎉',
        room=room,
        start=DAY,
        duration=600.0,
        authors="Ann, Bob",
        conf_url="https://example.org/t/1",
    )
    raws = {}
    for key, clip in raw_clips.items():
        if key == "short":
            continue
        name = f"2026-02-01/10_0{len(raws)}_00.dv"
        target = tmp_path / "raw" / "conf" / "conf_2026" / "dv" / "room_a" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(clip)
        raws[key] = RawFile(
            show=show, location=room, filename=name, start=DAY, duration=3.0, fps=25.0
        )
        session.add(raws[key])
    for seq, (key, start, end) in enumerate(cuts, start=1):
        episode.cuts.append(Cut(raw_file=raws[key], sequence=seq, start=start, end=end))
    session.commit()
    return episode, settings
