from datetime import datetime

import pytest

from veyedesk.ingest.records import ScheduleError
from veyedesk.ingest.schedule_csv import parse_csv, parse_veyepar_json


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


def test_veyepar_dumpdata_form_and_errors() -> None:
    data = (
        b'[{"pk": 3, "model": "main.episode", "fields": {"name": "N", "location": 2,'
        b' "start": "2019-07-01T10:00:00", "duration": "0:25:00", "state": 14,'
        b' "tags": ["a", "b"]}}]'
    )
    (event,) = parse_veyepar_json(data, "v.json").events
    assert event.conf_key == "veyepar:3" and event.room == "2" and event.state == "done"
    assert event.tags == "a, b" and event.duration == 1500
    with pytest.raises(ScheduleError, match=r"v\.json: episode 9: no location"):
        parse_veyepar_json(b'[{"id": 9, "name": "x"}]', "v.json")
    with pytest.raises(ScheduleError, match="expected a list"):
        parse_veyepar_json(b'{"a": 1}', "v.json")
