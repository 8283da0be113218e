from datetime import date, datetime
from pathlib import Path

import pytest

from tests.support.stills import fake_tesseract, make_sheet
from veyedesk.media.ocr import find_ocr, read_text
from veyedesk.media.probe import MediaError
from veyedesk.media.stills import inspect_still, time_from_name

DAY = date(2026, 2, 1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IMG_20260201_101530.jpg", datetime(2026, 2, 1, 10, 15, 30)),
        ("PXL_20260201_101530123.jpg", datetime(2026, 2, 1, 10, 15, 30)),
        ("Scan 2026-02-01 10.15.30.png", datetime(2026, 2, 1, 10, 15, 30)),
        ("Screenshot 2026-02-02 at 09.05.00.png", datetime(2026, 2, 2, 9, 5, 0)),
        ("room_a_10_15_30.jpg", datetime(2026, 2, 1, 10, 15, 30)),
        ("10-15-30.jpeg", datetime(2026, 2, 1, 10, 15, 30)),
        ("sheet 14h30.jpg", datetime(2026, 2, 1, 14, 30, 0)),
        ("scan0001.jpg", None),
        ("25_61_00.jpg", None),  # not a time of day
    ],
)
def test_time_from_name(name: str, expected: datetime | None) -> None:
    assert time_from_name(name, DAY) == expected


def test_exif_time_is_used_when_the_name_has_none(tmp_path: Path) -> None:
    taken = datetime(2026, 2, 1, 9, 40, 12)
    info = inspect_still(make_sheet(tmp_path / "scan0001.jpg", taken=taken), DAY)
    assert (info.taken, info.taken_source) == (taken, "exif")
    assert (info.width, info.height, info.format) == (320, 240, "JPEG")
    # A time in the name wins: the crew named it after the session.
    named = make_sheet(tmp_path / "10_30_00.jpg", taken=taken)
    assert inspect_still(named, DAY).taken_source == "filename"
    bare = inspect_still(make_sheet(tmp_path / "sheet.png"), DAY)
    assert (bare.taken, bare.taken_source) == (None, "")


def test_not_an_image_or_truncated_is_a_clear_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    with pytest.raises(MediaError, match=r"notes\.jpg: not an image"):
        inspect_still(text, DAY)
    good = make_sheet(tmp_path / "cut.png")
    cut = tmp_path / "cut-short.png"
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(MediaError, match=r"cut-short\.png: "):
        inspect_still(cut, DAY)
    with pytest.raises(MediaError, match="no such file"):
        inspect_still(tmp_path / "gone.jpg", DAY)


def test_ocr_runs_the_program_on_path_and_reports_its_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fake `tesseract` script on PATH: the real subprocess path, a known text.
    sheet = make_sheet(tmp_path / "sheet.png")
    program = fake_tesseract(tmp_path / "bin", monkeypatch, text="ROOM A\nGremlins in the build")
    assert find_ocr() == str(program)
    assert read_text(sheet, str(program)) == "ROOM A\nGremlins in the build\n"
    broken = fake_tesseract(tmp_path / "bin2", monkeypatch, fail="Error: cannot read image")
    with pytest.raises(MediaError, match=r"sheet\.png: OCR failed \(Error: cannot read image\)"):
        read_text(sheet, str(broken))
