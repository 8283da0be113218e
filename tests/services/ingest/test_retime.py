"""A room's recorder clock fixed after the fact: preview first, then files move, talks follow."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.model import AuditEntry, Cut, Episode, RawFile
from veyedesk.services.identity import Identity
from veyedesk.services.ingest.retime import plan_retime, retime_room

ADMIN = Identity("lead", "admin")


def _starts(session: Session, room_id: int) -> list:
    stmt = select(RawFile.start).where(RawFile.location_id == room_id).order_by(RawFile.id)
    return list(session.scalars(stmt))


def test_preview_writes_nothing_then_retime_moves_files_and_reassociates(
    session: Session, show: ShowFixture
) -> None:
    room = show.rooms[0]
    talks = [e for e in show.episodes if e.location_id == room.id]
    edited = talks[1]
    edited.cuts[0].edited = True
    session.commit()
    before = _starts(session, room.id)

    plan = plan_retime(session, show.show, room, 1)
    assert [m.new_start - m.old_start for m in plan.raws] == [timedelta(hours=1)] * len(before)
    assert [t.episode_id for t in plan.talks] == [talks[0].id, talks[2].id]
    assert plan.kept == [(edited.id, edited.name, "its cuts were edited")]
    # The first talk (09:00) has no file left in its window once files start an hour later.
    assert plan.talks[0].new_cuts == 0 and plan.talks[0].old_cuts > 0
    session.rollback()
    assert _starts(session, room.id) == before and room.hours_offset == 0

    edited_cuts = [(c.raw_file_id, c.start, c.end) for c in edited.cuts]
    retime_room(session, ADMIN, show.show, room, 1)
    session.commit()
    session.expire_all()
    assert _starts(session, room.id) == [s + timedelta(hours=1) for s in before]
    assert room.hours_offset == 1
    first = session.get(Episode, talks[0].id)
    assert first is not None and first.cuts == []
    third = session.get(Episode, talks[2].id)
    assert third is not None
    # Every new cut of the third talk lies in a file that now overlaps its slot.
    for cut in third.cuts:
        assert cut.raw_file.start < third.end + timedelta(minutes=15)  # type: ignore[operator]
        assert cut.raw_file.end > third.start - timedelta(minutes=15)  # type: ignore[operator]
    kept = session.scalars(select(Cut).where(Cut.episode_id == edited.id)).all()
    assert [(c.raw_file_id, c.start, c.end) for c in kept] == edited_cuts
    audit = session.scalars(select(AuditEntry)).one()
    assert audit.action == "room retime" and "0 -> 1" in audit.detail


def test_out_of_range_offset_is_refused(session: Session, show: ShowFixture) -> None:
    import pytest

    from veyedesk.services.errors import InvalidInput

    with pytest.raises(InvalidInput, match="hours_offset 100 is out of range"):
        retime_room(session, ADMIN, show.show, show.rooms[0], 100)
