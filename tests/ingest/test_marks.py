from datetime import UTC, datetime, timedelta, timezone

import pytest

from veyedesk.ingest.marks import MarksError, parse_marks


def test_plain_and_csv_lines() -> None:
    data = (
        b"click,comment\n"
        b"2026-02-01 10:31:12,start of talk\n"
        b"\n# a comment\n"
        b"2026-02-01T10:59:00.5+01:00\n"
        b"2026-02-01T11:00:00Z;x\n"
    )
    marks = parse_marks(data, "clicks.csv")
    assert [m.click for m in marks] == [
        datetime(2026, 2, 1, 10, 31, 12),
        datetime(2026, 2, 1, 10, 59, 0, 500000, tzinfo=timezone(timedelta(hours=1))),
        datetime(2026, 2, 1, 11, 0, tzinfo=UTC),
    ]
    assert [m.line for m in marks] == [2, 5, 6]


def test_voctomix_log_keeps_only_cut_lines() -> None:
    log = (
        b"2026-02-01 10:00:00,001 INFO    Core: starting\n"
        b"2026-02-01 10:31:12,250 INFO    ControlServer: cut\n"
        b"2026-02-01 10:40:00,000 DEBUG   Mixer: set_video_a cam1\n"
        b"2026-02-01 11:02:03,000 INFO    Core: Cut requested\n"
    )
    marks = parse_marks(log, "voctocore.log")
    assert [m.click for m in marks] == [
        datetime(2026, 2, 1, 10, 31, 12, 250000),
        datetime(2026, 2, 1, 11, 2, 3),
    ]


def test_bad_lines_name_the_line() -> None:
    with pytest.raises(MarksError, match=r"clicks.txt: line 2: 'yesterday' is not a timestamp"):
        parse_marks(b"2026-02-01 10:00:00\nyesterday\n", "clicks.txt")
    with pytest.raises(MarksError, match="not UTF-8"):
        parse_marks(b"\xff\xfe2026", "clicks.txt")
    with pytest.raises(MarksError, match="line 1"):
        parse_marks(b"2026-02-31 10:00:00\n", "clicks.txt")
