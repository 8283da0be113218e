"""Waveform peaks from real ffmpeg decodes, the on-disk cache and resuming a growing file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.support.media import make_clip
from veyedesk.media.cache import MediaCache
from veyedesk.media.peaks import BIN_SECONDS, Peaks, compute_peaks
from veyedesk.media.probe import MediaError


@pytest.fixture(scope="module")
def quiet_left(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("pk") / "a.dv", "dv", 3.0, stamp=False)


def test_peaks_cover_the_file_in_10ms_bins_per_channel(quiet_left: Path) -> None:
    seen: list[float] = []
    peaks = compute_peaks(quiet_left, on_progress=lambda p: seen.append(p.covered))
    assert peaks.complete
    assert peaks.covered == pytest.approx(3.0, abs=BIN_SECONDS)
    assert peaks.data.shape[1:] == (2, 2)
    # A sine at ffmpeg's default amplitude (1/8 full scale) on both channels.
    assert int(peaks.data[:, :, 1].max()) == pytest.approx(4096, rel=0.1)
    assert int(peaks.data[:, :, 0].min()) == pytest.approx(-4096, rel=0.1)
    assert seen and seen[-1] == peaks.covered


def test_columns_fold_bins_and_mark_what_is_not_ready_as_nan() -> None:
    data = np.zeros((1000, 2, 2), dtype=np.int16)
    data[500, 0] = (-16384, 16384)  # one loud bin at 5.00 s
    peaks = Peaks(data)
    cols = peaks.columns(0.0, 1.0, 12)  # 1 s per column, past the 10 s covered
    assert cols[5].tolist() == [-0.5, 0.5]
    assert cols[4].tolist() == [0.0, 0.0]
    assert np.isnan(cols[10:]).all()
    # Zoomed in past one bin per column, every column shows the bin under it.
    fine = peaks.columns(5.0, 0.001, 5)
    assert fine[:, 1].tolist() == [0.5] * 5


def test_missing_and_audio_less_files_are_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"gone\.dv"):
        compute_peaks(tmp_path / "gone.dv")
    junk = tmp_path / "junk.dv"
    junk.write_bytes(b"not a dv file" * 100)
    with pytest.raises(MediaError, match=r"junk\.dv: could not read its audio"):
        compute_peaks(junk)


def test_cache_reuses_unchanged_files_and_extends_a_growing_one(
    quiet_left: Path, tmp_path: Path
) -> None:
    cache = MediaCache(tmp_path / "cache")
    growing = tmp_path / "rec.dv"
    data = quiet_left.read_bytes()
    frame = 144000  # one PAL DV frame
    growing.write_bytes(data[: frame * 25])  # the recorder has written 1 s so far
    first = cache.peaks(growing)
    assert first.covered == pytest.approx(1.0, abs=0.02)
    assert cache.cached_peaks(growing)[1] == "fresh"
    growing.write_bytes(data)  # 2 s more arrived
    assert cache.cached_peaks(growing)[1] == "resume"
    grown = cache.peaks(growing)
    assert grown.covered == pytest.approx(3.0, abs=0.02)
    assert np.array_equal(grown.data[: len(first.data)], first.data)  # kept, not redone
    # A replaced (shorter) file starts over.
    shutil.copyfile(quiet_left, growing)
    os.truncate(growing, frame * 10)
    assert cache.cached_peaks(growing)[1] == "stale"
