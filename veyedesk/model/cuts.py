"""What makes a cut valid, written once: the editor, the timeline, saving and encoding use it.

A cut is a range of one raw file: `start`/`end` are offsets in seconds from the file's start,
blank meaning the file's start or end. It is valid when it starts inside the file, ends
after it starts, lasts at least one frame, and does not end past the file's end, with one
frame of tolerance there (containers round their durations; a cut "to the end" that the
probe puts a frame short must not be refused).
"""

from __future__ import annotations

from veyedesk.model.timecode import DEFAULT_FPS, format_offset, frame_of, seconds_of

# Audio-channel fixes of Veyepar's channelcopy codes as lavfi pan filters: the player and
# the encoder use the same ones, so what the editor hears is what the encode gets.
CHANNELCOPY_PAN: dict[str, str] = {
    "m": "pan=stereo|c0=0.5*c0+0.5*c1|c1=0.5*c0+0.5*c1",
    "01": "pan=stereo|c0=c0|c1=c0",
    "10": "pan=stereo|c0=c1|c1=c1",
}
CHANNELCOPY_CODES: tuple[str, ...] = ("", "00", *CHANNELCOPY_PAN)
EOF_TOLERANCE_FRAMES = 1


def fps_or_default(fps: float | None) -> float:
    """The frame rate to count frames with: the file's, else PAL's 25 (DV's and the seed's)."""
    return fps if fps and fps > 0 else DEFAULT_FPS


def frame_seconds(fps: float | None) -> float:
    """How long one frame lasts."""
    return 1.0 / fps_or_default(fps)


def whole_frames(seconds: float, fps: float) -> int:
    """Whole frames in `seconds` at `fps` (rounded to the nearest frame)."""
    return max(0, round(seconds * fps))


def bounds(start: float | None, end: float | None, length: float | None) -> tuple[float, float]:
    """The cut's in and out as offsets, blanks resolved against the file's length."""
    return (start or 0.0, (length or 0.0) if end is None else end)


def cut_problem(
    start: float | None, end: float | None, length: float | None, fps: float | None
) -> str:
    """What is wrong with a cut, and what to fix ("" when it can be encoded).

    `length` is the file's duration (None when unknown).
    """
    fps = fps_or_default(fps)
    s = start or 0.0
    e = length if end is None else end
    shown = f"in {format_offset(s, fps)}, out {format_offset(e, fps)}"
    if s < 0:
        return f"starts before the file ({shown}); fix the in point"
    if e is None:
        return "the file's length is unknown; set an out point"
    if length is not None and s >= length:
        return (
            f"starts past the end of the file ({shown}, the file lasts "
            f"{format_offset(length, fps)}); fix the in point"
        )
    if e <= s:
        what = "is empty" if e == s else "is inverted (out before in)"
        return f"{what} ({shown}); fix the in and out points"
    if length is not None and e > length + EOF_TOLERANCE_FRAMES / fps:
        return (
            f"ends past the end of the file ({shown}, the file lasts "
            f"{format_offset(length, fps)}); fix the out point"
        )
    if whole_frames(min(e, length if length is not None else e) - s, fps) < 1:
        return f"is shorter than one frame ({shown}); fix or un-apply it"
    return ""


def snap_into_file(offset: float, length: float | None, fps: float | None) -> tuple[float, str]:
    """`offset` snapped to its frame and kept inside the file; the second item says where it
    was clamped ("start", "end" or "")."""
    fps = fps_or_default(fps)
    value = seconds_of(frame_of(offset, fps), fps)
    if value < 0:
        return 0.0, "start"
    if length and value > length:
        return length, "end"
    return value, ""


def keep_one_frame(
    which: str, offset: float, start: float, end: float, length: float, fps: float | None
) -> float:
    """Where a dragged edge may go: inside the file and at least one frame from the other."""
    frame = frame_seconds(fps)
    if which == "start":
        return min(max(offset, 0.0), end - frame)
    return max(min(offset, length), start + frame)
