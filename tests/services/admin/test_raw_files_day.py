"""The room-day list: problems per file, overlaps, gaps; trash and comment, checked and logged."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.model import Cut, Log, RawFile
from veyedesk.services import catalog
from veyedesk.services.admin.raw_files_day import (
    MIN_OVERLAP,
    Span,
    gaps,
    overlaps,
    room_day,
    room_days,
    set_raw_file,
)
from veyedesk.services.episodes import add_episode
from veyedesk.services.errors import InvalidInput, PermissionDenied
from veyedesk.services.identity import Identity

T0 = datetime(2026, 2, 1, 10, 0, 0)
EDITOR = Identity("ed@laptop", "editor")


def _raw(session: Session, show, room, name: str, at: float, seconds: float | None, **kw):
    raw = RawFile(
        show=show,
        location=room,
        filename=f"2026-02-01/{name}",
        start=T0 + timedelta(seconds=at),
        duration=seconds,
        filesize=3_600_000,
        **kw,
    )
    session.add(raw)
    return raw


def _show(session: Session):
    catalog.add_client(session, "vk")
    show = catalog.add_show(session, "vk", "vk26")
    room = catalog.add_room(session, show, "room_a", "Room A")
    return show, room


def test_a_room_day_lists_files_with_problems_and_the_talks_using_them(session: Session) -> None:
    show, room = _show(session)
    a = _raw(session, show, room, "10_00_00.dv", 0, 600)
    b = _raw(session, show, room, "10_05_00.dv", 300, 600)  # second recorder: 5 min overlap
    c = _raw(session, show, room, "10_30_00.dv", 1800, 600)  # 15 min gap before it
    d = _raw(session, show, room, "11_00_00.dv", 3600, None, probe_error="broken DV header")
    _raw(session, show, room, "12_00_00.dv", 7200, 60, trash=True)
    talk = add_episode(session, show, "Opening", room=room, start=T0, duration=900.0)
    session.flush()
    talk.cuts.append(Cut(raw_file=a, sequence=1))
    session.commit()

    (ref,) = room_days(session, show.id)
    assert (ref.room, ref.day, ref.files, ref.slug) == ("Room A", T0.date(), 5, "room_a")
    day = room_day(session, show.id, room.id, T0.date())
    rows = {r.filename.split("/")[1]: r for r in day.rows}
    assert rows["10_00_00.dv"].talks == [f"{talk.id} Opening"]
    assert rows["10_00_00.dv"].problems == ["overlaps 2026-02-01/10_05_00.dv by 0:05:00"]
    # The hole between 10:15 and 10:30 falls between talks: a note, not a problem.
    assert rows["10_05_00.dv"].problems == ["overlaps 2026-02-01/10_00_00.dv by 0:05:00"]
    assert rows["10_05_00.dv"].notes == ["gap of 0:15:00 after it"]
    assert rows["10_30_00.dv"].problems == [] and rows["10_30_00.dv"].notes == [
        "gap of 0:15:00 before it"
    ]
    assert rows["11_00_00.dv"].problems == ["unreadable: broken DV header"]
    assert rows["12_00_00.dv"].trash and rows["12_00_00.dv"].problems == []
    assert [(o.first.raw_file_id, o.second.raw_file_id) for o in day.overlaps] == [(a.id, b.id)]
    assert "1 overlapping pair(s)" in day.summary() and "1 missing or unreadable" in day.summary()
    assert c.id and d.id

    # A talk scheduled across that hole: now it is footage lost from the talk.
    late = add_episode(
        session, show, "Lightning", room=room, start=T0 + timedelta(minutes=20), duration=300.0
    )
    session.commit()
    rows = {
        r.filename.split("/")[1]: r for r in room_day(session, show.id, room.id, T0.date()).rows
    }
    assert rows["10_30_00.dv"].problems == [f"gap of 0:15:00 before it during {late.id} Lightning"]
    assert rows["10_30_00.dv"].notes == []


def test_trash_and_comment_are_saved_logged_on_the_talks_and_refused_to_reviewers(
    session: Session,
) -> None:
    show, room = _show(session)
    raw = _raw(session, show, room, "10_00_00.dv", 0, 600)
    talk = add_episode(session, show, "Opening", room=room, start=T0, duration=900.0)
    other = add_episode(
        session, show, "Elsewhere", room=room, start=T0 + timedelta(hours=3), duration=60.0
    )
    session.commit()

    with pytest.raises(PermissionDenied, match="reviewer"):
        set_raw_file(session, raw.id, Identity("rita", "reviewer"), trash=True)
    session.rollback()
    assert session.get(RawFile, raw.id).trash is False

    row = set_raw_file(session, raw.id, EDITOR, trash=True, comment="  two\x00 recorders  ")
    session.commit()
    assert row.trash and row.comment == "two recorders"
    stored = session.get(RawFile, raw.id)
    assert stored.trash and stored.comment == "two recorders"
    logs = session.scalars(select(Log).where(Log.episode_id == talk.id)).all()
    assert [(log.user, log.result) for log in logs] == [
        (
            "ed@laptop",
            "raw file 2026-02-01/10_00_00.dv: comment set to 'two recorders'; trashed",
        )
    ]
    assert session.scalars(select(Log).where(Log.episode_id == other.id)).all() == []
    # The same values again change nothing and log nothing.
    set_raw_file(session, raw.id, EDITOR, trash=True, comment="two recorders")
    session.commit()
    assert len(session.scalars(select(Log)).all()) == 1
    with pytest.raises(InvalidInput, match="at most"):
        set_raw_file(session, raw.id, EDITOR, comment="x" * 5000)


spans = st.lists(st.tuples(st.integers(0, 3600), st.integers(1, 900)), min_size=0, max_size=12).map(
    lambda pairs: [
        Span(i, f"f{i}", T0 + timedelta(seconds=a), T0 + timedelta(seconds=a + n))
        for i, (a, n) in enumerate(pairs)
    ]
)


@given(spans)
def test_overlaps_are_every_pair_sharing_a_second_and_gaps_every_hole(items: list[Span]) -> None:
    found = {(o.first.raw_file_id, o.second.raw_file_id) for o in overlaps(items)}
    expected = set()
    for x in items:
        for y in items:
            if x.raw_file_id == y.raw_file_id:
                continue
            first, second = sorted((x, y), key=lambda s: (s.start, s.raw_file_id))
            shared = (min(first.end, second.end) - second.start).total_seconds()
            if shared >= MIN_OVERLAP:
                expected.add((first.raw_file_id, second.raw_file_id))
    assert found == expected
    # Every hole reported is covered by no span, and every uncovered stretch is reported.
    for before, after, hole in gaps(items):
        assert hole == (after.start - before.end).total_seconds()
        assert not any(s.start < after.start and s.end > before.end for s in items)
    covered_to = None
    holes = 0
    for s in sorted(items, key=lambda s: s.start):
        if covered_to is not None and (s.start - covered_to).total_seconds() >= 2.0:
            holes += 1
        covered_to = s.end if covered_to is None else max(covered_to, s.end)
    assert holes == len(gaps(items))


def test_an_hour_of_dv_has_a_size_the_database_holds(session: Session) -> None:
    # Was a 32-bit column: PostgreSQL refused any DV file over ~10 minutes (2 GiB).
    show, room = _show(session)
    raw = _raw(session, show, room, "10_00_00.dv", 0, 3600)
    raw.filesize = 13_000_000_000
    session.commit()
    session.expire_all()
    assert session.get(RawFile, raw.id).filesize == 13_000_000_000
    (row,) = room_day(session, show.id, room.id, T0.date()).rows
    assert row.filesize == 13_000_000_000
