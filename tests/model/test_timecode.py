from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veyedesk.model.timecode import (
    TimecodeError,
    format_duration,
    format_offset,
    format_wall,
    frame_of,
    parse_offset,
    seconds_of,
    snap,
)


def test_frame_of_is_exact_on_frame_starts() -> None:
    # 0.12 * 25 is 2.9999999999999996 in floating point: still frame 3.
    assert frame_of(0.12) == 3
    assert frame_of(0.119) == 2
    assert frame_of(seconds_of(90_000)) == 90_000


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:00:01.10", 1.4),
        ("01:02:03.04", 3723.16),
        ("02:03.24", 123.96),
        ("5", 5.0),
        ("00:00:05:12", 5.48),
        ("12.5", 12.48),  # plain seconds, snapped to the frame grid (12.5 s = frame 312.5)
    ],
)
def test_parse_offset(text: str, seconds: float) -> None:
    assert parse_offset(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "abc", "1:2:3:4:5", "00:61:00.00", "00:00:01.25", "-1"])
def test_parse_offset_rejects_with_a_hint(bad: str) -> None:
    with pytest.raises(TimecodeError, match=r"timecode|below 60|does not exist"):
        parse_offset(bad)


@given(st.integers(min_value=0, max_value=25 * 3600 * 12))
def test_format_then_parse_round_trips_every_frame(frame: int) -> None:
    seconds = seconds_of(frame)
    assert frame_of(parse_offset(format_offset(seconds))) == frame


def test_format_offset_and_wall_and_duration() -> None:
    assert format_offset(3723.16) == "01:02:03.04"
    assert format_offset(None) == ""
    assert format_wall(datetime(2026, 2, 1, 9, 5, 7)) == "09:05:07"
    assert format_duration(1800.4) == "0:30:00"
    assert format_duration(-61) == "-0:01:01"
    assert snap(1.999) == pytest.approx(1.96)
