"""Sheets import reads regular image files only, of a sane size, into the show's folder.

Before: a FIFO named `x.jpg` hung the import, a symlink was followed, a 19000 x 19000 PNG
(a few kilobytes) was accepted (decoding it takes 1.5 GB), and a room folder or stored
sheet name from a change file could point outside the show's folder.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from tests.support.stills import make_sheet
from veyedesk.model import ImageFile
from veyedesk.model.paths import UnsafePath
from veyedesk.services.admin.sheets import import_sheets, list_sheets, sheet_path
from veyedesk.services.errors import InvalidInput
from veyedesk.services.identity import Identity

DAY = date(2026, 2, 1)
EDITOR = Identity("ed@laptop", "editor")


def _huge_png(path: Path, side: int = 19000) -> Path:
    """A valid, all-black 1-bit PNG of side x side pixels: tiny on disk, huge decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )
    return path


def test_an_oversized_image_is_refused_before_decoding(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    huge = _huge_png(tmp_path / "scan.png")
    assert huge.stat().st_size < 1_000_000
    with pytest.raises(InvalidInput, match=r"19000 x 19000 pixels is too large"):
        import_sheets(session, EDITOR, show.show, show.rooms[0], DAY, [huge], str(tmp_path / "raw"))
    assert not (tmp_path / "raw").exists()


def test_a_fifo_is_refused_without_hanging(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    fifo = tmp_path / "sheet.jpg"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            import_sheets(session, EDITOR, show.show, show.rooms[0], DAY, [fifo], str(tmp_path))
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)  # a generous deadline: the fixed import returns at once
    if worker.is_alive():
        # Unblock the import stuck opening the FIFO, so the test ends and fails.
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        worker.join(timeout=60)
        pytest.fail("importing a FIFO hung")
    assert isinstance(outcome[0], InvalidInput)
    assert "not a regular file" in str(outcome[0])


def test_a_symlink_is_not_followed(session: Session, show: ShowFixture, tmp_path: Path) -> None:
    real = make_sheet(tmp_path / "private" / "secret.png")
    link = tmp_path / "in" / "sheet.png"
    link.parent.mkdir()
    link.symlink_to(real)
    with pytest.raises(InvalidInput, match="symbolic link"):
        import_sheets(session, EDITOR, show.show, show.rooms[0], DAY, [link], str(tmp_path / "r"))


@pytest.mark.parametrize("folder", ["../../x", "/abs/x", "a\nb", ".."])
def test_a_hostile_room_folder_is_refused(
    session: Session, show: ShowFixture, tmp_path: Path, folder: str
) -> None:
    room = show.rooms[0]
    room.dirname = folder if not folder.startswith("/") else str(tmp_path / "abs" / "x")
    session.flush()
    photo = make_sheet(tmp_path / "in" / "IMG_20260201_095012.jpg")
    with pytest.raises(UnsafePath, match="room folder"):
        import_sheets(session, EDITOR, show.show, room, DAY, [photo], str(tmp_path / "raw"))
    assert not [p for p in tmp_path.rglob("*.jpg") if p != photo]


@pytest.mark.parametrize("name", ["../../../x.jpg", "/abs/x.jpg", "sheets/a\nb.jpg"])
def test_a_stored_sheet_name_outside_the_show_folder_is_refused(
    session: Session, show: ShowFixture, tmp_path: Path, name: str
) -> None:
    raw = str(tmp_path / "raw")
    sheet = ImageFile(show_id=show.show.id, filename=name, checksum="x", original_name="x.jpg")
    sheet.show = show.show
    session.add(sheet)
    session.flush()
    with pytest.raises(UnsafePath, match="sheet file name"):
        sheet_path(sheet, raw)
    with pytest.raises(UnsafePath):
        list_sheets(session, show.show, raw)
