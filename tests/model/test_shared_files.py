"""Shared rows' file paths: stored relative to the shared files root, resolved on each machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from veyedesk.model.shared_files import OutsideRoot, resolve, to_stored


def test_a_file_under_the_root_is_stored_relative_and_found_under_another_root(
    tmp_path: Path,
) -> None:
    here, there = tmp_path / "alice" / "raw", tmp_path / "worker" / "mnt"
    chosen = here / "pyconf" / "titles" / "opening.svg"
    stored = to_stored(chosen, here)
    assert stored == "pyconf/titles/opening.svg"
    assert resolve(stored, there) == there / "pyconf" / "titles" / "opening.svg"


def test_a_file_outside_the_root_stays_absolute_and_is_used_as_it_is(tmp_path: Path) -> None:
    stored = to_stored(tmp_path / "desk" / "x.png", tmp_path / "raw")
    assert stored == str(tmp_path / "desk" / "x.png")
    assert resolve(stored, tmp_path / "raw") == tmp_path / "desk" / "x.png"
    assert to_stored("", tmp_path) == ""


@pytest.mark.parametrize("stored", ["../etc/passwd", "a/../../b", "c:evil.svg", "..\\\\x.svg"])
def test_a_stored_path_never_leaves_its_root(stored: str, tmp_path: Path) -> None:
    with pytest.raises(OutsideRoot, match="leaves the shared files folder"):
        resolve(stored, tmp_path)


def test_a_relative_path_without_a_root_says_what_to_set() -> None:
    with pytest.raises(OutsideRoot, match="set assets_root"):
        resolve("pyconf/title.svg", "")
