"""Sheet file names a crew writes by hand: the date is never read as a time of day."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from veyedesk.media.stills import time_from_name

DAY = date(2026, 2, 1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2026-02-01_10-00_hoersaal.png", datetime(2026, 2, 1, 10, 0)),
        ("2026-02-01 14.30 saal ada.jpg", datetime(2026, 2, 1, 14, 30)),
        ("hall_2026-02-01.jpg", None),  # a date alone states no time
        ("2026-02-01_10-15-30.png", datetime(2026, 2, 1, 10, 15, 30)),
        ("IMG_20260201_101530.jpg", datetime(2026, 2, 1, 10, 15, 30)),
        ("10_15_30.png", datetime(2026, 2, 1, 10, 15, 30)),
    ],
)
def test_a_date_in_a_sheet_name_is_not_a_time(name: str, expected: datetime | None) -> None:
    assert time_from_name(name, DAY) == expected
