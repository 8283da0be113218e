"""model.paths: names from the data never lead outside the folder they are joined to."""

from __future__ import annotations

from pathlib import Path

import pytest

from veyedesk.errors import UserError
from veyedesk.model.paths import (
    UnsafePath,
    is_inside,
    safe_component,
    safe_join,
    safe_join_relative,
)

HOSTILE_NAMES = ["../../x", "/abs/x", "a\x00b", "a\nb", "", ".", "..", "a/b", "a\\b", "x\x1b[2J"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_safe_join_refuses_anything_but_one_safe_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsafePath) as raised:
        safe_join(tmp_path, name, what="episode slug")
    assert "episode slug" in str(raised.value)
    assert isinstance(raised.value, UserError)


@pytest.mark.parametrize("name", ["talk", "Café_talk-2", "a.b", "...x", "10:00 talk"])
def test_safe_join_keeps_ordinary_names(tmp_path: Path, name: str) -> None:
    assert safe_join(tmp_path, name) == tmp_path / name
    assert safe_component(name, "x") == name


@pytest.mark.parametrize(
    "name", ["../../x", "/abs/x", "2026-02-01/../../x", "a//b", "a/./b", "a\x00b", "d/a\nb", ""]
)
def test_a_relative_name_must_stay_inside(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsafePath, match="raw file name"):
        safe_join_relative(tmp_path, name, what="raw file name")


def test_a_relative_name_may_hold_subfolders(tmp_path: Path) -> None:
    # The scan stores raw files as `<day>/<time>.dv`, relative to the room folder.
    got = safe_join_relative(tmp_path, "2026-02-01/10_00_00.dv")
    assert got == tmp_path / "2026-02-01" / "10_00_00.dv"


def test_is_inside(tmp_path: Path) -> None:
    assert is_inside(tmp_path / "a" / "b", tmp_path)
    assert is_inside(tmp_path, tmp_path)
    assert not is_inside(tmp_path / ".." / "x", tmp_path)
    assert not is_inside(str(tmp_path) + "x", tmp_path)
