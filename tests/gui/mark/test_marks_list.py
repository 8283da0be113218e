"""The marks list on its own (as the room-day view embeds it): rows, corrections, plain text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.support.factory import make_show
from veyedesk.db import SessionFactory, make_engine, session_factory
from veyedesk.gui.mark.marks_list import MarksList
from veyedesk.services.editing import marks as marking
from veyedesk.services.identity import Identity

EDITOR = Identity("vol", "editor")
DAY = date(2026, 2, 1)
AT = datetime(2026, 2, 1, 10, 0)


@pytest.fixture
def sessions(sqlite_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(sqlite_url)
    factory = session_factory(engine)
    with factory() as session:
        fixture = make_show(session)
        session.commit()
        for n, kind in enumerate(("start", "cut", "end")):
            marking.record_mark(
                session,
                Identity("other", "editor"),
                fixture.show.id,
                fixture.rooms[0].id,
                kind,
                AT + timedelta(minutes=n),
                machine="laptop-a",
                note="<img src='/dev/zero'> <b>x</b>" if kind == "cut" else "",
            )
        # Another room and another day: not in the list.
        marking.record_mark(session, EDITOR, fixture.show.id, fixture.rooms[1].id, "cut", AT)
        marking.record_mark(
            session, EDITOR, fixture.show.id, fixture.rooms[0].id, "cut", AT + timedelta(days=1)
        )
        session.commit()
    yield factory
    engine.dispose()


def _list(qtbot: QtBot, sessions: SessionFactory, who: Identity = EDITOR) -> MarksList:
    widget = MarksList(sessions, who, 1, 1, DAY)
    qtbot.addWidget(widget)
    widget.resize(900, 400)
    widget.show()
    qtbot.waitUntil(lambda: len(widget.rows) == 3 and not widget.writer.busy)
    return widget


def _cells(widget: MarksList, row: int) -> list[str]:
    return [widget.table.item(row, c).text() for c in range(widget.table.columnCount())]


def test_the_room_days_marks_with_kind_time_who_machine_and_note(
    qtbot: QtBot, sessions: SessionFactory
) -> None:
    widget = _list(qtbot, sessions)
    assert _cells(widget, 0) == ["10:00:00", "Talk starts", "other", "laptop-a", ""]
    # Notes are plain text: the tag is shown, never loaded or rendered.
    assert _cells(widget, 1)[1:] == [
        "Cut here",
        "other",
        "laptop-a",
        "<img src='/dev/zero'> <b>x</b>",
    ]
    assert _cells(widget, 2)[:2] == ["10:02:00", "Talk ends"]


def test_changes_made_elsewhere_appear_on_reload(qtbot: QtBot, sessions: SessionFactory) -> None:
    widget = _list(qtbot, sessions)
    with sessions() as session:
        marking.record_mark(session, EDITOR, 1, 1, "cut", AT + timedelta(minutes=30))
        session.commit()
    widget.reload()
    qtbot.waitUntil(lambda: len(widget.rows) == 4)


def test_note_and_kind_edits_are_undone_one_by_one(qtbot: QtBot, sessions: SessionFactory) -> None:
    widget = _list(qtbot, sessions)
    widget.table.selectRow(0)
    widget.set_note(widget.rows[0].uuid, "late start")
    qtbot.mouseClick(widget.buttons["end"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not widget.writer.busy and widget.rows[0].kind == "end")
    assert widget.rows[0].note == "late start"
    assert widget.undo_stack.count() == 2
    widget.undo_stack.undo()
    qtbot.waitUntil(lambda: not widget.writer.busy and widget.rows[0].kind == "start")
    assert widget.rows[0].note == "late start"
    widget.undo_stack.undo()
    qtbot.waitUntil(lambda: not widget.writer.busy and widget.rows[0].note == "")


def test_a_reviewer_sees_marks_but_every_change_is_disabled(
    qtbot: QtBot, sessions: SessionFactory
) -> None:
    widget = _list(qtbot, sessions, Identity("rev", "reviewer"))
    widget.table.selectRow(0)
    assert not any(widget.buttons[n].isEnabled() for n in ("earlier", "delete", "start", "note"))


def test_a_mark_deleted_elsewhere_gives_a_message_not_a_crash(
    qtbot: QtBot, sessions: SessionFactory
) -> None:
    widget = _list(qtbot, sessions)
    messages: list[str] = []
    widget.status.connect(messages.append)
    gone = widget.rows[0].uuid
    with sessions() as session:
        marking.delete_mark(session, EDITOR, gone)
        session.commit()
    widget.table.selectRow(0)
    qtbot.mouseClick(widget.buttons["later"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(messages) and len(widget.rows) == 2 and not widget.writer.busy)
    assert "deleted meanwhile" in messages[0]


def test_a_press_whose_time_another_machine_took_meanwhile_is_stored_next_to_it(
    qtbot: QtBot, sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    widget = _list(qtbot, sessions)
    real = marking._free_click
    taken = iter([AT])  # the first look finds 10:00 free, but it is not any more

    def racy(session, room_id, click, uuid=""):  # type: ignore[no-untyped-def]
        return next(taken, None) or real(session, room_id, click, uuid)

    monkeypatch.setattr(marking, "_free_click", racy)
    widget.record("cut", AT)
    qtbot.waitUntil(lambda: len(widget.rows) == 4 and not widget.writer.busy)
    assert [r.click for r in widget.rows][:2] == [AT, AT + timedelta(milliseconds=1)]
