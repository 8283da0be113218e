from datetime import datetime

import pytest

from tests.support.schedules import TALKS, frab_xml, pentabarf_xml
from veyedesk.ingest.html_text import html_to_text
from veyedesk.ingest.records import ScheduleError, parse_duration, parse_when
from veyedesk.ingest.schedule import detect_format, read_schedule
from veyedesk.ingest.schedule_frab import parse_frab_xml


def test_frab_xml_keeps_wall_clock_offset_rooms_and_persons() -> None:
    schedule = parse_frab_xml(frab_xml(), "schedule.xml")
    assert schedule.title == "Videokonferenz 2026 & Friends"
    assert len(schedule.events) == len(TALKS)
    by_id = {e.meta["id"]: e for e in schedule.events}
    opening = by_id["102"]
    assert opening.conf_key == "6c2f0a0e-0001-4c1e-9a51-000000000102"  # guid wins over id
    assert opening.name == "„Warum Video?“ – ein Rückblick"
    assert opening.start == datetime(2026, 2, 1, 11, 0) and opening.utc_offset_min == 60
    assert opening.duration == 1800.0 and opening.room == "Hörsaal 1"
    assert opening.authors == "Jörg Schäfer, Zoë Ødegård"
    # HTML escaped into the XML comes out as text with paragraphs, entities decoded.
    assert opening.description == "Ein Rückblick auf 10 Jahre & mehr.\n\nZweiter Absatz."
    assert by_id["101"].name == "Eröffnung & Begrüßung"
    assert by_id["103"].room == "Saal „Ada“" and by_id["103"].subtitle == "A practical guide"
    assert by_id["104"].released is False and by_id["101"].released is True
    assert by_id["104"].license == "CC BY 4.0"
    assert by_id["201"].meta["links"][0]["href"] == "https://example.org/slides.pdf"
    assert by_id["203"].start == datetime(2026, 2, 3, 0, 30)  # after midnight of day 2


def test_pentabarf_without_zone_uses_day_date_and_hh_mm() -> None:
    schedule = read_schedule(pentabarf_xml(), "penta.xml")
    by_id = {e.conf_key: e for e in schedule.events}
    assert by_id["201"].start == datetime(2026, 2, 2, 9, 30)
    assert by_id["201"].utc_offset_min is None
    assert by_id["203"].start == datetime(2026, 2, 3, 0, 30)
    assert by_id["104"].duration == 7200.0


def test_pentabarf_offset_from_time_zone_name_when_given() -> None:
    data = pentabarf_xml().replace(
        b"<city>", b"<time_zone_name>Europe/Brussels</time_zone_name><city>"
    )
    events = read_schedule(data, "penta.xml").events
    assert {e.utc_offset_min for e in events} == {60}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (frab_xml()[:-300], r"schedule\.xml: line \d+: broken XML"),
        (
            frab_xml().replace("Eröffnung".encode(), "Eröffnung".encode("latin-1")),
            r"line \d+: not UTF-8",
        ),
        (
            frab_xml().replace(b'guid="6c2f0a0e-0001-4c1e-9a51-000000000101" id="101"', b""),
            r"line \d+: event has neither a guid nor an id",
        ),
        (
            frab_xml()
            .replace(b"<room>Workshop-Raum</room>", b"")
            .replace(b'<room name="Workshop-Raum">', b'<room name="">'),
            r"event 104\): event has no room",
        ),
        (
            frab_xml().replace(b"<duration>02:00</duration>", b"<duration>zwei</duration>"),
            r"event 104\): duration 'zwei'",
        ),
        (b"<html><body>404</body></html>", r"root element is <html>"),
    ],
)
def test_malformed_xml_names_file_and_line_or_event(data: bytes, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        read_schedule(data, "schedule.xml")


def test_entity_declarations_are_refused_before_expansion() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE schedule [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><schedule>&b;</schedule>'
    )
    with pytest.raises(ScheduleError, match=r"declares an XML entity .*refused"):
        read_schedule(bomb, "evil.xml")
    external = (
        b'<!DOCTYPE schedule [<!ENTITY x SYSTEM "file:///etc/passwd">]><schedule>&x;</schedule>'
    )
    with pytest.raises(ScheduleError, match="entity"):
        read_schedule(external, "evil.xml")


def test_duplicate_keys_are_refused() -> None:
    data = frab_xml().replace(b"000000000102", b"000000000101")
    with pytest.raises(ScheduleError, match="used twice"):
        read_schedule(data, "schedule.xml")


def test_times_and_durations() -> None:
    assert parse_duration("00:45", "x") == 2700
    assert parse_duration("1:30:15", "x") == 5415
    assert parse_duration("1:00:00:00", "x") == 86400
    assert parse_duration("90", "x") == 90
    with pytest.raises(ScheduleError, match="minutes or seconds"):
        parse_duration("00:75", "x")
    assert parse_when("2026-02-01T11:00:00Z", "x") == (datetime(2026, 2, 1, 11), 0)
    assert parse_when("2026-02-01 11:00", "x") == (datetime(2026, 2, 1, 11), None)
    assert parse_when("2026-02-01T11:00:00-05:30", "x")[1] == -330


def test_html_descriptions_become_text() -> None:
    assert html_to_text("<ul><li>one</li><li>two &amp; three</li></ul>") == "- one\n\n- two & three"
    assert html_to_text("a < b and c > d") == "a < b and c > d"
    assert html_to_text("Tom &amp; Jerry") == "Tom & Jerry"


def test_format_detection() -> None:
    assert detect_format(b"\xef\xbb\xbf<?xml", "x") == "frab-xml"
    assert detect_format(b'{"schedule"', "x") == "frab-json"
    assert detect_format(b'[{"id": 1}]', "x") == "veyepar-json"
    assert detect_format(b"name,room,start", "talks.csv") == "csv"
    with pytest.raises(ScheduleError, match="--format"):
        detect_format(b"\x00\x01", "blob")


def test_event_lines_point_at_the_event_tag() -> None:
    data = frab_xml()
    events = parse_frab_xml(data, "s.xml").events
    lines = data.decode().splitlines()
    for event in events:
        number = int(event.where.split("line ")[1].split(" ")[0])
        assert f'id="{event.meta["id"]}"' in lines[number - 1]
    # A commented-out event breaks the pairing: messages fall back to the event id only.
    shifted = data.replace(b"<schedule>", b"<schedule><!-- <event id='x'> -->", 1)
    assert parse_frab_xml(shifted, "s.xml").events[0].where == "s.xml (event 101)"
