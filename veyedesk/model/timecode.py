"""Timecode maths: offsets in seconds <-> frames <-> SMPTE `HH:MM:SS:FF`, and wall clock.

Positions are stored as seconds (float) from the start of a raw file. Editors think in
frames, so everything the user sees is SMPTE timecode, `HH:MM:SS:FF` with `FF` the frame
within the second; the colon before the frames is what tells it from decimal seconds
(`HH:MM:SS.ff` read as hundredths: the burnt-in clock's 17.68 s is frame 17, not 68).
At 29.97 and 59.94 fps the timecode is drop-frame (`HH:MM:SS;FF`), so it keeps to the
clock on the wall the way cameras and NLEs count.

What a person types may be any of: decimal seconds (`17.68`, `00:00:17.68`, `1:17.5`),
SMPTE (`00:00:17:17`, or `;` before the frames when drop-frame) and a plain frame count
(`442f`). `format_decimal` writes Veyepar's `HH:MM:SS.ss` for its JSON.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from veyedesk.errors import UserError

DEFAULT_FPS = 25.0

# Shown in prompts and error messages: every form `parse_offset` reads.
TIMECODE_HINT = "HH:MM:SS:FF (FF = frame), seconds like 17.68 or 00:00:17.68, or frames like 442f"

_FRAMES = re.compile(r"^(?P<n>\d+)\s*f$", re.IGNORECASE)
_SMPTE = re.compile(r"^(?P<h>\d+):(?P<m>\d{1,2}):(?P<s>\d{1,2})(?P<sep>[:;])(?P<f>\d{1,2})$")
_DECIMAL = re.compile(r"^(?:(?:(?P<h>\d+):)?(?P<m>\d{1,2}):)?(?P<s>\d+(?:\.\d*)?)$")


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


def nominal_fps(fps: float) -> int:
    """Frames per timecode second: 25 for 25, 30 for 29.97, 24 for 23.976."""
    return max(1, round(fps))


def dropped_per_minute(fps: float) -> int:
    """Frame numbers skipped each minute (not each tenth) by drop-frame timecode; 0 if none.

    Only the NTSC rates 30000/1001 and 60000/1001 use drop-frame (2 and 4 numbers).
    """
    nominal = nominal_fps(fps)
    if nominal in (30, 60) and abs(fps - nominal * 1000 / 1001) < 0.005:
        return nominal // 15
    return 0


def frame_to_timecode(frame: int, fps: float = DEFAULT_FPS) -> str:
    """SMPTE timecode of frame number `frame` (`HH:MM:SS:FF`; `;FF` when drop-frame)."""
    nominal, drop = nominal_fps(fps), dropped_per_minute(fps)
    number = frame
    if drop:
        # Renumber: every minute but each tenth skips its first `drop` frame numbers.
        per_ten = 600 * nominal - 9 * drop
        per_minute = 60 * nominal - drop
        tens, rest = divmod(frame, per_ten)
        skipped = 9 * drop * tens
        if rest >= drop:
            skipped += drop * ((rest - drop) // per_minute)
        number = frame + skipped
    whole, ff = divmod(number, nominal)
    h, rest_s = divmod(whole, 3600)
    m, s = divmod(rest_s, 60)
    return f"{h:02d}:{m:02d}:{s:02d}{';' if drop else ':'}{ff:02d}"


def timecode_to_frame(h: int, m: int, s: int, ff: int, fps: float = DEFAULT_FPS) -> int:
    """Frame number of SMPTE `h:m:s:ff` (drop-frame at 29.97/59.94); refuses what cannot be."""
    nominal, drop = nominal_fps(fps), dropped_per_minute(fps)
    shown = f"{h:02d}:{m:02d}:{s:02d}:{ff:02d}"
    if m >= 60 or s >= 60:
        raise TimecodeError(f"{shown!r}: minutes and seconds must be below 60")
    if ff >= nominal:
        raise TimecodeError(f"{shown!r}: frame {ff} does not exist at {fps:g} fps")
    minutes = 60 * h + m
    if drop and s == 0 and ff < drop and m % 10 != 0:
        raise TimecodeError(
            f"{shown!r}: drop-frame timecode at {fps:g} fps skips frames 00-{drop - 1:02d} "
            "of this minute; type the next frame"
        )
    return (3600 * h + 60 * m + s) * nominal + ff - drop * (minutes - minutes // 10)


def format_offset(seconds: float | None, fps: float = DEFAULT_FPS) -> str:
    """SMPTE `HH:MM:SS:FF` of the frame shown at an offset into a file ('' for None)."""
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    return sign + frame_to_timecode(frame_of(abs(seconds), fps), fps)


def format_decimal(seconds: float | None) -> str:
    """Veyepar's `HH:MM:SS.ss` (decimal seconds, hundredths) for its JSON; '' for None."""
    if seconds is None:
        return ""
    hundredths = round(abs(seconds) * 100)
    whole, cs = divmod(hundredths, 100)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{'-' if seconds < 0 else ''}{h:02d}:{m:02d}:{s:02d}.{cs:02d}"


def format_decimal_exact(seconds: float | None, *, min_places: int = 2) -> str:
    """`HH:MM:SS.ss…` with every digit the float needs, so `parse_decimal` gives it back.

    Veyepar's form (at least hundredths) for values on a 25 fps grid; a 29.97 fps frame or a
    sub-second start gets the further digits a round trip through a file needs. '' for None.
    """
    if seconds is None:
        return ""
    exact = abs(Decimal(repr(float(seconds))))  # the shortest text that reads back the same
    whole = int(exact)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    fraction = format(exact - whole, "f").partition(".")[2].rstrip("0")
    fraction = fraction.ljust(min_places, "0")
    sign = "-" if seconds < 0 else ""
    return f"{sign}{h:02d}:{m:02d}:{s:02d}" + (f".{fraction}" if fraction else "")


def parse_decimal(text: str) -> float:
    """Seconds from `[[H:]MM:]SS[.fff]`, exactly (no frame snapping): files, not typing.

    Summed in decimal, so the text `format_decimal_exact` wrote reads back as the very
    same float.
    """
    raw = text.strip()
    negative = raw.startswith("-")
    match = _DECIMAL.match(raw[1:] if negative else raw)
    if not match:
        raise TimecodeError(f"{text!r} is not decimal seconds like 00:00:17.68")
    try:
        secs = Decimal(match["s"])
    except InvalidOperation:
        raise TimecodeError(f"{text!r} is not decimal seconds like 00:00:17.68") from None
    if match["m"] is not None and (int(match["m"]) >= 60 or secs >= 60):
        raise TimecodeError(f"{text!r}: minutes and seconds must be below 60")
    total = float(3600 * int(match["h"] or 0) + 60 * int(match["m"] or 0) + secs)
    return -total if negative else total


def parse_offset(text: str, fps: float = DEFAULT_FPS) -> float:
    """Read a typed offset as seconds on the frame grid of `fps`.

    `HH:MM:SS:FF` (or `;FF`) is SMPTE; `442f` is a frame count; anything else with at
    most two colons is decimal seconds (`17.68`, `1:17.68`, `00:00:17.68`, `00:01:05`),
    snapped to the frame it falls in.
    """
    raw = text.strip()
    if match := _FRAMES.match(raw):
        return seconds_of(int(match["n"]), fps)
    if match := _SMPTE.match(raw):
        h, m, s, ff = (int(match[k]) for k in ("h", "m", "s", "f"))
        if match["sep"] == ";" and not dropped_per_minute(fps):
            raise TimecodeError(
                f"{text!r}: ';' marks drop-frame timecode, which {fps:g} fps does not use; "
                "type HH:MM:SS:FF"
            )
        return seconds_of(timecode_to_frame(h, m, s, ff, fps), fps)
    match = _DECIMAL.match(raw)
    if not match:
        raise TimecodeError(f"{text!r} is not a timecode; type {TIMECODE_HINT}")
    hours, minutes, secs = int(match["h"] or 0), int(match["m"] or 0), float(match["s"])
    if match["m"] is not None and (minutes >= 60 or secs >= 60):
        raise TimecodeError(f"{text!r}: minutes and seconds must be below 60")
    return snap(3600 * hours + 60 * minutes + secs, fps)


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
