"""Waveform peaks: min/max per 10 ms per channel, from one audio-only ffmpeg decode of a raw file.

ffmpeg decodes the audio to 16-bit PCM on a pipe and numpy reduces each 10 ms bin to its
minimum and maximum as the data arrives, so the timeline can draw what is ready while the
rest is still being read. A file that is still growing (being recorded) is continued from
where the last run stopped (`-ss` before `-i`), never redone. Drawing at any zoom level
reads a pyramid of coarser levels so a full-day view touches a few thousand values.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from veyedesk.media.ffmpeg_pipe import FfmpegPipe
from veyedesk.media.probe import MediaError, tool
from veyedesk.safe_files import ffmpeg_input

BIN_SECONDS = 0.01
SAMPLE_RATE = 48000
BIN_SAMPLES = round(SAMPLE_RATE * BIN_SECONDS)
PYRAMID_FACTOR = 8
CHUNK_BINS = 3000  # 30 s of audio per read and progress report (fewer, larger copies)
# ashowinfo reports every 100 ms of decoded audio on stderr, in order with the decoder's
# errors, so an error's position in the audio is known to 0.1 s without parsing the output.
REPORT_SAMPLES = 4800
# This many error lines within FAIL_WINDOW seconds of audio: the file is unreadable from
# the first of them (a corrupt tail). Fewer are glitches: dropped, and reading goes on.
FAIL_ERRORS = 20
FAIL_WINDOW = 5.0
_SHOWINFO = re.compile(rb"\brate:(\d+)\s+nb_samples:(\d+)")


@dataclass
class Peaks:
    """Peaks of one file: `data[i, ch] = (min, max)` as int16 for bin i (10 ms)."""

    data: np.ndarray
    complete: bool = False
    # Where ffmpeg could read no further (seconds into the file), with its last error:
    # the waveform ends there and the timeline marks the rest unreadable.
    unreadable_from: float | None = None
    problem: str = ""
    _levels: list[np.ndarray] = field(default_factory=list, repr=False)
    # Room to grow: `data` is a view of the first bins of this buffer, which doubles when
    # full, so a day-long file read 30 s at a time copies its peaks a few times in all
    # instead of once per chunk (concatenating each chunk was quadratic).
    _store: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def empty(cls, channels: int = 2) -> Peaks:
        return cls(np.zeros((0, channels, 2), dtype=np.int16))

    def snapshot(self) -> Peaks:
        """A copy another thread may keep while this one grows."""
        return Peaks(self.data.copy(), self.complete, self.unreadable_from, self.problem)

    @property
    def channels(self) -> int:
        return int(self.data.shape[1])

    @property
    def covered(self) -> float:
        """Seconds of audio the peaks cover so far."""
        return len(self.data) * BIN_SECONDS

    def extend(self, more: np.ndarray) -> None:
        """Append bins, in amortised constant time per bin."""
        if not len(more):
            return
        size, end = len(self.data), len(self.data) + len(more)
        store = self._store
        if store is None or self.data.base is not store or len(store) < end:
            grown = np.empty(
                (max(end, 2 * size, CHUNK_BINS), *self.data.shape[1:]), self.data.dtype
            )
            grown[:size] = self.data
            self._store = store = grown
        store[size:end] = more
        self.data = store[:end]
        self._levels = []

    def truncate(self, seconds: float) -> None:
        """Keep only the bins before `seconds`."""
        keep = max(0, int(seconds / BIN_SECONDS + 1e-6))
        if keep < len(self.data):
            self.data = self.data[:keep]
            self._levels = []

    def _pyramid(self) -> list[np.ndarray]:
        if not self._levels:
            # Level 0: channels folded to one (min of mins, max of maxes), as float in [-1, 1].
            base = (
                np.stack(
                    [self.data[:, :, 0].min(axis=1), self.data[:, :, 1].max(axis=1)], axis=1
                ).astype(np.float32)
                / 32768.0
            )
            levels = [base]
            while len(levels[-1]) > PYRAMID_FACTOR * 64:
                prev = levels[-1]
                n = len(prev) // PYRAMID_FACTOR * PYRAMID_FACTOR
                block = prev[:n].reshape(-1, PYRAMID_FACTOR, 2)
                levels.append(np.stack([block[:, :, 0].min(axis=1), block[:, :, 1].max(axis=1)], 1))
            self._levels = levels
        return self._levels

    def columns(self, start: float, seconds_per_column: float, count: int) -> np.ndarray:
        """(count, 2) min/max in [-1, 1] per drawing column from `start` s; NaN where not ready."""
        out = np.full((count, 2), np.nan, dtype=np.float32)
        if not len(self.data) or count <= 0 or seconds_per_column <= 0:
            return out
        levels = self._pyramid()
        level, width = 0, BIN_SECONDS
        while level + 1 < len(levels) and width * PYRAMID_FACTOR <= seconds_per_column:
            level += 1
            width *= PYRAMID_FACTOR
        bins = levels[level]
        edges = (start + np.arange(count + 1) * seconds_per_column) / width
        idx = np.clip(np.floor(edges).astype(np.int64), 0, len(bins))
        # Each column gets at least the bin under it (when zoomed in past one bin per column).
        lo = idx[:-1]
        hi = np.maximum(idx[1:], lo + 1)
        valid = (lo < len(bins)) & (edges[:-1] >= 0)
        if not valid.any():
            return out
        lo_v = lo[valid]
        hi_v = np.minimum(hi[valid], len(bins))
        # reduceat over interleaved (lo, hi) pairs reduces exactly bins[lo:hi]; a sentinel
        # element makes hi == len(bins) a valid index.
        pairs = np.empty(2 * len(lo_v), dtype=np.int64)
        pairs[0::2], pairs[1::2] = lo_v, hi_v
        mins = np.minimum.reduceat(np.append(bins[:, 0], 0), pairs)[0::2]
        maxs = np.maximum.reduceat(np.append(bins[:, 1], 0), pairs)[0::2]
        out[valid, 0] = mins
        out[valid, 1] = maxs
        return out


def _reduce(pcm: bytes, channels: int) -> np.ndarray:
    samples = np.frombuffer(pcm, dtype="<i2")
    frames = len(samples) // channels
    bins = frames // BIN_SAMPLES
    block = samples[: bins * BIN_SAMPLES * channels].reshape(bins, BIN_SAMPLES, channels)
    # Reducing along a strided axis is ~10x slower than over contiguous rows: transpose first.
    rows = np.ascontiguousarray(block.transpose(0, 2, 1))
    return np.stack([rows.min(axis=2), rows.max(axis=2)], axis=2)


def _widen_pipe(fd: int) -> None:
    """Let ffmpeg run ahead (1 MB of pipe) while numpy reduces the previous chunk (Linux)."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass  # other systems: the default pipe size only costs a little speed


def peaks_command(path: Path, start: float = 0.0, channels: int = 2) -> list[str]:
    """The ffmpeg arguments: audio only, 16-bit PCM at 48 kHz on stdout, from `start`.

    Corrupt input is tolerated (bad packets dropped, decoding goes on) and every 100 ms of
    decoded audio is reported on stderr (`ashowinfo`), tagged by level, to find where
    decoding broke down.
    """
    args = [tool("ffmpeg"), "-nostdin", "-hide_banner", "-nostats"]
    args += ["-loglevel", "repeat+level+info", "-max_error_rate", "1"]
    args += ["-err_detect", "ignore_err", "-fflags", "+discardcorrupt"]
    if start > 0:
        args += ["-ss", f"{start:.3f}"]
    args += [*ffmpeg_input(path), "-map", "0:a:0", "-vn", "-sn", "-dn"]
    args += ["-af", f"asetnsamples=n={REPORT_SAMPLES}:p=0,ashowinfo"]
    args += ["-ac", str(channels), "-ar", str(SAMPLE_RATE), "-f", "s16le", "pipe:1"]
    return args


class _DecodeWatch:
    """Follows ffmpeg's stderr: seconds of audio decoded, and where decoding broke down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._decoded = 0.0
        self._errors: deque[float] = deque()
        self.failed_at: float | None = None  # seconds into this run's audio

    def line(self, line: bytes) -> None:
        if b"ashowinfo" in line:
            match = _SHOWINFO.search(line)
            if match:
                with self._lock:
                    self._decoded += int(match.group(2)) / max(1, int(match.group(1)))
        elif b"[error]" in line or b"[fatal]" in line:
            with self._lock:
                if self.failed_at is not None:
                    return
                self._errors.append(self._decoded)
                while self._errors[0] < self._decoded - FAIL_WINDOW:
                    self._errors.popleft()
                if len(self._errors) >= FAIL_ERRORS:
                    self.failed_at = self._errors[0]


def compute_peaks(
    path: Path,
    *,
    resume: Peaks | None = None,
    on_progress: Callable[[Peaks], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    channels: int = 2,
) -> Peaks:
    """Decode `path`'s audio and reduce it to peaks; `resume` continues a shorter result.

    `on_progress(peaks)` is called (in this thread) every few seconds of audio with the
    peaks so far. A file that breaks down part way (corrupt from some point on, or ffmpeg
    failing after some audio) gives the peaks up to there, complete, with `unreadable_from`
    set. Raises MediaError naming the file when ffmpeg cannot read any of its audio.
    `cancelled` is polled from another thread; ffmpeg is killed as soon as it returns true.
    """
    peaks = Peaks(resume.data.copy()) if resume is not None else Peaks.empty(channels)
    channels = peaks.channels
    if not path.exists():
        raise MediaError(f"{path}: file not found; was it moved or renamed?")
    start = peaks.covered
    watch = _DecodeWatch()
    chunk = CHUNK_BINS * BIN_SAMPLES * channels * 2
    frame = BIN_SAMPLES * channels * 2
    pending = b""
    with FfmpegPipe(
        peaks_command(path, start, channels),
        cancelled=lambda: cancelled() or watch.failed_at is not None,
        on_line=watch.line,
    ) as pipe:
        _widen_pipe(pipe.stdout.fileno())
        while True:
            data = pipe.stdout.read(chunk)
            if not data:
                break
            pending += data
            usable = len(pending) // frame * frame
            if usable:
                peaks.extend(_reduce(pending[:usable], channels))
                pending = pending[usable:]
                if watch.failed_at is not None:
                    peaks.truncate(start + watch.failed_at)
                if on_progress is not None:
                    on_progress(peaks)
        code = pipe.wait()
        failed_at = watch.failed_at
        if pipe.killed and failed_at is None:
            return peaks  # cancelled: the partial result is resumed next time
        problem = pipe.last_error(f"ffmpeg exit {code}")
    if failed_at is not None:
        peaks.truncate(start + failed_at)
    elif code != 0 and not len(peaks.data):
        raise MediaError(f"{path}: could not read its audio for the waveform ({problem})")
    if failed_at is not None or code != 0:
        peaks.unreadable_from = peaks.covered
        peaks.problem = problem
    # A last partial bin (< 10 ms) is left out, so resuming a growing file stays aligned.
    peaks.complete = True
    return peaks
