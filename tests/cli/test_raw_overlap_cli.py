"""`veyedesk report` names raw files of one room that record the same moment (two recorders)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.test_cli import ok
from tests.support.media import make_clip

SHOW = ["--client", "vk", "--show", "vk26"]


@pytest.mark.media
def test_report_lists_overlapping_raw_files_of_a_room(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    ok(*db, "db", "upgrade")
    ok(*db, "client", "add", "--client", "vk")
    ok(*db, "show", "add", "--client", "vk", "--show", "vk26")
    ok(*db, "room", "add", *SHOW, "room_a")
    ok(*db, "room", "add", *SHOW, "room_b")
    clip = make_clip(tmp_path / "clip.dv", "dv", 5.0, stamp=False)
    raw = tmp_path / "raw"
    # room_a: a second recorder started 2 s into the first one's file (3 s overlap);
    # room_b: back-to-back files, which is no overlap at all.
    for room, names in (
        ("room_a", ("10_00_00.dv", "10_00_02.dv")),
        ("room_b", ("10_00_00.dv", "10_00_05.dv")),
    ):
        day = raw / "dv" / room / "2026-02-01"
        day.mkdir(parents=True)
        for name in names:
            shutil.copyfile(clip, day / name)
    ok(*db, "scan", *SHOW, str(raw))

    report = json.loads(ok(*db, "report", *SHOW, "--json"))
    assert report["overlapping_raw_files"] == [
        {
            "room": "room_a",
            "first": "2026-02-01/10_00_00.dv",
            "first_start": "2026-02-01 10:00:00",
            "second": "2026-02-01/10_00_02.dv",
            "second_start": "2026-02-01 10:00:02",
            "length": "0:00:03",
        }
    ]
    text = ok(*db, "report", *SHOW)
    assert "overlapping raw files (two recorders in one room, or a clock set wrong): 1" in text
    assert "room_a: 2026-02-01/10_00_00.dv (2026-02-01 10:00:00) overlaps" in text
