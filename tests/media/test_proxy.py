"""Proxies: small H.264 with the raw timing, so a frame on the proxy is the same raw frame."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.frames import before, closest_frame, stamp_of
from tests.support.media import make_clip
from veyedesk.media.probe import probe
from veyedesk.media.proxy import make_proxy
from veyedesk.media.segments import Span


@pytest.fixture(scope="module")
def raw_dv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("proxy") / "raw.dv", "dv", 8.0)


def _frame_times(path: Path) -> list[float]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "frame=pts_time", "-of", "json", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [float(f["pts_time"]) for f in json.loads(out)["frames"]]


def test_dv_proxy_has_every_raw_frame_at_the_raw_times(raw_dv: Path, tmp_path: Path) -> None:
    piece = make_proxy(raw_dv, Span(2.01, 6.5), tmp_path / "px")
    assert piece.path.suffix == ".mp4" and piece.kind == "proxy"
    # Frame 50 (2.00 s) to frame 162 (6.48 s): 113 frames, frame k at raw (50 + k) / 25.
    assert (piece.offset, piece.frames) == (2.0, 113)
    times = _frame_times(piece.path)
    assert len(times) == 113
    assert [round((t + piece.offset) * 25) for t in times] == list(range(50, 163))
    info = probe(piece.path)
    assert info.video is not None and info.video.codec == "h264" and info.video.height == 360
    assert not info.interlaced
    assert piece.path.stat().st_size < raw_dv.stat().st_size * 113 / 200 / 10


@pytest.mark.parametrize("raw_frame", [50, 51, 99, 162])
def test_frame_on_the_proxy_is_the_same_raw_frame(
    raw_dv: Path, tmp_path_factory: pytest.TempPathFactory, raw_frame: int
) -> None:
    folder = tmp_path_factory.getbasetemp() / "proxy-frames"
    target = folder / "px.mp4"
    if not target.exists():
        make_proxy(raw_dv, Span(2.01, 6.5), folder / "px")
    offset = 2.0
    # Where an editor parks the playhead on the proxy: the frame's time on the proxy.
    local = raw_frame / 25 - offset
    picture = stamp_of(target, local - 0.25 / 25)
    found, distances = closest_frame(raw_dv, 25.0, range(raw_frame - 3, raw_frame + 4), picture)
    assert found == raw_frame, distances


def test_mp4_proxy_keeps_the_raw_timing(tmp_path: Path) -> None:
    raw = make_clip(tmp_path / "raw.mp4", "mp4", 6.0)
    piece = make_proxy(raw, Span(3.0, 5.0), tmp_path / "px")
    assert (piece.offset, piece.frames) == (3.0, 50)
    for raw_frame in (75, 100, 124):
        picture = stamp_of(piece.path, raw_frame / 25 - piece.offset - 0.25 / 25)
        found, distances = closest_frame(raw, 25.0, range(raw_frame - 2, raw_frame + 3), picture)
        assert found == raw_frame, distances


@pytest.mark.parametrize("raw_frame", [172, 174, 175])
def test_ts_proxy_starts_on_the_raw_frame_even_just_before_a_keyframe(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, raw_frame: int
) -> None:
    # An MPEG-TS seek to just before a keyframe (every 25 frames here) lands past the
    # previous one: decoding from there would start at frame 175, a GOP's end late.
    folder = tmp_path_factory.getbasetemp() / "ts-proxy"
    raw = folder / "raw.ts"
    if not raw.exists():
        folder.mkdir(exist_ok=True)
        make_clip(raw, "ts", 12.0)
    piece = make_proxy(raw, Span(raw_frame / 25 + 0.011, raw_frame / 25 + 0.5), tmp_path / "px")
    assert piece.frames == 13
    picture = stamp_of(piece.path, before(0, 25.0))
    found, distances = closest_frame(raw, 25.0, range(raw_frame - 3, raw_frame + 4), picture)
    assert found == raw_frame, distances
