"""Small H.264 proxies of raw files with the raw timing: same frames, same timestamps.

A proxy stands in for a stretch of a raw file on a laptop without the recordings. An
editor sets cuts on it and those cuts must land on the same raw frame, so a proxy
keeps every frame (one out for one in: `fps_mode passthrough`, deinterlacing with one
frame per frame) from a frame of the raw file on, and its frame k is the raw frame
`first + k`. `Piece.offset` is the raw-file second of the proxy's time 0; the probe
afterwards checks the count and the first timestamp instead of trusting them.

Short GOPs (one keyframe a second) keep seeking on the proxy quick while scrubbing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from veyedesk.media.probe import MediaError, probe, tool
from veyedesk.media.segments import (
    Cancelled,
    Piece,
    Span,
    _run,
    check_new_piece,
    frame_at,
    place_piece,
    video_timing,
)
from veyedesk.safe_files import ffmpeg_input, new_temp

PROXY_HEIGHT = 360
PRESEEK = 10  # seconds decoded and dropped before a proxy's first frame
PROXY_CRF = 28
PROXY_AUDIO = ("-c:a", "aac", "-b:a", "96k", "-ac", "2", "-ar", "48000")
# Whole microseconds, as ffmpeg parses -ss: the same number on both sides of the mapping.
_US = 1_000_000


def _seconds(value: Fraction) -> float:
    return round(value * _US) / _US


def proxy_command(
    raw: Path,
    start: float,
    frames: int,
    fps: Fraction,
    part: Path,
    *,
    interlaced: bool,
    has_audio: bool,
) -> list[str]:
    """ffmpeg making `frames` proxy frames from raw second `start` on (the frame there first)."""
    chain = []
    if interlaced:
        # send_frame: one output frame per input frame, so frame numbers stay the raw's.
        chain.append("bwdif=mode=send_frame:parity=auto:deint=all")
    chain += [f"scale=trunc({PROXY_HEIGHT}*dar/2)*2:{PROXY_HEIGHT}", "setsar=1", "format=yuv420p"]
    keyint = max(1, round(fps))
    # Seek the demuxer well before `start`, then drop decoded frames up to it exactly: an
    # MPEG-TS seek can land past the keyframe before `start`, and decoding would then begin
    # at the next keyframe, a GOP late. Whole seconds back keep both numbers exact.
    back = min(PRESEEK, math.floor(start))
    args = [
        tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "level+error", "-y",
        "-ss", f"{start - back:.6f}", *ffmpeg_input(raw), "-ss", f"{back:.6f}",
        "-map", "0:v:0", "-frames:v", str(frames), "-vf", ",".join(chain),
        "-fps_mode", "passthrough",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", str(PROXY_CRF),
        "-g", str(keyint), "-keyint_min", str(keyint), "-bf", "0",
    ]  # fmt: skip
    if has_audio:
        args += ["-map", "0:a:0", *PROXY_AUDIO, "-t", f"{float(frames / fps):.6f}"]
    args += ["-movflags", "+faststart", "-f", "mp4", "file:" + str(part)]
    return args


def make_proxy(
    raw: Path,
    span: Span,
    target_stem: Path,
    *,
    cancelled: Cancelled = lambda: False,
    never: Sequence[Path] = (),
) -> Piece:
    """An H.264 proxy of `span` of `raw` at `<target_stem>.mp4`, frame for frame.

    Raises MediaError when the proxy does not hold exactly the raw frames it should (a
    damaged stretch of the recording), so a proxy that would shift cuts is never used,
    and when `<target_stem>.mp4` exists or is `raw` or a file of `never`: a proxy is a
    new file, written beside its name and renamed, and never replaces a recording.
    """
    info = probe(raw)
    video = info.video
    if video is None or not video.fps:
        raise MediaError(f"{raw}: no video stream with a frame rate; cannot make a proxy")
    fps = Fraction(video.fps).limit_denominator(1001)
    first = frame_at(span.start, fps)
    last = max(first + 1, math.ceil(Fraction(span.end).limit_denominator(10**9) * fps))
    if info.duration is not None:
        last = min(last, max(first + 1, math.floor(Fraction(info.duration) * fps + Fraction(1, 2))))
    frames = last - first
    start = _seconds(first / fps)
    target = target_stem.with_suffix(".mp4")
    check_new_piece(target, [raw, *never])
    part = new_temp(target)
    command = proxy_command(
        raw,
        start,
        frames,
        fps,
        part,
        interlaced=info.interlaced,
        has_audio=info.audio is not None,
    )
    try:
        _run(command, raw, cancelled)
        timing = video_timing(part)
        if timing.frames != frames:
            raise MediaError(
                f"{raw}: the proxy from {start:.3f} s has {timing.frames} frames where the "
                f"recording has {frames}; the recording may be damaged there: use segments"
            )
        # The proxy's time 0 (its earliest stream) is raw second `start` less however far
        # its first video frame sits from that 0.
        offset = start - (timing.first - timing.format_start)
        duration = timing.end - timing.format_start
        place_piece(part, target)
    finally:
        part.unlink(missing_ok=True)
    return Piece(target, offset, duration, frames, "proxy")
