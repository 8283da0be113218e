from datetime import datetime
from pathlib import Path

import pytest

from veyedesk.ingest.scan import room_folders, rooms_dir, start_from_path, walk_room


@pytest.mark.parametrize(
    ("filename", "start"),
    [
        ("2026-02-01/10_00_00.dv", datetime(2026, 2, 1, 10, 0, 0)),
        ("2026-02-01/23-59-58-2.ts", datetime(2026, 2, 1, 23, 59, 58)),
        ("2026-02-01/09:05:07.mkv", datetime(2026, 2, 1, 9, 5, 7)),
        ("saal1-2026-02-01_10-00-00.ts", datetime(2026, 2, 1, 10, 0, 0)),
        ("2026-02-01/segment-20260201-113015.mp4", datetime(2026, 2, 1, 11, 30, 15)),
        ("2026-02-01T12:00:01.mov", datetime(2026, 2, 1, 12, 0, 1)),
        ("capture.dv", None),
        ("2026-02-01/take1.dv", None),
        ("2026-13-45/10_00_00.dv", None),  # impossible date: no guess
        ("2026-02-01/25_00_00.dv", None),
    ],
)
def test_start_from_path(filename: str, start: datetime | None) -> None:
    assert start_from_path(filename) == start


def test_walk_finds_media_in_veyepar_layout(tmp_path: Path) -> None:
    day = tmp_path / "dv" / "room_a" / "2026-02-01"
    day.mkdir(parents=True)
    for name in ("10_00_00.dv", "10_30_00.TS", "notes.txt", ".10_40_00.dv"):
        (day / name).write_bytes(b"x")
    (tmp_path / "dv" / "hall").mkdir()
    assert rooms_dir(tmp_path) == tmp_path / "dv"
    assert room_folders(tmp_path) == ["hall", "room_a"]
    found = list(walk_room(tmp_path / "dv" / "room_a", "room_a"))
    assert [f.filename for f in found] == ["2026-02-01/10_00_00.dv", "2026-02-01/10_30_00.TS"]
    assert found[0].path_start == datetime(2026, 2, 1, 10) and found[0].size == 1


def test_layout_without_dv_level(tmp_path: Path) -> None:
    (tmp_path / "room_a" / "2026-02-01").mkdir(parents=True)
    assert rooms_dir(tmp_path) == tmp_path and room_folders(tmp_path) == ["room_a"]


def test_path_too_long_for_its_column_is_stored_cut_with_a_stable_hash() -> None:
    from veyedesk.ingest.scan import storable_name

    deep = "/".join(["2026-02-01", *(["folder" * 10] * 8), "10_00_00.dv"])
    name, problem = storable_name(deep)
    assert len(name) == 500 and name == storable_name(deep)[0]
    assert name != storable_name(deep.replace("10_00_00", "10_00_01"))[0]
    assert problem.startswith(f"the path is {len(deep)} characters, longer than 500")
    assert storable_name("2026-02-01/10_00_00.dv") == ("2026-02-01/10_00_00.dv", "")


@pytest.mark.parametrize("value", ["inf", "nan", "-3", "1e400"])
def test_probe_report_with_infinite_or_negative_length_is_an_error_not_a_length(
    value: str,
) -> None:
    from veyedesk.media.durations import parse_durations
    from veyedesk.media.probe import MediaError, parse_probe

    with pytest.raises(MediaError, match=f"x.ts: ffprobe reports a duration of '{value}'"):
        parse_probe(Path("x.ts"), {"format": {"duration": value}, "streams": []})
    streams = [{"codec_type": "video", "duration": value}, {"codec_type": "audio",
               "tags": {"DURATION": "00:00:inf"}}]  # fmt: skip
    assert parse_durations({"streams": streams}) == {}
