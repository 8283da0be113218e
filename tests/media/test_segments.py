"""Stream-copied segments: exact frames for DV, the real keyframe start for long-GOP files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.frames import audio_samples, video_md5s
from tests.support.media import make_clip
from veyedesk.media.probe import MediaError
from veyedesk.media.segments import (
    Span,
    covering_span,
    dv_layout,
    kit_span,
    make_segment,
    video_timing,
)


@pytest.fixture(scope="module")
def long_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """12 s clips: DV, MPEG-TS (1 s GOP, starts at 1.4 s) and MP4 (10 s GOP)."""
    folder = tmp_path_factory.mktemp("long")
    return {k: make_clip(folder / f"raw.{k}", k, 12.0) for k in ("dv", "ts", "mp4")}


def test_kit_span_takes_applied_cuts_and_only_the_part_of_a_window_inside_the_file() -> None:
    assert kit_span([(10.0, 20.0)], [], 5.0, 100.0) == Span(5.0, 25.0)
    # A neighbour file: the talk's window (already ± margin) reaches 3 s into it.
    assert kit_span([], [(-50.0, 3.0)], 5.0, 100.0) == Span(0.0, 3.0)
    assert kit_span([], [(100.0, 140.0)], 5.0, 100.0) is None  # it ends where the talk starts
    assert kit_span([(10.0, 20.0)], [(30.0, 40.0)], 1.0, 100.0) == Span(9.0, 40.0)


def test_covering_span_takes_every_cut_with_the_margin_inside_the_file() -> None:
    assert covering_span([(10.0, 20.0), (40.0, 50.0)], 5.0, 100.0) == Span(5.0, 55.0)
    assert covering_span([(2.0, 98.0)], 5.0, 100.0) == Span(0.0, 100.0)
    with pytest.raises(ValueError):
        covering_span([], 5.0, 100.0)


def test_dv_segment_is_the_raw_frames_byte_for_byte(
    long_clips: dict[str, Path], tmp_path: Path
) -> None:
    raw = long_clips["dv"]
    layout = dv_layout(raw)
    assert layout is not None and layout.frame_bytes == 144000 and layout.frames == 300
    piece = make_segment(raw, Span(3.01, 7.5), tmp_path / "seg")
    # The frame showing at 3.01 s is frame 75 (3.00 s); 7.5 s is frame 187.5 -> up to 188.
    assert piece.path.suffix == ".dv"
    assert (piece.offset, piece.frames) == (3.0, 113)
    assert piece.duration == pytest.approx(113 / 25)
    data = raw.read_bytes()
    assert piece.path.read_bytes() == data[75 * 144000 : 188 * 144000]
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("kind", ["ts", "mp4"])
def test_stream_copy_segment_maps_raw_seconds_to_the_same_frames(
    long_clips: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    raw = long_clips[kind]
    piece = make_segment(raw, Span(5.0, 7.0), tmp_path / "seg")
    assert piece.path.suffix == ".mkv"
    # A stream copy starts at the keyframe before 5 s: 5 s itself with 1 s GOPs (the TS),
    # 0 s with the MP4's 10 s GOP; the probe, not the request, decides the offset.
    assert piece.offset <= 5.0 + 1e-6
    assert piece.covers(5.0, 7.0)
    # The reference is the raw file decoded from its start (ffmpeg's -ss on MPEG-TS can
    # land a frame late near a keyframe, so no seek on the raw side).
    every = video_md5s(raw)
    timing = video_timing(raw)
    grid = timing.first - timing.format_start  # raw seconds of the raw file's first frame
    seg = video_timing(piece.path)
    first = round((piece.offset + seg.first - seg.format_start - grid) * 25)
    assert video_md5s(piece.path) == every[first : first + piece.frames]
    # Seeking in the piece to a raw second minus the offset shows that raw frame.
    for raw_frame in (125, 150, 174):
        local = grid + raw_frame / 25 - piece.offset
        assert video_md5s(piece.path, local, 1) == [every[raw_frame]], (kind, raw_frame)


def test_segment_audio_is_the_raw_audio(long_clips: dict[str, Path], tmp_path: Path) -> None:
    raw = long_clips["dv"]
    piece = make_segment(raw, Span(2.0, 6.0), tmp_path / "seg")
    assert audio_samples(piece.path, 1.0, 2.0) == audio_samples(raw, 3.0, 2.0)


def test_unreadable_raw_file_is_a_media_error_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "broken.dv"
    bad.write_bytes(b"not video at all" * 100)
    with pytest.raises(MediaError, match=r"broken\.dv"):
        make_segment(bad, Span(0.0, 1.0), tmp_path / "seg")
    assert not list(tmp_path.glob("seg*"))


@pytest.mark.parametrize("start_frame", [172, 174])
def test_ts_segment_covers_a_start_just_before_a_keyframe(
    long_clips: dict[str, Path], tmp_path: Path, start_frame: int
) -> None:
    raw = long_clips["ts"]
    timing = video_timing(raw)
    grid = timing.first - timing.format_start
    start = grid + start_frame / 25
    piece = make_segment(raw, Span(start, start + 1.0), tmp_path / "seg")
    seg = video_timing(piece.path)
    assert seg.first <= start + 1e-6  # the piece's first frame is not after the start
    every = video_md5s(raw)
    first = round((piece.offset + seg.first - seg.format_start - grid) * 25)
    assert first <= start_frame
    assert video_md5s(piece.path) == every[first : first + piece.frames]
