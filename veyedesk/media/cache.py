"""On-disk cache of peaks and thumbnails, keyed by (path, size, mtime), under data_dir()/cache.

Unchanged file: the cached result is used as is. Grown file (still being recorded): the
cached part is kept and only the new tail is computed. Anything else: computed afresh.
Partial results (a cancelled run) are saved too, so the next run continues them.

A cache file is only ever a shortcut: one that is empty, truncated (a crash or a full disk
while writing), garbage or of the wrong shape is deleted and its content computed again,
and a cache that cannot be written costs speed, never the result.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veyedesk import config
from veyedesk.media.peaks import Peaks, compute_peaks
from veyedesk.media.thumbnails import Thumbnails, compute_thumbnails

FORMAT = 1
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stamp:
    """What identifies a file's content for the cache."""

    path: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> Stamp:
        st = path.stat()
        return cls(str(path.resolve()), st.st_size, st.st_mtime_ns)


class MediaCache:
    """Loads, computes (resuming when it can) and saves peaks and thumbnails."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or config.data_dir() / "cache"

    def _file(self, path: Path, kind: str) -> Path:
        digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:20]
        return self.root / f"{digest}.{kind}.npz"

    def _read(self, path: Path, kind: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        file = self._file(path, kind)
        if not file.exists():
            return None
        try:
            with np.load(file, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                arrays = {k: data[k] for k in data.files if k != "meta"}
            if not isinstance(meta, dict):
                raise ValueError("its meta is not a JSON object")
        # np.load of a damaged file raises EOFError, BadZipFile, zlib.error, ValueError...:
        # whatever it is, the entry is worthless and the work is redone.
        except Exception as exc:
            self._discard(path, kind, f"unreadable ({type(exc).__name__}: {exc})")
            return None
        if meta.get("format") != FORMAT:
            return None
        return meta, arrays

    def _discard(self, path: Path, kind: str, why: str) -> None:
        file = self._file(path, kind)
        log.warning("discarding the %s cache of %s (%s): %s", kind, path, file, why)
        try:
            file.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete %s: %s", file, exc)

    def _write(self, path: Path, kind: str, meta: dict[str, Any], **arrays: Any) -> None:
        """Write atomically (unique temporary file, fsync, rename); failures are only logged."""
        file = self._file(path, kind)
        tmp = file.with_name(f"{file.name}.{os.getpid()}-{threading.get_ident()}.tmp")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as out:
                np.savez(out, meta=np.array(json.dumps({**meta, "format": FORMAT})), **arrays)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, file)
        except OSError as exc:
            log.warning("could not write the %s cache of %s: %s", kind, path, exc)
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

    @staticmethod
    def _state(meta: dict[str, Any], stamp: Stamp) -> str:
        """Whether the cache is "fresh" (use it), "resume" (continue it) or "stale" (redo)."""
        size = meta.get("size")
        if meta.get("path") != stamp.path or not isinstance(size, int):
            return "stale"
        same = size == stamp.size and meta.get("mtime_ns") == stamp.mtime_ns
        if same and meta.get("complete"):
            return "fresh"
        if size <= stamp.size:
            return "resume"
        return "stale"

    # -- peaks ------------------------------------------------------------------------
    def _usable(self, path: Path, kind: str) -> tuple[dict[str, Any], dict[str, Any], str] | None:
        """The cached (meta, arrays, state) of `kind` for `path`, or None when stale/absent."""
        found = self._read(path, kind)
        if found is None:
            return None
        meta, arrays = found
        state = self._state(meta, Stamp.of(path))
        return None if state == "stale" else (meta, arrays, state)

    def cached_peaks(self, path: Path) -> tuple[Peaks | None, str]:
        """The cached peaks of `path` and "fresh" / "resume", or (None, "stale")."""
        usable = self._usable(path, "peaks")
        if usable is None:
            return None, "stale"
        meta, arrays, state = usable
        data = arrays.get("data")
        unreadable = meta.get("unreadable_from")
        if not _peaks_shaped(data) or not isinstance(unreadable, int | float | None):
            self._discard(path, "peaks", "not peaks")
            return None, "stale"
        assert data is not None
        if unreadable is not None and state != "fresh":
            return None, "stale"  # the file changed: maybe it reads further now, so redo it
        peaks = Peaks(
            data,
            complete=state == "fresh",
            unreadable_from=None if unreadable is None else float(unreadable),
            problem=str(meta.get("problem", "")),
        )
        return peaks, state

    def peaks(
        self,
        path: Path,
        on_progress: Callable[[Peaks], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Peaks:
        """Peaks of `path`, from the cache or computed (and then cached)."""
        stamp = Stamp.of(path)
        cached, state = self.cached_peaks(path)
        if cached is not None and state == "fresh":
            if on_progress is not None:
                on_progress(cached)
            return cached
        peaks = compute_peaks(path, resume=cached, on_progress=on_progress, cancelled=cancelled)
        meta = {
            **stamp.__dict__,
            "complete": peaks.complete,
            "unreadable_from": peaks.unreadable_from,
            "problem": peaks.problem,
        }
        self._write(path, "peaks", meta, data=peaks.data)
        return peaks

    # -- thumbnails ---------------------------------------------------------------------
    def cached_thumbnails(self, path: Path) -> tuple[Thumbnails | None, str]:
        """The cached thumbnails of `path` and "fresh" / "resume", or (None, "stale")."""
        usable = self._usable(path, "thumbs")
        if usable is None:
            return None, "stale"
        meta, arrays, state = usable
        try:
            thumbs = _thumbnails_of(meta, arrays, complete=state == "fresh")
        except (KeyError, TypeError, ValueError) as exc:
            self._discard(path, "thumbs", f"not thumbnails ({exc})")
            return None, "stale"
        return thumbs, state

    def thumbnails(
        self,
        path: Path,
        on_progress: Callable[[Thumbnails], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
        interval: float = 10.0,
    ) -> Thumbnails:
        """Thumbnails of `path`, from the cache or computed (and then cached)."""
        stamp = Stamp.of(path)
        cached, state = self.cached_thumbnails(path)
        if cached is not None and state == "fresh":
            if on_progress is not None:
                on_progress(cached)
            return cached
        thumbs = compute_thumbnails(
            path, interval=interval, resume=cached, on_progress=on_progress, cancelled=cancelled
        )
        frames = np.frombuffer(b"".join(thumbs.frames), dtype=np.uint8).reshape(
            len(thumbs.frames), thumbs.height * thumbs.width * 3
        )
        meta = {
            **stamp.__dict__,
            "complete": thumbs.complete,
            "width": thumbs.width,
            "height": thumbs.height,
            "covered": thumbs.covered,
            "lowres": thumbs.lowres,
        }
        self._write(
            path, "thumbs", meta, times=np.array(thumbs.times, dtype=np.float64), frames=frames
        )
        return thumbs


def _peaks_shaped(data: Any) -> bool:
    """Whether `data` is what Peaks holds: int16 (bins, channels, min/max)."""
    return (
        isinstance(data, np.ndarray)
        and data.dtype == np.int16
        and data.ndim == 3
        and 1 <= data.shape[1] <= 8
        and data.shape[2] == 2
    )


def _thumbnails_of(meta: dict[str, Any], arrays: dict[str, Any], complete: bool) -> Thumbnails:
    """Thumbnails from a cache entry; ValueError/KeyError/TypeError when it is malformed."""
    width, height = int(meta["width"]), int(meta["height"])
    frames, times = arrays["frames"], arrays["times"]
    # QImage reads width*height*3 bytes per frame: a short frame would read past its end.
    if not 0 < width <= 4096 or not 0 < height <= 4096:
        raise ValueError(f"size {width}x{height}")
    if frames.dtype != np.uint8 or frames.ndim != 2 or frames.shape[1] != width * height * 3:
        raise ValueError(f"frames of shape {frames.shape} for {width}x{height}")
    if times.ndim != 1 or len(times) != len(frames):
        raise ValueError(f"{len(times)} times for {len(frames)} frames")
    return Thumbnails(
        width=width,
        height=height,
        times=[float(t) for t in times],
        frames=[bytes(f) for f in frames],
        covered=float(meta.get("covered", 0.0)),
        complete=complete,
        lowres=int(meta.get("lowres", 0)),
    )
