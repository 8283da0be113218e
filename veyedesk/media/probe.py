"""ffprobe: duration, streams and creation time of a media file, with errors a user can act on."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from veyedesk.errors import UserError
from veyedesk.safe_files import ffprobe_input

PROBE_TIMEOUT = 60.0


class MediaError(UserError, RuntimeError):
    """A media file cannot be read, or a media tool is missing; the message says which."""


def tool(name: str) -> str:
    """Absolute path of ffmpeg/ffprobe, or a MediaError telling how to install it."""
    found = shutil.which(name)
    if found is None:
        raise MediaError(
            f"{name} is not installed or not on PATH; install ffmpeg (`apt-get install ffmpeg`)"
        )
    return found


@dataclass(frozen=True)
class StreamInfo:
    """One stream of a file, as ffprobe reports it."""

    index: int
    kind: str  # video, audio, data, subtitle
    codec: str
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    sample_aspect: str | None = None
    display_aspect: str | None = None
    field_order: str | None = None
    channels: int | None = None
    sample_rate: int | None = None


@dataclass(frozen=True)
class MediaInfo:
    """What ffprobe says about a file."""

    path: Path
    size: int
    duration: float | None
    format_name: str
    creation_time: datetime | None
    streams: tuple[StreamInfo, ...] = field(default_factory=tuple)

    @property
    def video(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "video"), None)

    @property
    def audio(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "audio"), None)

    @property
    def interlaced(self) -> bool:
        """True for interlaced video.

        ffprobe leaves DV's field order "unknown" without decoding, but DV is always
        interlaced (bottom field first), so the codec decides for it.
        """
        v = self.video
        if v is None:
            return False
        if v.codec == "dvvideo":
            return True
        return bool(v.field_order and v.field_order not in ("progressive", "unknown"))


def _rate(text: str | None) -> float | None:
    if not text or text in ("0/0", "0"):
        return None
    try:
        value = float(Fraction(text))
    except (ValueError, ZeroDivisionError):
        return None
    return value or None


def _creation_time(tags: dict[str, Any]) -> datetime | None:
    text = tags.get("creation_time")
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _duration(path: Path, value: Any) -> float | None:
    if value in (None, "N/A"):
        return None
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise MediaError(f"{path}: ffprobe reports a duration of {value!r}; the file is damaged")
    return seconds


def parse_probe(path: Path, data: dict[str, Any], size: int = 0) -> MediaInfo:
    """Turn ffprobe's JSON into MediaInfo (pure; tests feed it canned JSON).

    ValueError/TypeError for a report of the wrong shape; MediaError for a duration that
    is not a number of seconds (inf, nan, negative).
    """
    fmt = data.get("format", {})
    streams: list[StreamInfo] = []
    for s in data.get("streams", []):
        kind = s.get("codec_type", "")
        streams.append(
            StreamInfo(
                index=int(s.get("index", len(streams))),
                kind=kind,
                codec=s.get("codec_name", ""),
                width=s.get("width"),
                height=s.get("height"),
                fps=_rate(s.get("avg_frame_rate")) or _rate(s.get("r_frame_rate"))
                if kind == "video"
                else None,
                sample_aspect=s.get("sample_aspect_ratio"),
                display_aspect=s.get("display_aspect_ratio"),
                field_order=s.get("field_order"),
                channels=s.get("channels"),
                sample_rate=int(s["sample_rate"]) if s.get("sample_rate") else None,
            )
        )
    duration = fmt.get("duration")
    return MediaInfo(
        path=path,
        size=size or int(fmt.get("size", 0) or 0),
        duration=_duration(path, duration),
        format_name=fmt.get("format_name", ""),
        creation_time=_creation_time(fmt.get("tags", {})),
        streams=tuple(streams),
    )


def streams_summary(info: MediaInfo) -> str:
    """RawFile.streams: `video dvvideo 720x576 25fps; audio pcm_s16le 2ch 48000Hz`.

    The one spelling of a probe's streams: every writer of the column (scan, demo, a
    venue copy's scan) calls this, so two machines that probed the same file store the
    same text and a sync never sees a difference that is only spelling.
    """
    parts = []
    for s in info.streams:
        bits = [s.kind, s.codec]
        if s.width and s.height:
            bits.append(f"{s.width}x{s.height}")
        if s.fps:
            bits.append(f"{s.fps:g}fps")
        if s.channels:
            bits.append(f"{s.channels}ch")
        if s.sample_rate:
            bits.append(f"{s.sample_rate}Hz")
        parts.append(" ".join(bits))
    return "; ".join(parts)


def probe(path: Path | str, timeout: float = PROBE_TIMEOUT) -> MediaInfo:
    """ffprobe `path`; MediaError names the file and the reason when it cannot be read."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MediaError(f"{path}: cannot read the file ({exc.strerror})") from None
    if size == 0:
        raise MediaError(f"{path}: the file is empty (0 bytes); the recorder wrote nothing")
    args = [
        tool("ffprobe"),
        "-v",
        "error",
        "-hide_banner",
        "-show_format",
        "-show_streams",
        "-of",
        "json",
        *ffprobe_input(path),  # file: keeps names starting with '-' or ':' literal
    ]
    try:
        proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError(
            f"{path}: ffprobe took over {timeout:.0f} s; the file may be damaged"
        ) from None
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MediaError(
            f"{path}: not a readable media file ({reason[-1] if reason else 'ffprobe failed'})"
        )
    try:
        info = parse_probe(path, json.loads(proc.stdout or b"{}"), size)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        # Tags in a damaged file can hold bytes that are not UTF-8 or odd values; one
        # unreadable report must not end a scan of a thousand files.
        raise MediaError(
            f"{path}: ffprobe's report could not be read ({exc}); the file may be damaged"
        ) from None
    if not info.streams:
        raise MediaError(f"{path}: no audio or video streams found; the file may be damaged")
    return info
