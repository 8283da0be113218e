"""Clips for player tests: three stamped 4-second DV files and a 10 s-GOP MP4."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.media import make_clip
from tests.support.raw_day import make_clips


@pytest.fixture(scope="session")
def dv_parts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_clips(tmp_path_factory.mktemp("parts"), 3, 4.0)


@pytest.fixture(scope="session")
def mp4_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("mp4") / "long_gop.mp4", "mp4", 6.0)
