import json
from datetime import datetime

import pytest

from tests.support.schedules import pretalx_json
from veyedesk.ingest.records import ScheduleError
from veyedesk.ingest.schedule_json import parse_frab_json


def _doc() -> dict:
    return json.loads(pretalx_json())


def _first_event(doc: dict) -> dict:
    rooms = doc["schedule"]["conference"]["days"][0]["rooms"]
    return rooms[next(iter(rooms))][0]


def test_pretalx_json_fields() -> None:
    schedule = parse_frab_json(pretalx_json(), "schedule.json")
    by_id = {e.meta["id"]: e for e in schedule.events}
    talk = by_id["102"]
    assert talk.start == datetime(2026, 2, 1, 11) and talk.utc_offset_min == 60
    assert talk.authors == "Jörg Schäfer, Zoë Ødegård"
    assert talk.description == "Ein Rückblick auf 10 Jahre & mehr.\n\nZweiter Absatz."
    assert by_id["104"].released is False and by_id["101"].released is True
    assert talk.meta["persons"][0] == {"id": "P1020", "name": "Jörg Schäfer"}


def test_frab_json_variants_track_object_and_recording_optout() -> None:
    doc = _doc()
    event = _first_event(doc)
    event.pop("do_not_record")
    event["recording"] = {"optout": True}
    event["track"] = {"name": "Video", "color": "#fff"}
    event["persons"] = [{"id": 5, "full_public_name": "Ann"}, "Bob", {"id": 6}]
    (first, *_) = parse_frab_json(json.dumps(doc).encode(), "s.json").events
    assert first.released is False and first.tags == "Video" and first.authors == "Ann, Bob"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("title"), r"event 101\): event has no title"),
        (lambda e: e.update(room="", date=e["date"]), None),
        (lambda e: e.pop("date"), r"event 101\): event has no date"),
        (lambda e: e.update(date="morgen"), r"event 101\): 'morgen' is not a date"),
        (lambda e: e.update(guid=None, id=None), "neither guid nor id"),
    ],
)
def test_event_errors_name_the_event(change, message: str | None) -> None:
    doc = _doc()
    change(_first_event(doc))
    data = json.dumps(doc).encode()
    if message is None:  # an empty "room" falls back to the rooms{} key
        assert parse_frab_json(data, "s.json").events[0].room == "Hörsaal 1"
        return
    with pytest.raises(ScheduleError, match=message):
        parse_frab_json(data, "s.json")


def test_broken_and_foreign_json() -> None:
    with pytest.raises(ScheduleError, match=r"s\.json: line 1: broken JSON"):
        parse_frab_json(pretalx_json()[:100].replace(b"\n", b" "), "s.json")
    with pytest.raises(ScheduleError, match=r"no schedule\.conference"):
        parse_frab_json(b'{"talks": []}', "s.json")
    with pytest.raises(ScheduleError, match="not UTF-8"):
        parse_frab_json('{"x": "Hörsaal"}'.encode("utf-16"), "s.json")


def _v2_sample(*, with_schema: bool = True) -> bytes:
    """A small schedule v2 (hub) file, written by hand after the format's documentation."""
    doc: dict = {
        "schedule": {
            "version": "2026-01-30 12:00",
            "conference": {
                "acronym": "vk26",
                "title": "Videokonferenz",
                "start": "2026-02-01T09:00:00+01:00",
                "end": "2026-02-01T18:00:00+01:00",
                "time_zone_name": "Europe/Berlin",
                "rooms": [{"name": "Saal 1", "guid": "1b9e3c0a-0000-4000-8000-000000000001"}],
                "days": [
                    {
                        "index": 1,
                        "date": "2026-02-01",
                        "start": "2026-02-01T09:00:00+01:00",
                        "end": "2026-02-01T18:00:00+01:00",
                    }
                ],
            },
            "events": [
                {
                    "guid": "1b9e3c0a-0000-4000-8000-000000000101",
                    "start": "2026-02-01T10:00:00+01:00",
                    "end": "2026-02-01T10:30:00+01:00",
                    "room": {"name": "Saal 1"},
                    "title": "Opening",
                    "participants": [{"name": "Anna", "role": "SPEAKER"}],
                }
            ],
        }
    }
    if with_schema:
        doc["$schema"] = "https://c3voc.de/schema/schedule2"
    return json.dumps(doc).encode()


@pytest.mark.parametrize("with_schema", [True, False])
def test_schedule_v2_is_named_and_the_v1_file_asked_for(with_schema: bool) -> None:
    with pytest.raises(ScheduleError) as info:
        parse_frab_json(_v2_sample(with_schema=with_schema), "hub.json")
    message = str(info.value)
    assert message.startswith("hub.json: ")
    assert "schedule v2" in message and "no rooms object" not in message
    assert "schedule.json" in message and "v1" in message
