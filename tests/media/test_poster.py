"""Poster frames: the sharp, well-exposed part of an encode is chosen, never black."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.support.media import FFMPEG
from veyedesk.media.poster import (
    Cancelled,
    FrameScore,
    best,
    choose_poster,
    sample_times,
    score_frames,
    score_gray,
)
from veyedesk.media.probe import MediaError


def encode(path: Path, *parts: str, seconds: float = 3.0, size: str = "640x360") -> Path:
    """An H.264 MP4 of lavfi video `parts` (each `seconds` long) back to back, 1 s GOP."""
    args = [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    for part in parts:
        sep = ":" if "=" in part else "="
        args += ["-f", "lavfi", "-t", f"{seconds}", "-i", f"{part}{sep}size={size}:rate=25"]
    chain = "".join(f"[{i}:v]" for i in range(len(parts)))
    args += ["-filter_complex", f"{chain}concat=n={len(parts)}:v=1:a=0,format=yuv420p[v]"]
    args += ["-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", str(path)]
    subprocess.run(args, check=True)
    return path


def luma(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L"), dtype=np.float32)


def test_black_start_then_test_pattern_chooses_the_pattern(tmp_path: Path) -> None:
    clip = encode(tmp_path / "talk.mp4", "color=c=black", "testsrc2", seconds=3.0)
    poster = choose_poster(clip, tmp_path / "posters", name="fast_python.jpg")
    assert poster is not None
    assert poster.path == tmp_path / "posters" / "fast_python.jpg"
    assert poster.seconds >= 3.0, "the black part is never chosen"
    pixels = luma(poster.path)
    assert pixels.shape == (360, 640)
    assert pixels.mean() > 40 and pixels.std() > 20
    scores = score_frames(clip)
    assert any(not s.acceptable and s.luma < 5 for s in scores)  # the black part was seen


def test_sharp_part_beats_a_blurred_one(tmp_path: Path) -> None:
    # The same pattern, out of focus for the first half: the in-focus half is chosen.
    blurred = tmp_path / "blurred.mp4"
    args = [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-f", "lavfi", "-t", "3", "-i", "testsrc=size=640x360:rate=25"]
    args += ["-f", "lavfi", "-t", "3", "-i", "testsrc=size=640x360:rate=25"]
    args += ["-filter_complex", "[0:v]gblur=sigma=12[b];[b][1:v]concat=n=2:v=1:a=0[v]"]
    args += ["-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", str(blurred)]
    subprocess.run(args, check=True)
    scores = score_frames(blurred, samples=6)
    poster = choose_poster(blurred, tmp_path, samples=6)
    assert poster is not None and poster.seconds >= 3.0
    blurred_scores = [s for s in scores if s.seconds < 3.0]
    assert blurred_scores and all(s.sharpness < poster.score.sharpness for s in blurred_scores)


def test_title_and_credits_are_skipped_when_told(tmp_path: Path) -> None:
    clip = encode(tmp_path / "t.mp4", "testsrc2", "color=c=gray", "testsrc2", seconds=2.0)
    assert all(2.0 <= t <= 4.0 for t in sample_times(6.0, 5, skip_start=2.0, skip_end=2.0))
    # Only the flat gray middle is left: nothing acceptable, no poster.
    assert choose_poster(clip, tmp_path, skip_start=2.0, skip_end=2.0) is None


def test_all_black_or_white_gives_no_poster(tmp_path: Path) -> None:
    black = encode(tmp_path / "black.mp4", "color=c=black", seconds=4.0)
    white = encode(tmp_path / "white.mp4", "color=c=white", seconds=4.0)
    assert choose_poster(black, tmp_path, samples=4) is None
    assert choose_poster(white, tmp_path, samples=4) is None
    assert not list(tmp_path.glob("*.jpg")) and not list(tmp_path.glob(".*"))


def test_non_square_pixels_give_a_square_pixel_poster(tmp_path: Path) -> None:
    clip = tmp_path / "dv.mp4"
    args = [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-f", "lavfi", "-t", "2", "-i", "testsrc2=size=720x576:rate=25"]
    args += ["-vf", "setsar=64/45", "-c:v", "libx264", "-preset", "ultrafast", str(clip)]
    subprocess.run(args, check=True)
    poster = choose_poster(clip, tmp_path)
    assert poster is not None
    with Image.open(poster.path) as image:
        assert image.size == (1024, 576)  # 16:9 as shown


def test_scores_rank_edges_and_refuse_flat_pictures() -> None:
    rng = np.random.default_rng(1)
    flat = np.full((90, 160), 128, dtype=np.uint8)
    noise = rng.integers(0, 255, (90, 160), dtype=np.uint8)
    smooth = np.tile(np.linspace(0, 255, 160, dtype=np.uint8), (90, 1))
    assert not score_gray(0, flat).acceptable
    assert score_gray(0, noise).sharpness > score_gray(0, smooth).sharpness
    chosen = best([score_gray(1, smooth), score_gray(2, noise), score_gray(3, flat)])
    assert chosen is not None and chosen.seconds == 2
    assert best([FrameScore(0, 5.0, 1.0, 9e9)]) is None


def test_unreadable_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "-not a video:.mp4"
    bad.write_bytes(b"garbage" * 100)
    with pytest.raises(MediaError, match="not a video"):
        choose_poster(bad, tmp_path)


def test_cancelled_choice_stops(tmp_path: Path) -> None:
    clip = encode(tmp_path / "talk.mp4", "testsrc2", seconds=2.0)
    with pytest.raises(Cancelled, match="cancelled"):
        choose_poster(clip, tmp_path, samples=3, cancelled=lambda: True)
    assert not list(tmp_path.glob("*.jpg"))
