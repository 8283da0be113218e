"""Timecode maths: offsets in seconds <-> frames <-> `HH:MM:SS.ff`, and wall-clock display.

Positions are stored as seconds (float) from the start of a raw file. Editors think in
frames, so everything the user types or sees is snapped to the frame grid of the file.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from veyedesk.errors import UserError

DEFAULT_FPS = 25.0

_TC = re.compile(
    r"^\s*(?:(?:(?P<h>\d+):)?(?P<m>\d{1,2}):)?(?P<s>\d{1,2}(?:\.\d+)?)(?:[.:](?P<f>\d{1,2}))?\s*$"
)


class TimecodeError(UserError, ValueError):
    """A timecode string that cannot be read; the message says what format is expected."""


def frame_of(seconds: float, fps: float = DEFAULT_FPS) -> int:
    """Index of the frame shown at `seconds` (the frame whose display interval contains it)."""
    # A tiny epsilon keeps 0.12 * 25 = 2.9999999 from falling into the previous frame.
    return math.floor(seconds * fps + 1e-6)


def seconds_of(frame: int, fps: float = DEFAULT_FPS) -> float:
    """Start time of frame number `frame`."""
    return frame / fps


def snap(seconds: float, fps: float = DEFAULT_FPS) -> float:
    """Snap a time to the start of the frame it falls in."""
    return seconds_of(frame_of(seconds, fps), fps)


def format_offset(seconds: float | None, fps: float = DEFAULT_FPS) -> str:
    """`HH:MM:SS.ff` (ff = frame within the second) for an offset into a file."""
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    frames = frame_of(abs(seconds), fps)
    per_second = round(fps)
    whole, ff = divmod(frames, per_second)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h:02d}:{m:02d}:{s:02d}.{ff:02d}"


def parse_offset(text: str, fps: float = DEFAULT_FPS) -> float:
    """Read `HH:MM:SS.ff`, `MM:SS.ff`, `SS.ff` or `HH:MM:SS:ff` as seconds on the frame grid.

    A two-digit part after the seconds is a frame number (the editor's convention);
    plain decimal seconds such as `12.5` (one digit or more than two) are read as seconds.
    """
    raw = text.strip()
    match = _TC.match(raw)
    if not match:
        raise TimecodeError(
            f"{text!r} is not a timecode; type HH:MM:SS.ff (ff = frame), e.g. 00:12:03.10"
        )
    h = int(match["h"] or 0)
    m = int(match["m"] or 0)
    s_text = match["s"]
    ff_text = match["f"]
    if "." in s_text:
        whole, frac = s_text.split(".")
        if len(frac) == 2 and ff_text is None:
            ff_text, s_text = frac, whole
        else:
            return snap(h * 3600 + m * 60 + float(s_text), fps)
    s = int(s_text)
    if m >= 60 or s >= 60:
        raise TimecodeError(f"{text!r}: minutes and seconds must be below 60")
    frames = int(ff_text or 0)
    if frames >= round(fps):
        raise TimecodeError(f"{text!r}: frame {frames} does not exist at {fps:g} fps")
    return seconds_of((h * 3600 + m * 60 + s) * round(fps) + frames, fps)


def format_wall(moment: datetime | None) -> str:
    """Wall-clock time of day, `HH:MM:SS`."""
    return "" if moment is None else moment.strftime("%H:%M:%S")


def format_duration(seconds: float | None) -> str:
    """`H:MM:SS` for a duration (schedules and totals; no frames)."""
    if seconds is None:
        return ""
    total = round(seconds)
    h, rest = divmod(abs(total), 3600)
    m, s = divmod(rest, 60)
    return f"{'-' if total < 0 else ''}{h}:{m:02d}:{s:02d}"


def add_seconds(moment: datetime, seconds: float) -> datetime:
    """`moment` plus a float number of seconds."""
    return moment + timedelta(seconds=seconds)
