"""Measure a file's audio in one ffmpeg pass: EBU R128 integrated loudness, left-right difference.

Used to verify an encode before it is published (did normalisation land on target? are
the channels identical when channelcopy said so?) and by review tools.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from veyedesk.media.probe import MediaError, tool
from veyedesk.safe_files import ffmpeg_input

MEASURE_TIMEOUT = 3600.0
SILENT_DB = -91.0  # volumedetect's floor for digital silence

_INTEGRATED = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf)\s*LUFS")
_MAX_VOLUME = re.compile(r"max_volume:\s*(-?[\d.]+|-inf)\s*dB")
_TIME = re.compile(r"time=(\d+):(\d\d):(\d\d(?:\.\d+)?)")


@dataclass(frozen=True)
class AudioMeasure:
    """What one pass over a file's first audio stream found."""

    integrated_lufs: float | None  # None when not asked for
    channel_difference_db: float | None  # peak of (left - right) in dBFS; None if not asked
    decoded_seconds: float | None = None  # how much audio could be decoded (a cut-short
    # file whose index is intact still probes as full length; decoding tells the truth)


def _number(text: str) -> float:
    return float("-inf") if text == "-inf" else float(text)


def parse_measure(stderr: str, loudness: bool, difference: bool) -> AudioMeasure:
    """Read ebur128's summary and volumedetect's peak from ffmpeg's stderr (pure)."""
    lufs = diff = None
    if loudness:
        found = _INTEGRATED.findall(stderr)
        if not found:
            raise MediaError("ffmpeg printed no loudness summary")
        lufs = _number(found[-1])
    if difference:
        peaks = _MAX_VOLUME.findall(stderr)
        if not peaks:
            raise MediaError("ffmpeg printed no channel difference")
        diff = _number(peaks[-1])
    times = _TIME.findall(stderr)
    decoded = None
    if times:
        h, m, sec = times[-1]
        decoded = int(h) * 3600 + int(m) * 60 + float(sec)
    return AudioMeasure(integrated_lufs=lufs, channel_difference_db=diff, decoded_seconds=decoded)


def measure_audio(
    path: Path | str, *, loudness: bool = True, difference: bool = True
) -> AudioMeasure:
    """Integrated loudness (LUFS), peak of left minus right (dBFS), decodable length (s)."""
    path = Path(path)
    branches, outputs = [], []
    if loudness:
        branches.append("[l]ebur128=peak=none[ol]")
        outputs.append("[ol]")
    if difference:
        branches.append("[d]pan=mono|c0=c0-c1,volumedetect[od]")
        outputs.append("[od]")
    split = (
        "[0:a:0]asplit=2[l][d]"
        if len(branches) == 2
        else "[0:a:0]anull" + ("[l]" if loudness else "[d]")
    )
    graph = ";".join([split, *branches])
    args = [tool("ffmpeg"), "-nostdin", "-hide_banner", "-nostats", *ffmpeg_input(path)]
    args += ["-filter_complex", graph]
    for label in outputs:
        args += ["-map", label]
    args += ["-f", "null", "-"]
    try:
        proc = subprocess.run(
            args, capture_output=True, text=True, errors="replace", timeout=MEASURE_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise MediaError(f"{path}: measuring the audio took too long") from None
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        raise MediaError(
            f"{path}: the audio cannot be measured ({lines[-1] if lines else 'ffmpeg failed'})"
        )
    try:
        return parse_measure(proc.stderr, loudness, difference)
    except MediaError as exc:
        raise MediaError(f"{path}: {exc}") from None
