from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from veyedesk.ingest.marks import MarksError, parse_marks
from veyedesk.ingest.records import to_wall_clock


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


# What voctomix's example-scripts/control-server/generate-cut-list.py prints, one per cut:
# datetime.now().strftime("%Y-%m-%d/%H_%M_%S") (the file Veyepar's importer reads).
CUT_LIST = b"2026-02-01/10_15_30\n2026-02-01/10_59_02\n2026-02-01/11_00_10\n"


@pytest.mark.parametrize("source", ["voctocore.log", "cut-list.log", "cuts.txt"])
def test_voctomix_cut_list_is_not_read_as_zero_marks(source: str) -> None:
    marks = parse_marks(CUT_LIST, source)
    assert [m.click for m in marks] == [
        datetime(2026, 2, 1, 10, 15, 30),
        datetime(2026, 2, 1, 10, 59, 2),
        datetime(2026, 2, 1, 11, 0, 10),
    ]
    assert [m.line for m in marks] == [1, 2, 3]


def test_unrecognised_line_of_a_log_is_reported_with_its_line_number() -> None:
    with pytest.raises(MarksError, match=r"cut-list\.log: line 2: 'cut at ten' is not a timestamp"):
        parse_marks(b"2026-02-01/10_15_30\ncut at ten\n", "cut-list.log")
    with pytest.raises(MarksError, match=r"line 1: .*not a real time"):
        parse_marks(b"2026-02-30/10_15_30\n", "cut-list.log")
    with pytest.raises(MarksError, match=r"voctocore\.log: no marks found"):
        parse_marks(b"2026-02-01 10:00:00,001 INFO Core: starting\n", "voctocore.log")
    with pytest.raises(MarksError, match=r"empty\.txt: no marks found"):
        parse_marks(b"\n# nothing yet\n", "empty.txt")


def test_mark_at_year_one_plus_fourteen_hours_is_a_clear_error_not_overflow() -> None:
    with pytest.raises(MarksError, match=r"m\.txt: line 2: time 0001-01-01 00:00:00\+14:00 is "
                       r"not between 1970 and 2199"):  # fmt: skip
        parse_marks(b"2026-02-01 10:00:00\n0001-01-01T00:00:00+14:00\n", "m.txt")
    with pytest.raises(MarksError, match=r"line 1: time 9999-12-31"):
        parse_marks(b"9999-12-31T23:59:59-12:00\n", "m.txt")


@given(
    moment=st.datetimes(timezones=st.timezones() | st.none()),
    zone=st.sampled_from(["", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin"]),
)
def test_any_timestamp_gives_a_clear_error_or_a_wall_clock_that_fits(
    moment: datetime, zone: str
) -> None:
    try:
        marks = parse_marks(moment.isoformat().encode(), "m.txt")
    except MarksError as exc:
        assert str(exc).startswith("m.txt: line 1: ")
        return
    (mark,) = marks
    assert datetime(1969, 12, 30) < to_wall_clock(mark.click, zone) < datetime(2200, 1, 2)
