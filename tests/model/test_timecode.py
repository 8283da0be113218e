from datetime import datetime

import pytest
from hypothesis import given, strategies as st

from veyedesk.model.timecode import (
    TimecodeError,
    dropped_per_minute,
    format_decimal,
    format_duration,
    format_offset,
    format_wall,
    frame_of,
    frame_to_timecode,
    parse_offset,
    seconds_of,
    snap,
)

# Rates raw files come in: PAL DV, film, NTSC (drop-frame), web video, HFR.
RATES = [25.0, 24.0, 30.0, 50.0, 24000 / 1001, 30000 / 1001, 60000 / 1001]


def test_frame_of_is_exact_on_frame_starts() -> None:
    # 0.12 * 25 is 2.9999999999999996 in floating point: still frame 3.
    assert frame_of(0.12) == 3
    assert frame_of(0.119) == 2
    assert frame_of(seconds_of(90_000)) == 90_000


def test_frames_show_smpte_style_not_as_hundredths() -> None:
    # The demo's burnt-in clock says 10:00:17.680 at 17.68 s into the file: frame 17
    # of second 17, which used to read "00:00:17.17" (as if 17 hundredths).
    assert format_offset(17.68) == "00:00:17:17"
    assert format_offset(3723.16) == "01:02:03:04"
    assert format_offset(-1.0) == "-00:00:01:00"
    assert format_offset(None) == ""


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("17.68", 17.68),  # decimal seconds, as the burnt-in clock shows them
        ("00:00:17.68", 17.68),
        ("00:01:02.10", 62.08),  # 62.1 s is inside frame 1552 (62.08 s)
        ("1:17.5", 77.48),  # 77.5 s falls in frame 1937 (77.48 s)
        ("75.5", 75.48),  # snapped to the frame grid
        ("5", 5.0),
        ("00:00:17:17", 17.68),  # SMPTE: frame 17 of second 17
        ("01:02:03:04", 3723.16),
        ("442f", 17.68),  # plain frame count
        ("442F", 17.68),
        ("  0f ", 0.0),
        ("00:15:30", 930.0),  # HH:MM:SS
    ],
)
def test_parse_offset_reads_decimal_smpte_and_frames(text: str, seconds: float) -> None:
    assert parse_offset(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "bad",
    ["", "abc", "1:2:3:4:5", "00:61:00.00", "00:00:01:25", "-1", "12f3", "00:00:01;10", "."],
)
def test_parse_offset_rejects_with_a_hint(bad: str) -> None:
    with pytest.raises(TimecodeError, match=r"timecode|below 60|does not exist|drop-frame"):
        parse_offset(bad)


def test_drop_frame_at_ntsc_rates_keeps_to_the_clock() -> None:
    ntsc = 30000 / 1001
    assert dropped_per_minute(ntsc) == 2 and dropped_per_minute(60000 / 1001) == 4
    assert dropped_per_minute(25) == dropped_per_minute(30) == dropped_per_minute(24000 / 1001) == 0
    # Minute 1 has no frames ;00 and ;01; minute 10 has them.
    assert frame_to_timecode(1799, ntsc) == "00:00:59;29"
    assert frame_to_timecode(1800, ntsc) == "00:01:00;02"
    assert frame_to_timecode(17982, ntsc) == "00:10:00;00"
    # An hour of drop-frame timecode is an hour of clock, give or take a frame.
    hour = parse_offset("01:00:00;00", ntsc)
    assert hour == pytest.approx(3600, abs=1 / ntsc)
    with pytest.raises(TimecodeError, match="skips frames 00-01"):
        parse_offset("00:01:00;00", ntsc)


@pytest.mark.parametrize("fps", RATES)
@given(frame=st.integers(min_value=0, max_value=60 * 3600 * 12))
def test_smpte_round_trips_every_frame_at_every_rate(fps: float, frame: int) -> None:
    seconds = seconds_of(frame, fps)
    text = format_offset(seconds, fps)
    assert frame_of(parse_offset(text, fps), fps) == frame
    assert frame_of(parse_offset(f"{frame}f", fps), fps) == frame


@given(frame=st.integers(min_value=0, max_value=25 * 3600 * 12))
def test_decimal_form_round_trips_at_25_fps(frame: int) -> None:
    # Hundredths hold a 25 fps frame (0.04 s) exactly: Veyepar's JSON loses nothing.
    seconds = seconds_of(frame)
    assert frame_of(parse_offset(format_decimal(seconds))) == frame


@given(st.floats(min_value=0, max_value=48 * 3600, allow_nan=False))
def test_decimal_form_is_within_a_hundredth(seconds: float) -> None:
    text = format_decimal(seconds)
    h, m, s = text.split(":")
    assert abs(int(h) * 3600 + int(m) * 60 + float(s) - seconds) <= 0.005 + 1e-9


def test_veyepar_decimal_form_and_wall_and_duration() -> None:
    assert format_decimal(17.68) == "00:00:17.68"
    assert format_decimal(3723.161) == "01:02:03.16"
    assert format_decimal(None) == ""
    assert format_wall(datetime(2026, 2, 1, 9, 5, 7)) == "09:05:07"
    assert format_duration(1800.4) == "0:30:00"
    assert format_duration(-61) == "-0:01:01"
    assert snap(1.999) == pytest.approx(1.96)
