"""How long each stream of a file lasts, as its container says (ffprobe, no decoding).

A file's overall duration is its longest stream's: a video track that stopped early
hides behind full-length audio. Verification compares each stream with the plan.
"""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from typing import Any

from veyedesk.media.probe import PROBE_TIMEOUT, MediaError, tool
from veyedesk.safe_files import ffprobe_input


def _seconds(stream: dict[str, Any]) -> float | None:
    seconds = _stated(stream)
    # inf/nan from a damaged container is no length at all (and nan compares false).
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None


def _stated(stream: dict[str, Any]) -> float | None:
    value = stream.get("duration")
    if value not in (None, "N/A"):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    # Matroska/WebM keep per-stream length only in a DURATION tag (HH:MM:SS.fffffffff).
    tag = (stream.get("tags") or {}).get("DURATION")
    if not isinstance(tag, str) or not tag:
        return None
    try:
        h, m, s = tag.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    except ValueError:
        return None


def parse_durations(data: dict[str, Any]) -> dict[str, float]:
    """`{"video": s, "audio": s}` of the first stream of each kind that states a length."""
    out: dict[str, float] = {}
    for stream in data.get("streams", []):
        kind = stream.get("codec_type", "")
        seconds = _seconds(stream)
        if kind in ("video", "audio") and kind not in out and seconds is not None:
            out[kind] = seconds
    return out


def stream_durations(path: Path | str, timeout: float = PROBE_TIMEOUT) -> dict[str, float]:
    """Seconds of the first video and audio stream of `path`, where the container says."""
    path = Path(path)
    args = [
        tool("ffprobe"), "-v", "error", "-show_entries",
        "stream=codec_type,duration:stream_tags=DURATION", "-of", "json", *ffprobe_input(path),
    ]  # fmt: skip
    try:
        proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError(f"{path}: ffprobe took over {timeout:.0f} s") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MediaError(f"{path}: not a readable media file ({lines[-1] if lines else '?'})")
    try:
        return parse_durations(json.loads(proc.stdout or b"{}"))
    except (ValueError, TypeError, AttributeError) as exc:
        raise MediaError(f"{path}: ffprobe's report could not be read ({exc})") from None
