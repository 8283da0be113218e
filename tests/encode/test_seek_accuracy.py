"""An encode's first frame is the cut's first frame on MPEG-TS, long-GOP MP4 and DV.

ffmpeg 5.1's input seek (`-ss` before `-i`) on MPEG-TS can land a GOP late: asked for a
frame a few frames before a keyframe, decoding starts at that keyframe. These tests burn
frame numbers into the source (`make_clip`), encode a cut starting just before a
keyframe and mid-GOP, and match the encode's first and last frames against the source's.
"""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tests.encode.support import SMALL
from tests.support.frames import STAMP_H, STAMP_W, difference
from tests.support.media import FFMPEG, KINDS, make_clip
from veyedesk.encode.plan import CutSource, PlanSpec, encode_args, fit_box
from veyedesk.encode.run import run_ffmpeg
from veyedesk.media.probe import probe

pytestmark = pytest.mark.media
FPS = 25


def long_gop_mp4(path: Path, seconds: float) -> Path:
    """An MP4 with a 2 s GOP (-g 50), so most cut points fall mid-GOP."""
    make_clip(path.with_suffix(".src.mp4"), "mp4", seconds)
    subprocess.run(
        [FFMPEG, "-nostdin", "-v", "error", "-y", "-i", str(path.with_suffix(".src.mp4")),
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50",
         "-sc_threshold", "0", "-c:a", "copy", str(path)],
        check=True,
    )  # fmt: skip
    return path


SECONDS = 9.0


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("seek")
    assert "-g" in KINDS["ts"][1]  # make_clip's TS: one keyframe a second (25 frames)
    return {
        "ts": make_clip(folder / "a.ts", "ts", SECONDS),
        "mp4": long_gop_mp4(folder / "b.mp4", SECONDS),
        "dv": make_clip(folder / "c.dv", "dv", SECONDS),
    }


@pytest.fixture(scope="module")
def source_stamps(sources: dict[str, Path]) -> dict[str, list[bytes]]:
    """Every source frame's stamp, decoded once from the start (no seek to trust)."""
    total = round(SECONDS * FPS)
    stamps = {kind: frame_stamps(path, 0, total) for kind, path in sources.items()}
    assert all(len(s) == total for s in stamps.values())
    return stamps


def which_frame(stamps: list[bytes], picture: bytes) -> int:
    """The source frame whose stamp `picture` matches best."""
    distances = [difference(stamp, picture) for stamp in stamps]
    return min(range(len(distances)), key=distances.__getitem__)


def frame_stamps(path: Path, first: int, count: int, picture: str = "") -> list[bytes]:
    """The frame-number corners of frames first..first+count-1 of `path` (decoded, not sought).

    `picture` crops an encode's letter/pillarbox off first (`crop=w:h:x:y`).
    """
    vf = (
        f"{picture + ',' if picture else ''}select=between(n\\,{first}\\,{first + count - 1}),"
        f"crop=iw/3:ih/5:0:0,scale={STAMP_W}:{STAMP_H},format=gray"
    )
    out = subprocess.run(
        [FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0", "-vf", vf,
         "-fps_mode", "passthrough", "-f", "rawvideo", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    size = STAMP_W * STAMP_H
    return [out[i : i + size] for i in range(0, len(out), size)]


def encode_cut(source: Path, first: int, count: int, out: Path) -> Path:
    info = probe(source)
    assert info.video is not None
    spec = PlanSpec(
        cuts=(
            CutSource(
                path=source,
                start=first / FPS,
                duration=count / FPS,
                label=source.name,
                interlaced=info.interlaced,
                width=info.video.width or 0,
                height=info.video.height or 0,
                display_aspect=info.video.display_aspect,
            ),
        ),
        profile=SMALL,
        output=out,
    )
    run_ffmpeg(encode_args(spec, FFMPEG), duration=count / FPS, output=out)
    return out


# (first frame, frames): 1-3 frames before a keyframe (TS: every 25; MP4: every 50), mid-GOP,
# a keyframe itself, and the file's first frame.
CASES = {
    "ts": [(172, 10), (149, 8), (123, 8), (137, 8), (175, 6), (0, 6)],
    "mp4": [(147, 8), (199, 8), (162, 8), (150, 6), (0, 6)],
    "dv": [(172, 8), (149, 8), (137, 8), (0, 6)],
}


@pytest.mark.parametrize(
    ("kind", "first", "count"),
    [(kind, first, count) for kind, cases in CASES.items() for first, count in cases],
)
def test_encode_holds_exactly_the_cut_frames(
    sources: dict[str, Path],
    source_stamps: dict[str, list[bytes]],
    tmp_path: Path,
    kind: str,
    first: int,
    count: int,
) -> None:
    out = encode_cut(sources[kind], first, count, tmp_path / f"{kind}-{first}.mp4")
    info = probe(sources[kind])
    assert info.video is not None
    w, h = fit_box(
        Fraction(*map(int, (info.video.display_aspect or "16:9").split(":"))),
        SMALL.width,
        SMALL.height,
    )
    picture = f"crop={w}:{h}:{(SMALL.width - w) // 2}:{(SMALL.height - h) // 2}"
    stamps = frame_stamps(out, 0, count + 1, picture)
    assert len(stamps) == count  # the frame count is exact too
    got = [which_frame(source_stamps[kind], stamp) for stamp in stamps]
    assert got == list(range(first, first + count))


def noisy_ts(path: Path, seconds: float) -> Path:
    """An MPEG-TS (1 s GOP) whose audio is seeded noise: every moment of it is unlike any other."""
    subprocess.run(
        [FFMPEG, "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc=size=640x360:rate={FPS}:duration={seconds}",
         "-f", "lavfi", "-i", f"anoisesrc=seed=7:sample_rate=48000:duration={seconds}",
         "-ac", "2", *KINDS["ts"][1], str(path)],
        check=True,
    )  # fmt: skip
    return path


def mono(path: Path, start: float, seconds: float) -> np.ndarray:
    """Decoded audio of `path` from `start` (sought on the output side: exact), as floats."""
    raw = subprocess.run(
        [FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-ss", f"{start:.6f}",
         "-t", f"{seconds:.6f}", "-map", "0:a:0", "-ac", "1", "-ar", "48000",
         "-f", "f32le", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<f4").astype(np.float64)


def test_audio_starts_at_the_cut_start_in_step_with_the_video(tmp_path: Path) -> None:
    source = noisy_ts(tmp_path / "noise.ts", 9.0)
    first, count = 172, 50  # 3 frames before a keyframe
    out = encode_cut(source, first, count, tmp_path / "noise.mp4")
    got = mono(out, 0.1, 0.5)  # past the join's 30 ms fade-in
    margin = 0.1
    want = mono(source, first / FPS + 0.1 - margin, 0.5 + 2 * margin)
    # Where in the source stretch the encode's audio fits best: `margin` means on time.
    scores = [
        float(np.dot(got, want[lag : lag + len(got)])) for lag in range(0, len(want) - len(got) + 1)
    ]
    lag = int(np.argmax(scores)) / 48000 - margin
    assert abs(lag) < 0.001, f"audio {lag * 1000:+.1f} ms off the cut's start"
