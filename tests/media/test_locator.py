"""media.locator: the one place a raw file's media is found (raw root or assets folder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.media.locator import (
    MANIFEST,
    LocalMedia,
    Manifest,
    ManifestEntry,
    ManifestError,
    MediaLocator,
)
from veyedesk.model.paths import UnsafePath


def test_without_a_folder_the_raw_file_is_under_the_raw_root(show: ShowFixture) -> None:
    raw = show.raw_files[0]
    found = MediaLocator("/srv/raw").locate(raw)
    assert found == LocalMedia(raw.path("/srv/raw"))
    assert found.local(12.0) == 12.0 and found.covers(0.0, 1e9) and not found.partial


def test_manifest_pieces_win_and_others_are_absent(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    first, second = show.raw_files[:2]
    manifest = Manifest(
        pieces={first.uuid: ManifestEntry("media/a/x.dv", 24.04, 5.96, 149, "segment")}
    )
    manifest.save(tmp_path)
    locator = MediaLocator("/nowhere", tmp_path)
    got = locator.locate(first)
    assert got == LocalMedia(tmp_path / "media/a/x.dv", 24.04, 5.96, "segment")
    assert got.local(26.04) == pytest.approx(2.0)
    assert got.covers(24.04, 30.0) and not got.covers(20.0, 25.0)
    assert locator.locate(second).kind == "absent"
    # The manifest reads back as written (paths relative: the folder can move).
    assert Manifest.load(tmp_path) == manifest
    assert "media/a/x.dv" in (tmp_path / MANIFEST).read_text()


def test_a_folder_without_manifest_uses_the_raw_root(show: ShowFixture, tmp_path: Path) -> None:
    raw = show.raw_files[0]
    assert MediaLocator("/srv/raw", tmp_path).locate(raw) == LocalMedia(raw.path("/srv/raw"))


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "not valid JSON"), ('{"version": 9}', "not a version 1"),
     ('{"version": 1, "pieces": {"u": {"file": 3}}}', "damaged assets manifest")],
)  # fmt: skip
def test_a_damaged_manifest_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / MANIFEST).write_text(text)
    with pytest.raises(ManifestError, match=message) as caught:
        MediaLocator("", tmp_path)
    assert str(tmp_path / MANIFEST) in str(caught.value)


@pytest.mark.parametrize(
    "piece", ["../../x", "/abs/x", "media/a\x00b", "media/a\nb", "media/../.."]
)
def test_a_manifest_piece_outside_the_folder_is_refused(tmp_path: Path, piece: str) -> None:
    entry = {"file": piece, "offset": 0.0, "duration": 1.0, "frames": 25, "kind": "segment"}
    (tmp_path / MANIFEST).write_text(json.dumps({"version": 1, "pieces": {"u": entry}}))
    with pytest.raises(ManifestError, match="assets piece"):
        MediaLocator("", tmp_path)


@pytest.mark.parametrize("name", ["../../x", "/abs/x", "a\x00b", "a\nb"])
def test_a_raw_file_name_outside_its_room_is_refused(show: ShowFixture, name: str) -> None:
    raw = show.raw_files[0]
    raw.filename = name
    with pytest.raises(UnsafePath, match="raw file name"):
        MediaLocator("/srv/raw").locate(raw)


@pytest.mark.parametrize("folder", ["../../x", "/abs/x", "a\x00b", "a\nb", ".."])
def test_a_room_folder_outside_the_show_is_refused(show: ShowFixture, folder: str) -> None:
    raw = show.raw_files[0]
    raw.location.dirname = folder
    with pytest.raises(UnsafePath, match="room folder"):
        raw.path("/srv/raw")
