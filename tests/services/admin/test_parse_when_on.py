"""`talks.parse_when_on`: what the Admin tab's time fields accept."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, strategies as st

from veyedesk.services.admin import talks
from veyedesk.services.errors import InvalidInput

DAY = date(2026, 2, 1)


@given(st.times())
def test_a_time_alone_is_that_time_on_the_day(moment) -> None:
    text = f"{moment.hour}:{moment.minute:02d}:{moment.second:02d}"
    expected = datetime.combine(DAY, moment.replace(microsecond=0))
    assert talks.parse_when_on(text, DAY) == expected
    if moment.second == 0:
        assert talks.parse_when_on(f" {moment:%H:%M} ", DAY) == expected


def test_a_full_date_ignores_the_day_and_hh_mm_is_not_hh_00_mm() -> None:
    assert talks.parse_when_on("10:45", DAY) == datetime(2026, 2, 1, 10, 45)
    assert talks.parse_when_on("2026-02-03 10:45", DAY) == datetime(2026, 2, 3, 10, 45)
    assert talks.parse_when_on("2026-02-03T10:45:00+01:00", None) == datetime(2026, 2, 3, 10, 45)


@pytest.mark.parametrize("text", ["24:00", "10:60", "9:5", "", "half past ten", "10:45:61"])
def test_not_a_time_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="start"):
        talks.parse_when_on(text, DAY)


def test_a_time_alone_without_a_day_says_to_give_the_date() -> None:
    with pytest.raises(InvalidInput, match="has no day; give YYYY-MM-DD HH:MM"):
        talks.parse_when_on("10:45", None)
