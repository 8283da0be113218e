"""Schedule import into the database: the must-show cases of issue 3, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.schedules import TALKS, frab_xml, moved, pentabarf_xml, pretalx_json
from veyedesk.model import Episode, Location, Show
from veyedesk.services import catalog
from veyedesk.services.episodes import (
    Selection,
    add_episode,
    episode_summary,
    select_episodes,
)
from veyedesk.services.errors import InvalidInput
from veyedesk.services.ingest.schedule_import import import_schedule


@pytest.fixture
def conf(session: Session) -> Show:
    catalog.add_client(session, "vk")
    show = catalog.add_show(session, "vk", "vk26")
    session.commit()
    return show


def _episodes(session: Session) -> dict[str, Episode]:
    eps = select_episodes(session, Selection("vk", "vk26"))
    return {e.conf_key[-3:]: e for e in eps}


def _import(session: Session, show: Show, data: bytes, name: str = "schedule.xml", **kw):
    result = import_schedule(session, show, data, name, **kw)
    session.commit()
    return result


def test_frab_xml_imports_every_event_with_local_times_rooms_persons(
    session: Session, conf: Show
) -> None:
    result = _import(session, conf, frab_xml())
    assert len(result.plan.added) == len(TALKS)
    assert sorted(result.rooms_created) == ["horsaal_1", "saal_ada", "workshop_raum"]
    eps = _episodes(session)
    assert len(eps) == len(TALKS)
    talk = eps["102"]
    assert talk.name == "„Warum Video?“ – ein Rückblick"
    assert talk.start == datetime(2026, 2, 1, 11, 0)  # shows 11:00, not 10:00 UTC
    assert episode_summary(talk)["start"] == "2026-02-01T11:00:00+01:00"
    assert talk.duration == 1800.0 and talk.end == datetime(2026, 2, 1, 11, 30)
    assert talk.location is not None and talk.location.name == "Hörsaal 1"
    assert talk.authors == "Jörg Schäfer, Zoë Ødegård"
    assert talk.conf_url == "https://pretalx.example/vk26/talk/102/"
    assert talk.state is not None and talk.state.slug == "edit"
    assert eps["101"].name == "Eröffnung & Begrüßung"
    assert eps["104"].released is False  # optout
    assert eps["104"].slug == "Workshop_DV_Kameras_Kabel_100_analog"
    assert {loc.name for loc in conf.locations} == {"Hörsaal 1", "Saal „Ada“", "Workshop-Raum"}


def test_reimport_of_the_same_file_changes_nothing_and_says_so(
    session: Session, conf: Show
) -> None:
    _import(session, conf, frab_xml())
    before = {k: (e.name, e.start, e.conf_meta) for k, e in _episodes(session).items()}
    again = _import(session, conf, frab_xml())
    assert again.plan.is_noop
    assert again.plan.lines()[-1].startswith("no changes (0 added, 0 changed")
    assert {k: (e.name, e.start, e.conf_meta) for k, e in _episodes(session).items()} == before


def test_moving_one_talk_reports_and_applies_just_that_change(session: Session, conf: Show) -> None:
    _import(session, conf, frab_xml())
    result = _import(session, conf, frab_xml(moved(TALKS, 201, "12:00")))
    assert [p.existing.conf_key[-3:] for p in result.plan.changed] == ["201"]
    (change,) = result.plan.changed[0].changes
    assert (change.field, change.old, change.new) == (
        "start",
        "2026-02-02T09:30:00",
        "2026-02-02T12:00:00",
    )
    assert "    start: '2026-02-02T09:30:00' -> '2026-02-02T12:00:00'" in result.plan.lines()
    assert _episodes(session)["201"].start == datetime(2026, 2, 2, 12, 0)
    assert _episodes(session)["201"].end == datetime(2026, 2, 2, 12, 30)


def test_a_talk_moved_to_another_room_and_long_text_changes(session: Session, conf: Show) -> None:
    _import(session, conf, frab_xml())
    long_text = "Sehr lange Beschreibung. " * 20
    changed = tuple(
        replace(t, room="Hörsaal 1", abstract=long_text) if t.id == 202 else t for t in TALKS
    )
    result = _import(session, conf, frab_xml(changed))
    (plan,) = result.plan.changed
    assert {c.field: c.new for c in plan.changes}["room"] == "horsaal_1"
    talk = _episodes(session)["202"]
    assert talk.location is not None and talk.location.slug == "horsaal_1"
    assert talk.description == long_text.strip()
    described = next(line for line in result.plan.lines() if "description:" in line)
    assert "…" in described and len(described) < 200


def test_editors_title_survives_reimport_unless_overwrite(session: Session, conf: Show) -> None:
    _import(session, conf, frab_xml())
    eps = _episodes(session)
    eps["101"].name = "Opening (fixed by the editor)"  # edited_fields not maintained
    eps["103"].authors = "Grace O’Neil"
    eps["103"].edited_fields = ["authors"]
    session.commit()
    renamed = tuple(replace(t, title="Eröffnung (neu)") if t.id == 101 else t for t in TALKS)
    result = _import(session, conf, frab_xml(renamed))
    kept = {p.existing.conf_key[-3:]: p.kept for p in result.plan.kept}
    assert [c.field for c in kept["101"]] == ["name"]
    assert [c.field for c in kept["103"]] == ["authors"]
    assert any("keeping 'Opening (fixed by the editor)'" in line for line in result.plan.lines())
    assert _episodes(session)["101"].name == "Opening (fixed by the editor)"
    # Importing the same file again still keeps it (the edit is still detected).
    assert _import(session, conf, frab_xml(renamed)).plan.kept
    assert _episodes(session)["101"].name == "Opening (fixed by the editor)"
    forced = _import(session, conf, frab_xml(renamed), overwrite_edited=True)
    assert {p.existing.conf_key[-3:] for p in forced.plan.changed} == {"101", "103"}
    assert _episodes(session)["101"].name == "Eröffnung (neu)"
    assert _episodes(session)["103"].edited_fields == []


def test_dry_run_prints_the_diff_and_writes_nothing(session: Session, conf: Show) -> None:
    result = _import(session, conf, frab_xml(), dry_run=True)
    assert len(result.plan.added) == len(TALKS) and "dry run: nothing was written" in result.lines()
    assert session.scalar(select(func.count()).select_from(Episode)) == 0
    assert session.scalar(select(func.count()).select_from(Location)) == 0


def test_vanished_talks_are_reported_not_deleted(session: Session, conf: Show) -> None:
    _import(session, conf, frab_xml())
    result = _import(session, conf, frab_xml(tuple(t for t in TALKS if t.id != 202)))
    assert [e.conf_key[-3:] for e in result.plan.vanished] == ["202"]
    assert "202" in _episodes(session)


def test_malformed_file_writes_nothing(session: Session, conf: Show) -> None:
    _import(session, conf, frab_xml())
    bad = frab_xml(moved(TALKS, 101, "13:00")).replace(
        b"<duration>02:00</duration>", b"<duration>lang</duration>"
    )
    with pytest.raises(InvalidInput, match=r"schedule\.xml: line \d+ \(event 104\)"):
        import_schedule(session, conf, bad, "schedule.xml")
    session.rollback()
    assert _episodes(session)["101"].start == datetime(2026, 2, 1, 10, 0)
    with pytest.raises(InvalidInput, match="broken XML"):
        import_schedule(session, conf, frab_xml()[:500], "schedule.xml")


def test_pentabarf_and_pretalx_json(session: Session, conf: Show) -> None:
    result = _import(session, conf, pentabarf_xml(), "penta.xml")
    assert len(result.plan.added) == len(TALKS)
    assert _episodes(session)["201"].start == datetime(2026, 2, 2, 9, 30)
    other = catalog.add_show(session, "vk", "vk27")
    other.timezone = "Europe/Berlin"
    session.commit()
    result = import_schedule(session, other, pretalx_json(), "schedule.json")
    session.commit()
    assert result.schedule.format == "frab-json"
    eps = {e.conf_key[-3:]: e for e in other.episodes}
    assert eps["102"].start == datetime(2026, 2, 1, 11, 0) and eps["102"].utc_offset_min == 60
    assert eps["104"].released is False
    # Rooms are shared by slug between the two shows.
    assert {r.slug for r in other.locations} == {r.slug for r in conf.locations}


def test_csv_and_veyepar_json(session: Session, conf: Show) -> None:
    csv_data = (
        b"name,room,start,duration,authors,emails,description,conf_key\n"
        b'"Talk, with comma",Main Hall,2026-03-01 10:00,00:30:00,Ann,ann@x.org,'
        b'"Line 1\nLine 2",k1\n'
        b"Second,Main Hall,2026-03-01T11:00:00+02:00,1800,Bob,,,\n"
    )
    result = _import(session, conf, csv_data, "talks.csv")
    assert len(result.plan.added) == 2
    eps = {e.conf_key: e for e in conf.episodes}
    assert eps["k1"].name == "Talk, with comma" and eps["k1"].description == "Line 1\nLine 2"
    assert eps["name:Second"].utc_offset_min == 120
    assert _import(session, conf, csv_data, "talks.csv").plan.is_noop
    veyepar = (
        b'[{"id": 7, "state": 5, "location": "Main Hall", "sequence": 3, "name": "Old talk",'
        b' "slug": "Old_talk", "authors": "Carl", "emails": "carl@x.org", "description": "d",'
        b' "start": "2019-07-01T10:00:00", "duration": "00:25:00", "released": true,'
        b' "license": "CC BY-SA", "tags": "python", "conf_key": "", "conf_url": "u",'
        b' "host_url": "h", "public_url": "p", "comment": "c"}]'
    )
    _import(session, conf, veyepar, "old.json")
    old = next(e for e in conf.episodes if e.conf_key == "veyepar:7")
    assert old.state is not None and old.state.slug == "richard" and old.sequence == 3
    assert (old.duration, old.released, old.host_url) == (1500.0, True, "h")


def test_license_longer_than_its_column_is_refused_on_every_database_with_field_named(
    session: Session, conf: Show
) -> None:
    doc = json.loads(pretalx_json())
    day = doc["schedule"]["conference"]["days"][0]
    event = day["rooms"][next(iter(day["rooms"]))][0]
    event["recording_license"] = "CC BY 4.0 " + "x" * 60  # the column holds 50
    with pytest.raises(InvalidInput, match=r"\(event 101\): license is 70 characters, longer "
                       r"than the 50 the database holds"):  # fmt: skip
        import_schedule(session, conf, json.dumps(doc).encode(), "schedule.json")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Episode)) == 0
    event["recording_license"] = "CC BY 4.0"
    event["guid"] = "9" * 5000  # an id too long to store as conf_key
    with pytest.raises(InvalidInput, match=r"id is 5000 characters, longer than the 100"):
        import_schedule(session, conf, json.dumps(doc).encode(), "schedule.json")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Location)) == 0


def test_slugs_differing_only_in_case_never_share_an_output_file(
    session: Session, conf: Show
) -> None:
    titles = ["Intro to Rust", "INTRO TO RUST", "intro to rust"]
    talks = tuple(replace(t, title=title) for t, title in zip(TALKS, titles, strict=False))
    _import(session, conf, frab_xml(talks))
    added = add_episode(session, conf, "Intro To Rust")
    session.commit()
    slugs = [e.slug for e in conf.episodes if e.name.lower() == "intro to rust"] + [added.slug]
    assert len({s.lower() for s in set(slugs)}) == len(set(slugs)) == 4, slugs


def test_nul_in_titles_names_and_links_never_reaches_the_database(
    session: Session, conf: Show
) -> None:
    doc = json.loads(pretalx_json())
    day = doc["schedule"]["conference"]["days"][0]
    event = day["rooms"][next(iter(day["rooms"]))][0]
    event["title"] = "Null\x00 byte"
    event["abstract"] = "para 1\x00\n\npara 2"
    event["persons"] = [{"code": "P\x00", "public_name": "Ann\x00 Lee"}]
    event["links"] = [{"href": "https://x.org/\x00", "title": "Slides\x00"}]
    _import(session, conf, json.dumps(doc).encode(), "schedule.json")
    talk = _episodes(session)["101"]
    assert (talk.name, talk.authors, talk.description) == (
        "Null  byte",
        "Ann  Lee",
        "para 1\n\npara 2",
    )
    assert "\\u0000" not in json.dumps(talk.conf_meta) and "\x00" not in json.dumps(talk.conf_meta)


CSV_HEAD = b"name,room,start,duration,authors,emails,description,conf_key\n"


def _csv(descriptions: list[str]) -> bytes:
    rows = [
        f'Talk {n},Main Hall,2026-03-01 1{n}:00,1800,Ann,,"{d}",k{n}\n'.encode()
        for n, d in enumerate(descriptions)
    ]
    return CSV_HEAD + b"".join(rows)


def test_a_blank_cell_over_a_description_is_a_removal_applied_only_when_chosen(
    session: Session, conf: Show
) -> None:
    """Issue 19 item 6: a blank CSV cell wiped six descriptions without anyone choosing."""
    texts = [f"Description {n}, long enough to matter." for n in range(3)]
    _import(session, conf, _csv(texts), "talks.csv")
    blank = _csv(["", "", texts[2]])
    result = _import(session, conf, blank, "talks.csv")
    plan = result.plan
    assert plan.changed == [] and len(plan.removing) == 2
    assert [c.field for p in plan.removing for c in p.removals] == ["description"] * 2
    assert {e.conf_key: e.description for e in conf.episodes}["k0"] == texts[0]  # kept
    lines = "\n".join(result.lines())
    assert "blank in the schedule; keeping 'Description 0" in lines
    assert "2 removals not applied" in lines
    # The next import offers the same removals again (nothing recorded them as done).
    again = _import(session, conf, blank, "talks.csv", dry_run=True)
    assert len(again.plan.removing) == 2
    # One ticked: only that one goes.
    k0 = next(e.id for e in conf.episodes if e.conf_key == "k0")
    chosen = _import(session, conf, blank, "talks.csv", removals={(k0, "description")})
    assert [c.field for p in chosen.plan.changed for c in p.changes] == ["description"]
    assert "description: removed (was 'Description 0" in "\n".join(chosen.lines())
    session.expire_all()
    descriptions = {e.conf_key: e.description for e in conf.episodes}
    assert descriptions == {"k0": "", "k1": texts[1], "k2": texts[2]}
    # All of them (the CLI's --allow-removals).
    _import(session, conf, blank, "talks.csv", removals=True)
    session.expire_all()
    assert {e.conf_key: e.description for e in conf.episodes}["k1"] == ""


def test_a_change_past_the_middle_of_a_long_text_prints_as_two_different_strings(
    session: Session, conf: Show
) -> None:
    start = "An introduction that goes on for a while. " * 5
    end = " And then the details of the workshop follow, at length." * 3
    _import(session, conf, _csv([start + "Bring a laptop." + end]), "talks.csv")
    result = _import(session, conf, _csv([start + "Bring a tablet." + end]), "talks.csv")
    line = next(x for x in result.lines() if "description:" in x)
    old, new = line.split(": ", 1)[1].split(" -> ")
    assert old != new and "laptop" in old and "tablet" in new
