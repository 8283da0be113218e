import pytest

from veyedesk.ingest.records import ScheduleError
from veyedesk.ingest.schedule_veyepar import parse_veyepar_json


def test_veyepar_dumpdata_form_and_errors() -> None:
    data = (
        b'[{"pk": 3, "model": "main.episode", "fields": {"name": "N", "location": 2,'
        b' "start": "2019-07-01T10:00:00", "duration": "0:25:00", "state": 13,'
        b' "tags": ["a", "b"]}}]'
    )
    (event,) = parse_veyepar_json(data, "v.json").events
    assert event.conf_key == "veyepar:3" and event.room == "2" and event.state == "done"
    assert event.tags == "a, b" and event.duration == 1500
    with pytest.raises(ScheduleError, match=r"v\.json: episode 9: no location"):
        parse_veyepar_json(b'[{"id": 9, "name": "x"}]', "v.json")
    with pytest.raises(ScheduleError, match="expected a list"):
        parse_veyepar_json(b'{"a": 1}', "v.json")
