from datetime import datetime

import pytest

from veyedesk.ingest.records import ScheduleError
from veyedesk.ingest.schedule_csv import parse_csv


def test_csv_semicolons_bom_and_keys() -> None:
    data = (
        "\ufeffName;Room;Start;Duration;Authors\nCafé “Talk”;Hall;2026-03-01 10:00;0:45:00;Zoë\n"
    ).encode()
    (event,) = parse_csv(data, "t.csv").events
    assert event.name == "Café “Talk”" and event.room == "Hall"
    assert event.start == datetime(2026, 3, 1, 10) and event.duration == 2700
    assert event.conf_key == "name:Cafe_Talk" and event.where == "t.csv: line 2"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,start\nx,2026-03-01 10:00\n", r"t\.csv: line 1: the header lacks column\(s\) room"),
        (b"name,room,start\nx,,2026-03-01 10:00\n", r"t\.csv: line 2: the room column is empty"),
        (b"name,room,start\nx,r,soon\n", r"t\.csv: line 2: 'soon' is not a date"),
        ("name,room,start\nCaf\u00e9,r,2026-03-01 10:00\n".encode("latin-1"), "line 2: not UTF-8"),
    ],
)
def test_csv_errors_name_the_line(data: bytes, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_csv(data, "t.csv")
