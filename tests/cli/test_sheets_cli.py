"""`veyedesk sheets …` as a crew lead runs it, including bad values (one line, nothing written)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli.test_cli import ok, one_error_line, run
from tests.support.stills import fake_tesseract, make_sheet

SHOW = ["--client", "vk", "--show", "vk26"]


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    args = ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    ok(*args, "db", "upgrade")
    ok(*args, "client", "add", "--client", "vk")
    ok(*args, "show", "add", *SHOW, "--raw-root", str(tmp_path / "raw"))
    ok(*args, "room", "add", *SHOW, "room_a")
    csv = tmp_path / "talks.csv"
    csv.write_text(
        "name,room,start,duration,authors,emails,description,conf_key\n"
        "Morning keynote,room_a,2026-02-01 09:00:00,1800,Ann,,,t1\n"
        "Gremlins in the build,room_a,2026-02-01 10:00:00,1800,Bob,,,t2\n",
        encoding="utf-8",
    )
    ok(*args, "import-schedule", *SHOW, str(csv))
    return args


def _ids(db: list[str]) -> dict[str, int]:
    return {r["name"]: r["id"] for r in json.loads(ok(*db, "episodes", *SHOW, "--json"))}


def test_import_list_link_unlink(db: list[str], tmp_path: Path) -> None:
    talks = _ids(db)
    photo = make_sheet(tmp_path / "in" / "IMG_20260201_101500.jpg")
    scan = make_sheet(tmp_path / "in" / "scan.png")
    out = ok(*db, "sheets", "import", *SHOW, "--room", "room_a", "--day", "2026-02-01",
             str(photo), str(scan))  # fmt: skip
    assert "sheet 1: sheets/room_a/2026-02-01/IMG_20260201_101500.jpg: taken 2026-02-01 " in out
    assert f"linked to #{talks['Gremlins in the build']} Gremlins in the build" in out
    assert "sheet 2: sheets/room_a/2026-02-01/scan.png: no time found; not linked" in out
    assert "OCR is off" in out and out.count("OCR is off") == 1
    assert (tmp_path / "raw" / "sheets" / "room_a" / "2026-02-01" / "scan.png").exists()
    again = ok(*db, "sheets", "import", *SHOW, "--room", "room_a", "--day", "2026-02-01",
               str(scan))  # fmt: skip
    assert "scan.png: already imported as sheet 2" in again

    keynote = talks["Morning keynote"]
    linked = ok(*db, "sheets", "link", "2", str(keynote))
    assert f"is linked to #{keynote} Morning keynote" in linked
    rows = json.loads(ok(*db, "sheets", "list", *SHOW, "--json"))
    assert [(r["id"], r["talks"], r["ocr"], r["from"]) for r in rows] == [
        (2, str(keynote), "off", ""),  # no tesseract here: OCR is off
        (1, str(talks["Gremlins in the build"]), "off", "filename"),
    ]
    assert rows[0]["path"].endswith("raw/sheets/room_a/2026-02-01/scan.png")
    table = ok(*db, "sheets", "list", *SHOW, "--room", "room_a", "--day", "2026-02-01")
    header = ["id", "room", "day", "taken", "from", "talks", "ocr", "file"]
    assert table.splitlines()[0].split() == header
    assert "is linked to no talk" in ok(*db, "sheets", "unlink", "2", str(keynote))


def test_bad_values_are_one_line_and_write_nothing(db: list[str], tmp_path: Path) -> None:
    good = make_sheet(tmp_path / "good.jpg")
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a photo")
    base = [*db, "sheets", "import", *SHOW, "--room", "room_a", "--day", "2026-02-01"]
    assert "notes.jpg: not an image" in one_error_line(run(*base, str(good), str(notes)))
    wrong_room = run(*db, "sheets", "import", *SHOW, "--room", "nowhere", "--day", "2026-02-01",
                     str(good))  # fmt: skip
    assert "no room 'nowhere' in show 'vk26' (known: room_a)" in one_error_line(wrong_room)
    bad_day = run(*db, "sheets", "import", *SHOW, "--room", "room_a", "--day", "1 Feb", str(good))
    assert bad_day.returncode == 2 and "not a day; type YYYY-MM-DD" in bad_day.stderr
    assert "no sheet 7" in one_error_line(run(*db, "sheets", "link", "7", "1"))
    assert json.loads(ok(*db, "sheets", "list", *SHOW, "--json")) == []
    assert not (tmp_path / "raw" / "sheets").exists()


def test_ocr_with_a_fake_tesseract_on_path(
    db: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without tesseract `sheets ocr` says once that OCR is off and marks the sheets so.
    sheet = make_sheet(tmp_path / "10_05_00.png")
    ok(*db, "sheets", "import", *SHOW, "--room", "room_a", "--day", "2026-02-01", str(sheet))
    assert ok(*db, "sheets", "ocr", *SHOW).splitlines() == [
        "OCR is off: `tesseract` is not installed (apt-get install tesseract-ocr); "
        "sheets are stored without their text"
    ]
    # A real executable named tesseract on PATH (a script printing known text): the real
    # subprocess path runs it, and the text lands in the database.
    fake_tesseract(tmp_path / "bin", monkeypatch, text="ROOM A  Sunday\nGremlins in the build")
    env = {"PATH": os.environ["PATH"]}
    out = ok(*db, "sheets", "ocr", *SHOW, env=env)
    assert out.startswith("sheet 1: OCR read 36 characters: ROOM A  Sunday")
    (row,) = json.loads(ok(*db, "sheets", "list", *SHOW, "--json"))
    assert (row["ocr"], row["text"]) == ("done", "ROOM A  Sunday\nGremlins in the build")
    assert "no sheets to read" in ok(*db, "sheets", "ocr", *SHOW, env=env)
    # Imported while tesseract is there: read at once.
    second = make_sheet(tmp_path / "10_20_00.png")
    out = ok(*db, "sheets", "import", *SHOW, "--room", "room_a", "--day", "2026-02-01",
             str(second), env=env)  # fmt: skip
    assert "OCR is off" not in out and "sheet 2: OCR read" in out
