"""Live marking services on SQLite and PostgreSQL: every press a row, every change undoable."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.support.factory import DAY, ShowFixture
from veyedesk.model import Mark
from veyedesk.model.kinds import MarkKind
from veyedesk.services import catalog
from veyedesk.services.editing import marks as marking
from veyedesk.services.episodes import add_episode
from veyedesk.services.errors import InvalidInput, NotFound, PermissionDenied
from veyedesk.services.identity import Identity

EDITOR = Identity("vol@laptop", "editor")
REVIEWER = Identity("rev", "reviewer")
AT = datetime(2026, 2, 1, 10, 15, 30, 123456)


def _press(
    session: Session, show: ShowFixture, kind: str = "start", **kw: object
) -> marking.MarkRow:
    row = marking.record_mark(
        session, EDITOR, show.show.id, show.rooms[0].id, kind, AT, machine="laptop-7", **kw
    )
    session.commit()
    return row


def test_a_press_is_a_committed_row_with_kind_who_machine_uuid_and_offset(
    session: Session, show: ShowFixture
) -> None:
    row = _press(session, show, "end", offset_s=-2.5, note="speaker\x00 ran over\n")
    session.expire_all()
    mark = session.scalar(select(Mark).where(Mark.uuid == row.uuid))
    assert mark is not None
    assert (mark.kind, mark.who, mark.machine, mark.clock_offset_s) == (
        "end",
        "vol@laptop",
        "laptop-7",
        -2.5,
    )
    # The recorder's clock: machine time plus the offset, kept to the millisecond.
    assert mark.click == datetime(2026, 2, 1, 10, 15, 27, 623000)
    assert mark.note == "speaker  ran over"  # control characters become spaces
    assert len(mark.uuid) == 36
    assert mark.source == "mark window"


def test_a_reviewer_may_not_mark(session: Session, show: ShowFixture) -> None:
    with pytest.raises(PermissionDenied, match="rev"):
        marking.record_mark(session, REVIEWER, show.show.id, show.rooms[0].id, "cut", AT)
    row = _press(session, show)
    for change in (
        lambda: marking.move_mark(session, REVIEWER, row.uuid, AT),
        lambda: marking.change_kind(session, REVIEWER, row.uuid, "cut"),
        lambda: marking.edit_note(session, REVIEWER, row.uuid, "x"),
        lambda: marking.delete_mark(session, REVIEWER, row.uuid),
        lambda: marking.restore_mark(session, REVIEWER, row),
    ):
        with pytest.raises(PermissionDenied):
            change()


def test_unknown_kind_and_foreign_room_are_refused(session: Session, show: ShowFixture) -> None:
    with pytest.raises(InvalidInput, match="'begin' is not one of start, end, cut"):
        marking.record_mark(session, EDITOR, show.show.id, show.rooms[0].id, "begin", AT)
    with pytest.raises(NotFound, match="room 9999"):
        marking.record_mark(session, EDITOR, show.show.id, 9999, "cut", AT)


def test_two_presses_in_the_same_millisecond_are_two_marks(
    session: Session, show: ShowFixture
) -> None:
    first, second = _press(session, show), _press(session, show, "cut")
    assert second.click - first.click == timedelta(milliseconds=1)
    assert session.scalar(select(func.count()).select_from(Mark)) == 2


def test_move_kind_note_each_return_what_they_replaced_and_undo_restores_it(
    session: Session, show: ShowFixture
) -> None:
    row = _press(session, show)
    before_move = marking.move_mark(session, EDITOR, row.uuid, AT + timedelta(seconds=9))
    before_kind = marking.change_kind(session, EDITOR, row.uuid, "cut")
    before_note = marking.edit_note(session, EDITOR, row.uuid, "mic swap")
    session.commit()
    (now,) = marking.day_marks(session, show.rooms[0].id, DAY.date())
    assert (now.click, now.kind, now.note) == (ms(AT) + timedelta(seconds=9), "cut", "mic swap")
    assert before_move == row
    assert before_kind.kind == MarkKind.START and before_note.kind == MarkKind.CUT
    # Undo, newest first.
    marking.update_mark(session, EDITOR, before_note)
    marking.update_mark(session, EDITOR, before_kind)
    marking.update_mark(session, EDITOR, before_move)
    session.commit()
    assert marking.day_marks(session, show.rooms[0].id, DAY.date()) == [row]


def test_delete_then_restore_brings_back_the_same_uuid_and_everything_else(
    session: Session, show: ShowFixture
) -> None:
    row = _press(session, show, "end", note="last talk", offset_s=3.0)
    gone = marking.delete_mark(session, EDITOR, row.uuid)
    session.commit()
    assert marking.day_marks(session, show.rooms[0].id, DAY.date()) == []
    back = marking.restore_mark(session, EDITOR, gone)
    session.commit()
    assert back == row
    # Restoring twice (a redo after a sync already brought it back) adds nothing.
    marking.restore_mark(session, EDITOR, gone)
    session.commit()
    assert marking.day_marks(session, show.rooms[0].id, DAY.date()) == [row]
    with pytest.raises(NotFound, match="deleted meanwhile"):
        marking.move_mark(session, EDITOR, "no-such-uuid", AT)


def test_day_marks_is_one_room_and_one_day(session: Session, show: ShowFixture) -> None:
    _press(session, show)
    marking.record_mark(session, EDITOR, show.show.id, show.rooms[1].id, "cut", AT)
    marking.record_mark(
        session, EDITOR, show.show.id, show.rooms[0].id, "cut", AT + timedelta(days=1)
    )
    session.commit()
    assert [m.kind for m in marking.day_marks(session, show.rooms[0].id, DAY.date())] == ["start"]
    assert marking.day_marks(session, show.rooms[0].id, date(2026, 1, 31)) == []


def test_last_offset_is_this_machines_latest(session: Session, show: ShowFixture) -> None:
    assert marking.last_offset(session, show.rooms[0].id, "laptop-7") is None
    _press(session, show, offset_s=1.5)
    assert marking.last_offset(session, show.rooms[0].id, "laptop-7") == 1.5
    assert marking.last_offset(session, show.rooms[0].id, "other") is None


def test_find_room_by_slugs_names_the_known_rooms(session: Session, show: ShowFixture) -> None:
    info = marking.find_room(session, "pyconf", "pyconf_2026", "room_b")
    assert (info.room_id, info.room_name) == (show.rooms[1].id, "Room B")
    with pytest.raises(NotFound, match="known: room_a, room_b"):
        marking.find_room(session, "pyconf", "pyconf_2026", "hall")


def test_now_and_next_follow_the_schedule(session: Session, show: ShowFixture) -> None:
    talks = marking.room_talks(session, show.show.id, show.rooms[0].id, DAY.date())
    assert [t.start for t in talks] == [
        DAY,
        DAY + timedelta(minutes=45),
        DAY + timedelta(hours=1.5),
    ]
    assert marking.now_and_next(talks, DAY - timedelta(minutes=1)) == (None, talks[0])
    assert marking.now_and_next(talks, DAY + timedelta(minutes=10)) == (talks[0], talks[1])
    # In the break between talks: nothing running, the next one coming.
    assert marking.now_and_next(talks, DAY + timedelta(minutes=40)) == (None, talks[1])
    assert marking.now_and_next(talks, DAY + timedelta(hours=5)) == (None, None)


def test_room_talks_are_only_this_shows_when_another_show_uses_the_room(
    session: Session, show: ShowFixture
) -> None:
    # Rooms are shared by slug across shows: a co-located event in the same room on the
    # same day must not show up as "Now"/"Next" in this show's Mark window.
    other = catalog.add_show(session, "pyconf", "sprints_2026", "Sprints")
    room = catalog.add_room(session, other, show.rooms[0].slug)
    add_episode(session, other, "Sprint intro", room=room, start=DAY + timedelta(minutes=5))
    session.commit()
    talks = marking.room_talks(session, show.show.id, room.id, DAY.date())
    assert [t.name for t in talks] == [e.name for e in show.episodes if e.location_id == room.id]


def ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@given(
    machine=st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30)),
    off=st.integers(min_value=-11 * 3600, max_value=11 * 3600),
)
def test_alignment_offset_finds_the_recorder_day_across_midnight(
    machine: datetime, off: int
) -> None:
    recorder = machine.replace(microsecond=0) + timedelta(seconds=off)
    offset = marking.alignment_offset(recorder.time(), machine)
    # Offsets are kept to the millisecond.
    assert abs(machine + timedelta(seconds=offset) - recorder) <= timedelta(milliseconds=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:15", time(10, 15)),
        (" 10:15:30 ", time(10, 15, 30)),
        ("23:59:59.5", time(23, 59, 59, 500000)),
    ],
)
def test_time_of_day_as_typed_from_a_clock(text: str, expected: time) -> None:
    assert marking.parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["", "25:00", "10h15", "10:15:30\x1b[2J"])
def test_a_time_of_day_that_is_not_one_is_refused_by_name(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a time of day; type it as HH:MM:SS"):
        marking.parse_time_of_day(text)


def test_a_press_may_carry_the_uuid_its_window_chose(session: Session, show: ShowFixture) -> None:
    row = _press(session, show, uuid="0f0e0d0c-0b0a-4908-8706-050403020100")
    assert row.uuid == "0f0e0d0c-0b0a-4908-8706-050403020100"


def test_nudges_are_relative_to_where_the_database_has_the_mark(
    session: Session, show: ShowFixture
) -> None:
    row = _press(session, show)
    # Two nudges queued before any list refresh: both count.
    marking.nudge_mark(session, EDITOR, row.uuid, timedelta(seconds=1))
    before = marking.nudge_mark(session, EDITOR, row.uuid, timedelta(seconds=1))
    session.commit()
    assert before.click == row.click + timedelta(seconds=1)
    (now,) = marking.day_marks(session, show.rooms[0].id, DAY.date())
    assert now.click == row.click + timedelta(seconds=2)


def test_the_editors_room_day_marks_carry_their_kinds(session: Session, show: ShowFixture) -> None:
    from veyedesk.services.editing.draft import room_day_marks

    _press(session, show, "start")
    marking.record_mark(
        session, EDITOR, show.show.id, show.rooms[0].id, "end", AT + timedelta(minutes=20)
    )
    session.commit()
    marks = room_day_marks(session, show.episodes[0].id)
    assert marks == [ms(AT), ms(AT) + timedelta(minutes=20)]  # still plain times to compare
    assert [m.kind for m in marks] == ["start", "end"]
    assert all(isinstance(m, marking.MarkTime) for m in marks)


def test_a_mark_set_in_the_editor_says_who_and_which_machine(
    session: Session, show: ShowFixture
) -> None:
    from veyedesk.services.editing import open_save as editing

    assert editing.add_mark(session, show.episodes[0].id, AT, EDITOR)
    session.commit()
    (mark,) = session.scalars(select(Mark))
    assert (mark.kind, mark.who, mark.machine, mark.source) == (
        "cut",
        "vol@laptop",
        marking.machine_name(),
        "editor",
    )


def test_a_mark_time_keeps_its_kind_through_copies_but_not_through_arithmetic() -> None:
    import copy
    import pickle

    mark = marking.MarkTime.of(AT, "end")
    for twin in (copy.deepcopy(mark), pickle.loads(pickle.dumps(mark))):
        assert twin == AT and twin.kind == MarkKind.END
    moved = mark + timedelta(seconds=1)
    assert type(moved) is datetime and type(timedelta(seconds=1) + mark) is datetime
    assert type(mark - timedelta(seconds=1)) is datetime and mark - AT == timedelta(0)


def test_a_press_that_loses_its_millisecond_to_another_machine_is_written_again(
    engine: Engine, show: ShowFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veyedesk.db import session_factory

    sessions = session_factory(engine)
    room = show.rooms[0].id
    with sessions() as other:  # another laptop's press, committed first
        marking.record_mark(other, EDITOR, show.show.id, room, "cut", AT, machine="other")
        other.commit()
    taken = marking.ms(AT)
    real_free = marking._free_click
    stale = iter([taken])  # this laptop looked for a free time before the other one wrote

    def free_click(session: Session, room_id: int, click: datetime, uuid: str = "") -> datetime:
        return next(stale, None) or real_free(session, room_id, click, uuid)

    monkeypatch.setattr(marking, "_free_click", free_click)
    rows = marking.write_marks(
        sessions,
        lambda s: marking.record_mark(s, EDITOR, show.show.id, room, "start", AT),
        room,
        AT.date(),
    )
    assert [(r.click, r.kind) for r in rows] == [
        (taken, MarkKind.CUT),
        (taken + marking.STEP, MarkKind.START),
    ]
