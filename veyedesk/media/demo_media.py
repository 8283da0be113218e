"""Generated recordings for the demo show: a test pattern with the room and wall clock burnt in.

The audio is a tone whose loudness swells and fades (so the waveform has shape). A room can
record its speaker on the left channel only, which is what `channelcopy` exists to fix.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from veyedesk.media.probe import MediaError, tool

RENDER_TIMEOUT = 600.0


def _drawtext_escape(text: str) -> str:
    # drawtext's text= value sits inside a filtergraph: escape its own and the graph's specials.
    for ch in ("\\", "'", ":", "%", ",", ";", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text


def demo_recording_args(
    path: Path,
    seconds: float,
    *,
    label: str,
    wall_start: float,
    pattern: str = "testsrc2",
    tone_hz: int = 440,
    left_only: bool = False,
    size: str = "640x360",
) -> list[str]:
    """The ffmpeg argument list for one demo recording (pure, so a test can pin it).

    `wall_start` is the recording's start as seconds since midnight, so the burnt-in clock
    shows the venue time of every frame.
    """
    swell = "(0.55+0.45*sin(2*PI*t/9))"
    left = f"0.4*sin(2*PI*{tone_hz}*t)*{swell}"
    right = "0" if left_only else f"0.4*sin(2*PI*{tone_hz * 3 // 2}*t)*{swell}"
    text = _drawtext_escape(label)
    clock = f"%{{pts\\:hms\\:{wall_start:.3f}}}"
    draw = (
        f"drawtext=text='{text}   {clock}':x=16:y=h-52:fontsize=30:fontcolor=white:"
        "box=1:boxcolor=black@0.65:boxborderw=8"
    )
    return [
        tool("ffmpeg"),
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"{pattern}=size={size}:rate=25",
        "-f",
        "lavfi",
        "-i",
        f"aevalsrc={left}|{right}:sample_rate=48000:channel_layout=stereo",
        "-t",
        f"{seconds:.3f}",
        "-vf",
        draw,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "25",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "-movflags",
        "+faststart",
        "file:" + str(path),
    ]


def render_demo_recording(path: Path, seconds: float, **options: object) -> Path:
    """Write one demo recording to `path` (an .mp4); MediaError says why when ffmpeg fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    args = demo_recording_args(path, seconds, **options)  # type: ignore[arg-type]
    partial = path.with_name(path.name + ".part.mp4")
    args[-1] = "file:" + str(partial)
    try:
        proc = subprocess.run(args, capture_output=True, timeout=RENDER_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        partial.unlink(missing_ok=True)
        raise MediaError(f"{path}: ffmpeg took over {RENDER_TIMEOUT:.0f} s; try again") from None
    if proc.returncode != 0:
        partial.unlink(missing_ok=True)
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MediaError(
            f"{path}: ffmpeg could not make the demo recording "
            f"({reason[-1] if reason else f'exit code {proc.returncode}'})"
        )
    # Rename only when complete, so an interrupted run never leaves a truncated recording.
    partial.replace(path)
    return path
