"""On-disk cache of peaks and thumbnails, keyed by (path, size, mtime), under data_dir()/cache.

Unchanged file: the cached result is used as is. Grown file (still being recorded): the
cached part is kept and only the new tail is computed. Anything else: computed afresh.
Partial results (a cancelled run) are saved too, so the next run continues them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veyedesk import config
from veyedesk.media.peaks import Peaks, compute_peaks
from veyedesk.media.thumbnails import Thumbnails, compute_thumbnails

FORMAT = 1


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

    def _read(self, path: Path, kind: str) -> tuple[dict[str, Any], Any] | None:
        file = self._file(path, kind)
        try:
            with np.load(file, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                arrays = {k: data[k] for k in data.files if k != "meta"}
        except (OSError, ValueError, KeyError):
            return None  # absent or unreadable: recompute (a cache never blocks work)
        if meta.get("format") != FORMAT:
            return None
        return meta, arrays

    def _write(self, path: Path, kind: str, meta: dict[str, Any], **arrays: Any) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        file = self._file(path, kind)
        tmp = file.with_name(file.name + ".tmp.npz")
        np.savez(tmp, meta=np.array(json.dumps({**meta, "format": FORMAT})), **arrays)
        os.replace(tmp, file)

    @staticmethod
    def _state(meta: dict[str, Any], stamp: Stamp) -> str:
        """Whether the cache is "fresh" (use it), "resume" (continue it) or "stale" (redo)."""
        if meta.get("path") != stamp.path:
            return "stale"
        same = meta.get("size") == stamp.size and meta.get("mtime_ns") == stamp.mtime_ns
        if same and meta.get("complete"):
            return "fresh"
        if meta.get("size", 0) <= stamp.size:
            return "resume"
        return "stale"

    # -- peaks ------------------------------------------------------------------------
    def _usable(self, path: Path, kind: str) -> tuple[dict[str, Any], Any, str] | None:
        """The cached (meta, arrays, state) of `kind` for `path`, or None when stale/absent."""
        found = self._read(path, kind)
        if found is None:
            return None
        meta, arrays = found
        state = self._state(meta, Stamp.of(path))
        return None if state == "stale" else (meta, arrays, state)

    def cached_peaks(self, path: Path) -> tuple[Peaks | None, str]:
        usable = self._usable(path, "peaks")
        if usable is None:
            return None, "stale"
        _meta, arrays, state = usable
        return Peaks(arrays["data"], complete=state == "fresh"), state

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
        meta = {**stamp.__dict__, "complete": peaks.complete}
        self._write(path, "peaks", meta, data=peaks.data)
        return peaks

    # -- thumbnails ---------------------------------------------------------------------
    def cached_thumbnails(self, path: Path) -> tuple[Thumbnails | None, str]:
        usable = self._usable(path, "thumbs")
        if usable is None:
            return None, "stale"
        meta, arrays, state = usable
        frames = arrays["frames"]
        thumbs = Thumbnails(
            width=int(meta["width"]),
            height=int(meta["height"]),
            times=[float(t) for t in arrays["times"]],
            frames=[bytes(f) for f in frames],
            covered=float(meta.get("covered", 0.0)),
            complete=state == "fresh",
            lowres=int(meta.get("lowres", 0)),
        )
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
