"""Association and marks on the database (SQLite and PostgreSQL), after a real scan."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.ingest.rawday import DAY, make_room_day
from veyedesk.model import Mark, Show
from veyedesk.services import catalog
from veyedesk.services.editing import marks as marking
from veyedesk.services.episodes import Selection, add_episode
from veyedesk.services.errors import InvalidInput
from veyedesk.services.identity import Identity
from veyedesk.services.ingest.assoc import associate
from veyedesk.services.ingest.marks_import import import_marks
from veyedesk.services.ingest.scan import scan_show

SEL = Selection("vk", "vk26")
VOLUNTEER = Identity("vol", "editor")


@pytest.fixture(scope="module")
def clip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clip_cache")


@pytest.fixture
def scanned(session: Session, tmp_path: Path, clip_cache: Path) -> Show:
    catalog.add_client(session, "vk")
    show = catalog.add_show(session, "vk", "vk26")
    room = catalog.add_room(session, show, "room_a")
    make_room_day(tmp_path, clip_cache)
    scan_show(session, show, tmp_path)
    t = datetime(2026, 2, 1, 10, 0)
    add_episode(
        session,
        show,
        "Spans two files",
        room=room,
        start=t.replace(second=2),
        duration=4.0,
        conf_key="a",
    )
    add_episode(
        session,
        show,
        "In the gap and the corrupt file",
        room=room,
        start=t.replace(minute=30),
        duration=60.0,
        conf_key="b",
    )
    session.commit()
    return show


def _cuts(show: Show, key: str) -> list[tuple[str, float | None, float | None, bool, int]]:
    ep = next(e for e in show.episodes if e.conf_key == key)
    return [
        (c.raw_file.filename.split("/")[-1], c.start, c.end, c.apply, c.sequence)
        for c in sorted(ep.cuts, key=lambda c: c.sequence)
    ]


@pytest.mark.media
def test_talk_spanning_two_files_gets_two_cuts_in_order(session: Session, scanned: Show) -> None:
    result = associate(session, SEL)
    session.commit()
    assert _cuts(scanned, "a")[:2] == [
        ("10_00_00.dv", 2.0, None, True, 1),
        ("10_00_04.ts", None, pytest.approx(2.0, abs=0.05), True, 2),
    ]
    # 10_00_20.dv lies in the 15-minute margin: listed, not applied.
    assert _cuts(scanned, "a")[2] == ("10_00_20.dv", None, None, False, 3)
    # The corrupt and the empty file are never used.
    names = {c[0] for key in ("a", "b") for c in _cuts(scanned, key)}
    assert names.isdisjoint({"10_00_30.dv", "10_00_40.dv"})
    assert result.added[next(e.id for e in scanned.episodes if e.conf_key == "a")] == 3
    assert [e.conf_key for e in result.no_raw] == ["b"]

    again = associate(session, SEL)
    assert again.added == {}


@pytest.mark.media
def test_rerun_adds_cuts_for_new_files_and_leaves_edited_cuts(
    session: Session, scanned: Show, tmp_path: Path
) -> None:
    associate(session, SEL)
    session.commit()
    ep = next(e for e in scanned.episodes if e.conf_key == "a")
    first = min(ep.cuts, key=lambda c: c.sequence)
    first.start, first.edited = 2.5, True
    session.commit()
    day = tmp_path / "dv" / "room_a" / DAY
    shutil.copyfile(day / "10_00_20.dv", day / "09_59_50.dv")  # a file found late
    scan_show(session, scanned, tmp_path)
    result = associate(session, SEL)
    session.commit()
    assert result.added == {ep.id: 1}
    assert first.start == 2.5 and first.sequence == 1  # untouched
    assert _cuts(scanned, "a")[-1][0] == "09_59_50.dv"


@pytest.mark.media
def test_marks_trim_the_initial_cuts(session: Session, scanned: Show) -> None:
    room = scanned.locations[0]
    result = import_marks(
        session, scanned, room, b"2026-02-01 10:00:01\n2026-02-01 10:00:07\n", "clicks.txt"
    )
    assert result.added == 2
    associate(session, SEL)
    session.commit()
    assert _cuts(scanned, "a")[:2] == [
        ("10_00_00.dv", 1.0, None, True, 1),
        ("10_00_04.ts", None, pytest.approx(3.0, abs=0.05), True, 2),
    ]


def _mark(session: Session, show: Show, kind: str, second: float) -> None:
    at = datetime(2026, 2, 1, 10, 0) + timedelta(seconds=second)
    room = show.locations[0]
    marking.record_mark(session, VOLUNTEER, show.id, room.id, kind, at, machine="laptop-b")


@pytest.mark.media
def test_an_end_mark_sets_the_out_point_and_never_the_in_point(
    session: Session, scanned: Show
) -> None:
    # Talk "a" is scheduled 10:00:02-10:00:06; it ended after one second. As a plain cut
    # mark, a click at 10:00:03 would have been taken as its in point.
    _mark(session, scanned, "end", 3.0)
    associate(session, SEL)
    session.commit()
    assert _cuts(scanned, "a")[:2] == [
        ("10_00_00.dv", 2.0, 3.0, True, 1),
        ("10_00_04.ts", None, None, False, 2),
    ]


@pytest.mark.media
def test_marks_made_after_association_set_in_and_out_of_an_unedited_talk(
    session: Session, scanned: Show
) -> None:
    first = associate(session, SEL)
    session.commit()
    ep = next(e for e in scanned.episodes if e.conf_key == "a")
    before = {c.raw_file.filename: (c.id, c.uuid) for c in ep.cuts}
    # Marks arrive later (a venue laptop's Mark window, synced): start 10:00:01.5, end
    # 10:00:06.5, and a cut mark in between that splits.
    _mark(session, scanned, "start", 1.5)
    _mark(session, scanned, "cut", 3.0)
    _mark(session, scanned, "end", 6.5)
    session.commit()
    result = associate(session, SEL)
    session.commit()
    assert result.added == {} and ep.id in result.retimed and first.retimed == {}
    assert any("in/out set from start/end marks" in line for line in result.lines())
    assert _cuts(scanned, "a") == [
        ("10_00_00.dv", 1.5, 3.0, True, 1),
        ("10_00_00.dv", 3.0, None, True, 2),
        ("10_00_04.ts", None, pytest.approx(2.5, abs=0.05), True, 3),
        ("10_00_20.dv", None, None, False, 4),
    ]
    # Rows are changed in place: a venue sync still knows them by UUID.
    after = {c.raw_file.filename: (c.id, c.uuid) for c in ep.cuts if c.sequence != 2}
    assert after == before
    again = associate(session, SEL)
    assert again.retimed == {} and again.added == {}  # nothing left to change


@pytest.mark.media
def test_start_and_end_marks_never_touch_an_edited_talk(session: Session, scanned: Show) -> None:
    associate(session, SEL)
    session.commit()
    ep = next(e for e in scanned.episodes if e.conf_key == "a")
    first = min(ep.cuts, key=lambda c: c.sequence)
    first.start, first.edited = 2.25, True
    session.commit()
    edited = _cuts(scanned, "a")
    _mark(session, scanned, "start", 1.0)
    _mark(session, scanned, "end", 7.0)
    session.commit()
    result = associate(session, SEL)
    session.commit()
    assert result.retimed == {} and _cuts(scanned, "a") == edited


def test_marks_are_deduplicated_and_bad_files_refused(session: Session) -> None:
    catalog.add_client(session, "vk")
    show = catalog.add_show(session, "vk", "vk26")
    show.timezone = "Europe/Berlin"
    room = catalog.add_room(session, show, "room_a")
    data = b"2026-02-01 10:00:01\n2026-02-01T09:00:01Z\n2026-02-01 10:05:00\n"
    first = import_marks(session, show, room, data, "a.txt")
    session.commit()
    assert (first.added, first.duplicates) == (2, 1)  # 09:00Z is 10:00 in Berlin
    second = import_marks(session, show, room, data, "a.txt")
    session.commit()
    assert (second.added, second.duplicates) == (0, 3)
    assert session.query(Mark).count() == 2
    with pytest.raises(InvalidInput, match=r"b\.txt: line 2: 'soon'"):
        import_marks(session, show, room, b"2026-02-01 12:00:00\nsoon\n", "b.txt")
