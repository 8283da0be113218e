"""Waveform peaks from real ffmpeg decodes, the on-disk cache and resuming a growing file.

Corrupt and stalled recordings too: a corrupt tail gives the peaks up to where reading
failed (never a hang), and cancelling kills a stuck ffmpeg at once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.media import (
    CorruptRecording,
    ffmpeg_children,
    make_clip,
    make_corrupt_ts,
    shared_corrupt_ts,
)
from tests.support.waiting import wait_for
from veyedesk.media.cache import MediaCache
from veyedesk.media.peaks import BIN_SECONDS, CHUNK_BINS, Peaks, compute_peaks
from veyedesk.media.probe import MediaError
from veyedesk.media.thumbnails import Thumbnails, compute_thumbnails


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


@pytest.fixture(scope="session")
def corrupt_ts(tmp_path_factory: pytest.TempPathFactory) -> CorruptRecording:
    return shared_corrupt_ts(tmp_path_factory)


def _in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run `work` in a daemon thread, so a hang fails the test instead of stalling the run."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def test_corrupt_recording_gives_peaks_up_to_where_reading_failed_without_hanging(
    corrupt_ts: CorruptRecording,
) -> None:
    thread, box = _in_thread(lambda: compute_peaks(corrupt_ts.path))
    wait_for("the peaks of a corrupt 10-minute TS", lambda: not thread.is_alive(), timeout=120)
    assert "error" not in box, box.get("error")
    peaks: Peaks = box["result"]
    assert peaks.complete
    assert peaks.unreadable_from is not None
    assert peaks.unreadable_from == pytest.approx(corrupt_ts.corrupt_from, abs=1.5)
    assert peaks.covered == pytest.approx(peaks.unreadable_from)
    assert "Error while decoding" in peaks.problem
    # Up to there it is the steady tone (1/8 full scale, -3 dB to each side) in every
    # second; decoded garbage would be far louder.
    per_second = peaks.data[: int(peaks.covered) * 100].reshape(-1, 100, 2, 2)
    loudest = per_second[:, :, :, 1].max(axis=(1, 2))
    assert len(loudest) >= 190 and 2900 < loudest.min() <= loudest.max() < 3100
    assert ffmpeg_children(corrupt_ts.path) == []


def test_a_glitch_is_tolerated_and_the_waveform_goes_on(tmp_path: Path) -> None:
    glitch = make_corrupt_ts(tmp_path / "glitch.ts", seconds=10.0, corrupt_from=4.0, packets=30)
    peaks = compute_peaks(glitch)
    assert peaks.complete and peaks.unreadable_from is None
    assert peaks.covered == pytest.approx(10.0, abs=0.1)  # a dropped frame or two at most


@pytest.fixture
def stalled(tmp_path: Path) -> Iterator[Path]:
    """A "recording" that never delivers a byte (a FIFO no one writes: a stalled share)."""
    fifo = tmp_path / "stalled.dv"
    os.mkfifo(fifo)
    yield fifo
    # Release an ffmpeg that is still blocked on it (only when the code under test failed).
    with contextlib.suppress(OSError):  # no reader left: nothing was stuck
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


@pytest.mark.parametrize("what", ["peaks", "thumbnails"])
def test_cancelling_kills_a_stuck_ffmpeg_at_once(stalled: Path, what: str) -> None:
    stop = threading.Event()

    def work() -> Peaks | Thumbnails:
        if what == "peaks":
            return compute_peaks(stalled, cancelled=stop.is_set)
        # Resuming skips the probe, which would block on the FIFO too.
        return compute_thumbnails(stalled, resume=Thumbnails(72, 54), cancelled=stop.is_set)

    thread, box = _in_thread(work)
    wait_for("ffmpeg to start", lambda: ffmpeg_children(stalled), timeout=30)
    stop.set()
    wait_for("the cancelled work to return", lambda: not thread.is_alive(), timeout=30)
    assert "error" not in box, box.get("error")
    assert not box["result"].complete  # cancelled: resumed next time
    assert ffmpeg_children(stalled) == []


def test_growing_peaks_do_not_copy_what_they_hold_for_each_chunk() -> None:
    """Issue 20: each 30 s chunk was concatenated onto everything read so far (quadratic)."""
    peaks = Peaks.empty(2)
    chunks = [np.full((CHUNK_BINS, 2, 2), i % 100, dtype=np.int16) for i in range(200)]
    moved = 0
    for chunk in chunks:
        before = peaks.data
        peaks.extend(chunk)
        if len(before) and not np.shares_memory(before, peaks.data):
            moved += 1  # everything held so far was copied to a new array
    assert moved <= 10  # the buffer doubles: log2(200) copies, not 200
    assert np.array_equal(peaks.data, np.concatenate(chunks))
    peaks.truncate(10 * CHUNK_BINS * BIN_SECONDS)
    peaks.extend(chunks[0])
    assert np.array_equal(peaks.data, np.concatenate([*chunks[:10], chunks[0]]))
    kept = peaks.snapshot()
    peaks.extend(chunks[1])
    assert len(kept.data) == 11 * CHUNK_BINS
