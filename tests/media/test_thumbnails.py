"""Keyframe thumbnails: display aspect, times, caching."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.media import make_clip
from veyedesk.media.cache import MediaCache
from veyedesk.media.probe import MediaError
from veyedesk.media.thumbnails import compute_thumbnails, thumb_size


def test_dv_thumbnails_are_4_3_and_one_per_interval(clips: dict[str, Path]) -> None:
    thumbs = compute_thumbnails(clips["dv"], interval=2.0)
    assert (thumbs.width, thumbs.height) == (72, 54)  # 720x576 with 16:15 pixels is 4:3
    assert thumbs.times == [0.0, 2.0, 4.0]
    assert all(len(f) == 72 * 54 * 3 for f in thumbs.frames)
    assert thumbs.complete


def test_long_gop_mp4_gives_only_its_keyframes(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "gop.mp4", "mp4", 12.0)  # keyframes at 0 and 10 s
    thumbs = compute_thumbnails(clip, interval=1.0)
    assert (thumbs.width, thumbs.height) == (96, 54)
    assert thumbs.times == pytest.approx([0.0, 10.0])


def test_thumb_size_prefers_the_display_aspect() -> None:
    assert thumb_size(720, 576, "16:9", "64:45") == (96, 54)
    assert thumb_size(720, 576, None, "16:15") == (72, 54)
    assert thumb_size(1920, 1080, "0:1", None) == (96, 54)


def test_cache_round_trip_and_a_clear_error_for_no_video(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    cache = MediaCache(tmp_path / "cache")
    made = cache.thumbnails(clips["dv"], interval=2.0)
    again, state = cache.cached_thumbnails(clips["dv"])
    assert state == "fresh" and again is not None
    assert again.times == made.times and again.frames == made.frames
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\0" * 1000)
    with pytest.raises(MediaError, match=r"junk\.mp4"):
        compute_thumbnails(junk)
