"""The peaks/thumbnails cache: a damaged entry is discarded and recomputed, never fatal."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.support.media import make_clip
from veyedesk.media.cache import MediaCache


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("cache") / "a.dv", "dv", 2.0, stamp=False)


def _compute(cache: MediaCache, kind: str, path: Path) -> Any:
    return cache.peaks(path) if kind == "peaks" else cache.thumbnails(path, interval=1.0)


def _cached(cache: MediaCache, kind: str, path: Path) -> tuple[Any, str]:
    return cache.cached_peaks(path) if kind == "peaks" else cache.cached_thumbnails(path)


def _same(kind: str, a: Any, b: Any) -> bool:
    if kind == "peaks":
        return bool(np.array_equal(a.data, b.data))
    return bool(a.times == b.times and a.frames == b.frames)


def _entry(cache: MediaCache, kind: str, path: Path) -> Path:
    return cache._file(path, "peaks" if kind == "peaks" else "thumbs")


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda good: b"",
    "truncated": lambda good: good[: len(good) // 2],
    "garbage": lambda good: bytes(range(256)) * 40,
    "zip of junk": lambda good: _zip({"meta.npy": b"\x93NUMPY junk", "data.npy": b"x"}),
}


def _zip(members: dict[str, bytes]) -> bytes:
    with tempfile.TemporaryFile() as f:
        with zipfile.ZipFile(f, "w") as z:
            for name, data in members.items():
                z.writestr(name, data)
        f.seek(0)
        return f.read()


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("kind", ["peaks", "thumbnails"])
def test_a_damaged_cache_entry_is_discarded_and_recomputed(
    clip: Path, tmp_path: Path, kind: str, damage: str
) -> None:
    cache = MediaCache(tmp_path / "cache")
    good = _compute(cache, kind, clip)
    entry = _entry(cache, kind, clip)
    entry.write_bytes(DAMAGE[damage](entry.read_bytes()))
    assert _cached(cache, kind, clip) == (None, "stale")  # looked at: not an error
    assert not entry.exists()  # and thrown away
    again = _compute(cache, kind, clip)
    assert again.complete and _same(kind, again, good)
    cached, state = _cached(cache, kind, clip)
    assert state == "fresh" and _same(kind, cached, good)  # written afresh


@pytest.mark.parametrize("kind", ["peaks", "thumbnails"])
def test_a_well_formed_entry_of_the_wrong_shape_is_discarded(
    clip: Path, tmp_path: Path, kind: str
) -> None:
    cache = MediaCache(tmp_path / "cache")
    good = _compute(cache, kind, clip)
    entry = _entry(cache, kind, clip)
    with np.load(entry) as data:
        arrays = {k: data[k] for k in data.files}
    if kind == "peaks":
        arrays["data"] = np.zeros((10, 2), dtype=np.float64)  # not (bins, channels, 2) int16
    else:
        arrays["frames"] = arrays["frames"][:, :100]  # frames shorter than width*height*3
    with open(entry, "wb") as out:
        np.savez(out, **arrays)
    assert _cached(cache, kind, clip) == (None, "stale")
    assert _same(kind, _compute(cache, kind, clip), good)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damage=st.one_of(st.binary(max_size=3000), st.integers(min_value=0, max_value=4000)))
def test_any_bytes_in_a_peaks_entry_give_the_right_peaks(clip: Path, damage: bytes | int) -> None:
    with tempfile.TemporaryDirectory() as root:
        cache = MediaCache(Path(root))
        good = cache.peaks(clip)
        entry = _entry(cache, "peaks", clip)
        data = entry.read_bytes()
        # Arbitrary bytes, or the real entry cut short at any point.
        entry.write_bytes(damage if isinstance(damage, bytes) else data[:damage])
        again = cache.peaks(clip)
        assert again.complete and np.array_equal(again.data, good.data)
