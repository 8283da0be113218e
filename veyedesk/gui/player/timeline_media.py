"""Background loading of peaks and thumbnails for the timeline, delivered by queued signals.

One worker thread (the machine also decodes video) works through the raw files, the ones
the talk uses first: all waveforms, then all thumbnails. Progress is sent a few times a
second, so the timeline fills in as data arrives; `cancel()` stops it on unload, killing
any ffmpeg at once. A file whose audio cannot be read at all gets empty peaks marked
unreadable from its start (the lane says so instead of waiting forever), and nothing one
file does (a bad cache entry, an unexpected error) stops the work on the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from veyedesk.gui.player.timeline_paint import ThumbStrip, unreadable_label
from veyedesk.media.cache import MediaCache
from veyedesk.media.peaks import Peaks
from veyedesk.media.probe import MediaError
from veyedesk.media.thumbnails import Thumbnails

PROGRESS_EVERY = 0.25  # seconds between progress signals per file
log = logging.getLogger(__name__)


class TimelineMedia(QObject):
    """Computes (or loads from the cache) the peaks and thumbnails of a list of raw files."""

    peaks_ready = Signal(int, object)  # raw file id, Peaks (a snapshot the GUI may keep)
    thumbs_ready = Signal(int, object)  # raw file id, ThumbStrip
    failed = Signal(int, str)  # raw file id, message
    finished = Signal()

    def __init__(self, parent: QObject | None = None, cache: MediaCache | None = None) -> None:
        super().__init__(parent)
        self.cache = cache or MediaCache()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Runs told to stop but not waited for (switching talks): reaped by cancel(wait).
        self._stopping: list[threading.Thread] = []

    def start(self, files: Sequence[tuple[int, Path, float]]) -> None:
        """Begin work on (raw file id, path, duration) in the given order."""
        self.cancel(wait=0)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(list(files), self._stop), daemon=True, name="timeline-media"
        )
        self._thread.start()

    def cancel(self, wait: float = 5.0) -> None:
        """Stop the work; ffmpeg is killed within a tenth of a second, then reaped.

        `wait=0` (switching talks) does not block the GUI thread while ffmpeg is reaped:
        the stopped run emits nothing more, and the next blocking cancel (closing the
        window) waits for it, so no ffmpeg outlives the window.
        """
        self._stop.set()
        if self._thread is not None:
            self._stopping.append(self._thread)
            self._thread = None
        if wait > 0:
            deadline = time.monotonic() + wait
            for thread in self._stopping:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self._stopping = [t for t in self._stopping if t.is_alive()]

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self, files: list[tuple[int, Path, float]], stop: threading.Event) -> None:
        for raw_id, path, _duration in files:
            if stop.is_set():
                return
            self._peaks(raw_id, path, stop)
        for raw_id, path, duration in files:
            if stop.is_set():
                return
            self._thumbs(raw_id, path, duration, stop)
        if not stop.is_set():
            self.finished.emit()

    def _peaks(self, raw_id: int, path: Path, stop: threading.Event) -> None:
        last = [0.0]

        def progress(peaks: Peaks) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY and not stop.is_set():
                last[0] = now
                self.peaks_ready.emit(raw_id, peaks.snapshot())

        try:
            done = self.cache.peaks(path, on_progress=progress, cancelled=stop.is_set)
        except Exception as exc:
            if stop.is_set():
                return  # cancelled: a stopped run reports nothing
            self._failed(raw_id, path, exc)
            unreadable = Peaks.empty()
            unreadable.complete, unreadable.unreadable_from = True, 0.0
            unreadable.problem = str(exc)
            self.peaks_ready.emit(raw_id, unreadable)
            return
        if stop.is_set():
            return
        if done.unreadable_from is not None:
            label = unreadable_label(done.unreadable_from)
            self.failed.emit(raw_id, f"{path}: audio {label} ({done.problem})")
        self.peaks_ready.emit(raw_id, done.snapshot())

    def _failed(self, raw_id: int, path: Path, exc: Exception) -> None:
        if not isinstance(exc, MediaError | OSError):
            # A bug, not bad media: keep the traceback for the log file, go on with the rest.
            log.exception("timeline media of %s", path)
        self.failed.emit(raw_id, str(exc) if isinstance(exc, MediaError) else f"{path}: {exc}")

    def _thumbs(self, raw_id: int, path: Path, duration: float, stop: threading.Event) -> None:
        strip: ThumbStrip | None = None
        last = [0.0]

        def convert(thumbs: Thumbnails, final: bool) -> None:
            nonlocal strip
            if stop.is_set():
                return
            if strip is None:
                strip = ThumbStrip(thumbs.width, thumbs.height)
            for at, frame in zip(
                thumbs.times[len(strip.times) :], thumbs.frames[len(strip.images) :], strict=True
            ):
                image = QImage(
                    frame,
                    thumbs.width,
                    thumbs.height,
                    thumbs.width * 3,
                    QImage.Format.Format_RGB888,
                )
                strip.times.append(at)
                strip.images.append(image.copy())  # own the pixels: `frame` is freed later
            now = time.monotonic()
            if final or now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                strip.fraction = min(1.0, thumbs.covered / duration) if duration else 0.0
                strip.complete = final and thumbs.complete
                snapshot = ThumbStrip(
                    strip.width,
                    strip.height,
                    list(strip.times),
                    list(strip.images),
                    1.0 if strip.complete else strip.fraction,
                    strip.complete,
                )
                self.thumbs_ready.emit(raw_id, snapshot)

        try:
            done = self.cache.thumbnails(
                path, on_progress=lambda t: convert(t, False), cancelled=stop.is_set
            )
        except Exception as exc:
            if not stop.is_set():
                self._failed(raw_id, path, exc)
            return
        convert(done, True)
