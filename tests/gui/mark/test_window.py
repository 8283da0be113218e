"""The Mark window driven by keys under Xvfb, on a plain local SQLite: presses become rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from tests.support.factory import make_show
from veyedesk.db import SessionFactory, make_engine, session_factory
from veyedesk.gui.mark.window import MARK_KEYS, MarkWindow, key_map_lines
from veyedesk.model import Mark
from veyedesk.services.editing import marks as marking
from veyedesk.services.identity import Identity

EDITOR = Identity("vol", "editor")
START = datetime(2026, 2, 1, 9, 10, 0)


class FakeClock:
    """This machine's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def sessions(sqlite_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(sqlite_url)
    factory = session_factory(engine)
    with factory() as session:
        make_show(session)
        session.commit()
    yield factory
    engine.dispose()


@pytest.fixture
def room(sessions: SessionFactory) -> marking.RoomInfo:
    with sessions() as session:
        return marking.find_room(session, "pyconf", "pyconf_2026", "room_a")


def _open(qtbot: QtBot, sessions: SessionFactory, room: marking.RoomInfo, who: Identity = EDITOR):
    clock = FakeClock()
    window = MarkWindow(sessions, who, room, clock=clock)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: bool(window.talks))
    return window, clock


def _rows(sessions: SessionFactory) -> list[Mark]:
    with sessions() as session:
        return list(session.scalars(select(Mark).order_by(Mark.click)))


def _key(qtbot: QtBot, window: MarkWindow, key: Qt.Key, n_marks: int | None = None) -> None:
    qtbot.keyClick(window.focusWidget() or window, key)
    if n_marks is not None:
        qtbot.waitUntil(lambda: len(window.marks.rows) == n_marks and not window.marks.writer.busy)


def test_clicker_keys_record_start_end_and_cut_rows_with_who_machine_and_uuid(
    qtbot: QtBot, sessions: SessionFactory, room: marking.RoomInfo
) -> None:
    window, clock = _open(qtbot, sessions, room)
    _key(qtbot, window, Qt.Key.Key_PageUp, 1)
    clock.advance(60)
    _key(qtbot, window, Qt.Key.Key_PageDown, 2)
    clock.advance(1)
    _key(qtbot, window, Qt.Key.Key_B, 3)
    clock.advance(1)
    _key(qtbot, window, Qt.Key.Key_Period, 4)
    rows = _rows(sessions)
    assert [(m.kind, m.click) for m in rows] == [
        ("start", START),
        ("end", START + timedelta(seconds=60)),
        ("cut", START + timedelta(seconds=61)),
        ("cut", START + timedelta(seconds=62)),
    ]
    assert {(m.who, m.machine, m.source) for m in rows} == {
        ("vol", marking.machine_name(), "mark window")
    }
    assert len({m.uuid for m in rows}) == 4 and all(len(m.uuid) == 36 for m in rows)
    # The list shows what the database holds, in the same order.
    assert [r.uuid for r in window.marks.rows] == [m.uuid for m in rows]


def test_a_note_typed_with_letters_goes_on_the_next_press_and_letters_do_not_mark(
    qtbot: QtBot, sessions: SessionFactory, room: marking.RoomInfo
) -> None:
    window, _clock = _open(qtbot, sessions, room)
    _key(qtbot, window, Qt.Key.Key_N)
    assert window.focusWidget() is window.note_edit
    qtbot.keyClicks(window.note_edit, "Bob. Ends early; scene change")
    qtbot.keyClick(window.note_edit, Qt.Key.Key_Return)
    # Typing "B", "." and "E" in the note made no mark.
    assert _rows(sessions) == [] and window.note_edit.text() == "Bob. Ends early; scene change"
    _key(qtbot, window, Qt.Key.Key_C, 1)
    (mark,) = _rows(sessions)
    assert (mark.kind, mark.note) == ("cut", "Bob. Ends early; scene change")
    assert window.note_edit.text() == ""


def test_undo_deletes_the_press_and_redo_restores_the_same_uuid(
    qtbot: QtBot, sessions: SessionFactory, room: marking.RoomInfo
) -> None:
    window, clock = _open(qtbot, sessions, room)
    _key(qtbot, window, Qt.Key.Key_S, 1)
    clock.advance(5)
    _key(qtbot, window, Qt.Key.Key_E, 2)
    first, second = _rows(sessions)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.marks.rows) == 1 and not window.marks.writer.busy)
    assert [m.uuid for m in _rows(sessions)] == [first.uuid]
    mods = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_Z, mods)
    qtbot.waitUntil(lambda: len(window.marks.rows) == 2 and not window.marks.writer.busy)
    again = _rows(sessions)[1]
    assert (again.uuid, again.kind, again.click, again.who) == (
        second.uuid,
        "end",
        second.click,
        "vol",
    )


def test_corrections_in_the_list_move_rekind_delete_and_undo(
    qtbot: QtBot, sessions: SessionFactory, room: marking.RoomInfo
) -> None:
    window, _clock = _open(qtbot, sessions, room)
    _key(qtbot, window, Qt.Key.Key_B, 1)
    marks = window.marks
    marks.table.selectRow(0)

    def settled() -> bool:
        return not marks.writer.busy

    qtbot.mouseClick(marks.buttons["later"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(marks.buttons["later"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(marks.buttons["start"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled() and marks.rows[0].kind == "start")
    (mark,) = _rows(sessions)
    assert (mark.kind, mark.click) == ("start", START + timedelta(seconds=2))
    qtbot.mouseClick(marks.buttons["delete"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled() and marks.rows == [])
    assert _rows(sessions) == []
    for expected in (("start", 2), ("cut", 2), ("cut", 1), ("cut", 0)):
        qtbot.mouseClick(marks.buttons["undo"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: settled() and len(marks.rows) == 1)
        (back,) = _rows(sessions)
        assert (back.uuid, back.kind, back.click) == (
            mark.uuid,
            expected[0],
            START + timedelta(seconds=expected[1]),
        )


def test_align_with_the_recorder_offsets_later_marks_and_shows_it(
    qtbot: QtBot, sessions: SessionFactory, room: marking.RoomInfo
) -> None:
    window, clock = _open(qtbot, sessions, room)
    # The recorder shows 09:10:07.5 while this machine says 09:10:00.
    clock.now = START + timedelta(seconds=0.5)
    window.align("09:10:08")
    assert window.offset_s == 7.5
    assert "7.5 s ahead of this machine" in window.offset_label.text()
    assert window.clock_label.text() == "09:10:08"
    _key(qtbot, window, Qt.Key.Key_PageUp, 1)
    (mark,) = _rows(sessions)
    assert (mark.click, mark.clock_offset_s) == (START + timedelta(seconds=8), 7.5)
    # A window opened later on this machine keeps using the offset.
    window.close()
    again, _ = _open(qtbot, sessions, room)
    assert again.offset_s == 7.5


def test_now_and_next_talk_follow_the_clock(
    qtbot: QtBot, sessions: SessionFactory, room: marking.RoomInfo
) -> None:
    window, clock = _open(qtbot, sessions, room)
    assert window.now_label.text().startswith("Now 09:00:00–09:30:00: Talk 1 in Room A")
    assert window.next_label.text().startswith("Next 09:45:00–10:15:00: Talk 2 in Room A")
    clock.now = datetime(2026, 2, 1, 9, 40)
    window._update_clock()
    assert window.now_label.text() == "Now: no talk scheduled right now"
    assert window.next_label.text().startswith("Next 09:45:00")


def test_a_reviewer_sees_the_window_but_cannot_mark(
    qtbot: QtBot, sessions: SessionFactory, room: marking.RoomInfo
) -> None:
    window, _ = _open(qtbot, sessions, room, Identity("rev", "reviewer"))
    assert not any(b.isEnabled() for b in window.kind_buttons.values())
    _key(qtbot, window, Qt.Key.Key_PageUp)
    window.wait()
    assert _rows(sessions) == []
    assert "may not mark" in window.statusBar().currentMessage()


def test_the_window_documents_its_clicker_keys() -> None:
    rows = dict(key_map_lines())
    assert rows["PgUp / S"].startswith("Talk starts")
    assert rows["PgDown / E"].startswith("Talk ends")
    assert rows["B / . / C"].startswith("Cut here")
    assert len(MARK_KEYS) == 3


def test_screenshot_of_a_marking_session(
    qtbot: QtBot, sessions: SessionFactory, room: marking.RoomInfo, artifacts: Path
) -> None:
    window, clock = _open(qtbot, sessions, room)
    window.align("09:10:03")
    for key, seconds in ((Qt.Key.Key_PageUp, 0), (Qt.Key.Key_B, 600), (Qt.Key.Key_PageDown, 1100)):
        clock.now = START + timedelta(seconds=seconds)
        _key(qtbot, window, key)
    qtbot.waitUntil(lambda: len(window.marks.rows) == 3 and not window.marks.writer.busy)
    window.marks.set_note(window.marks.rows[1].uuid, "<b>mic swap</b> — speaker 2")
    qtbot.waitUntil(lambda: window.marks.rows[1].note.startswith("<b>"))
    window.marks.table.selectRow(1)
    window._update_clock()
    image = window.grab()
    image.save(str(artifacts / "mark_window.png"))
    assert not image.isNull()


def test_go_mark_this_room_opens_the_mark_window_for_the_selected_talks_room(
    qtbot: QtBot, sqlite_url: str
) -> None:
    from tests.gui.editor_support import open_editor

    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        fixture = make_show(session)
        session.commit()
        talk = fixture.episodes[-1]  # a talk in room B
        talk_id, room_b = talk.id, fixture.rooms[1].id
    window, _prompts = open_editor(qtbot, engine)
    window.episodes.select_episode(talk_id)
    go = next(a for a in window.menuBar().actions() if a.text() == "&Go").menu()
    assert window.mark_room_action in go.actions()
    window.mark_room_action.trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(MarkWindow)))
    (marker,) = window.findChildren(MarkWindow)
    assert marker.room.room_id == room_b and marker.isVisible()
    marker.close()
    engine.dispose()


def test_the_cli_help_names_every_key_of_the_window() -> None:
    from veyedesk.cli import build_parser
    from veyedesk.cli.mark import KEYS_HELP

    for entry in MARK_KEYS:
        for key in entry.keys:
            assert f" {key} " in KEYS_HELP or f" {key}/" in KEYS_HELP or f"/{key}" in KEYS_HELP
    ns = build_parser().parse_args(["mark", "--client", "c", "--show", "s", "--room", "r"])
    assert (ns.gui, ns.client, ns.show, ns.room) == ("mark", "c", "s", "r")


def test_a_typed_time_moves_the_mark_and_a_bad_one_says_how_to_type_it(
    qtbot: QtBot,
    sessions: SessionFactory,
    room: marking.RoomInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QInputDialog

    window, _clock = _open(qtbot, sessions, room)
    _key(qtbot, window, Qt.Key.Key_B, 1)
    marks = window.marks
    marks.table.selectRow(0)
    answers = iter([("09:09:58.250", True), ("ten past nine", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    qtbot.mouseClick(marks.buttons["time"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not marks.writer.busy and marks.rows[0].click != START)
    assert _rows(sessions)[0].click == datetime(2026, 2, 1, 9, 9, 58, 250000)
    qtbot.mouseClick(marks.buttons["time"], Qt.MouseButton.LeftButton)
    assert "type it as HH:MM:SS" in window.statusBar().currentMessage()


def test_after_midnight_the_list_moves_on_to_the_new_day(
    qtbot: QtBot, sessions: SessionFactory, room: marking.RoomInfo
) -> None:
    window, clock = _open(qtbot, sessions, room)
    _key(qtbot, window, Qt.Key.Key_B, 1)
    clock.now = datetime(2026, 2, 2, 0, 0, 1)
    window._update_clock()
    qtbot.waitUntil(lambda: window.marks.rows == [] and not window.marks.writer.busy)
    assert window.marks.where.day == datetime(2026, 2, 2).date()
    assert window.now_label.text() == "Now: no talk scheduled right now"
    _key(qtbot, window, Qt.Key.Key_B, 1)
    assert [m.click.date() for m in _rows(sessions)] == [START.date(), clock.now.date()]


def test_clicker_keys_still_mark_after_a_correction_in_the_list(
    qtbot: QtBot, sessions: SessionFactory, room: marking.RoomInfo
) -> None:
    window, clock = _open(qtbot, sessions, room)
    _key(qtbot, window, Qt.Key.Key_B, 1)
    table = window.marks.table
    rect = table.visualRect(table.model().index(0, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.focusWidget() is table
    clock.advance(10)
    # The table would scroll on PageUp/PageDown; the clicker's keys mark instead.
    qtbot.keyClick(table, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: len(window.marks.rows) == 2 and not window.marks.writer.busy)
    qtbot.keyClick(table, Qt.Key.Key_PageUp)
    qtbot.waitUntil(lambda: len(window.marks.rows) == 3 and not window.marks.writer.busy)
    # Both pressed at the same clock reading: the second goes one millisecond later.
    assert [m.kind for m in _rows(sessions)] == ["cut", "end", "start"]
