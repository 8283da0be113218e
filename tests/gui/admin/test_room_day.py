"""Go ▸ Raw files by room-day: the list, its problems, trash and comment saved in the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.gui.ingest_support import open_window
from veyedesk.gui.admin.room_day import COMMENT, FILE, PROBLEMS, TALKS, TRASH, RoomDayWindow
from veyedesk.model import Cut, Log, Mark, RawFile
from veyedesk.services import catalog
from veyedesk.services.episodes import add_episode
from veyedesk.services.identity import Identity

T0 = datetime(2026, 2, 1, 10, 0, 0)


def _day(session: Session) -> tuple[int, list[int]]:
    catalog.add_client(session, "vk")
    show = catalog.add_show(session, "vk", "vk26", "VK 26")
    room = catalog.add_room(session, show, "room_a", "Room A")
    raws = []
    for name, at, seconds in (
        ("10_00_00.dv", 0, 600),
        ("10_05_00.dv", 300, 600),  # a second recorder in the room
        ("10_30_00.dv", 1800, 600),
    ):
        raw = RawFile(
            show=show,
            location=room,
            filename=f"2026-02-01/{name}",
            start=T0 + timedelta(seconds=at),
            duration=float(seconds),
            filesize=2_160_000_000,
        )
        session.add(raw)
        raws.append(raw)
    talk = add_episode(
        session, show, "Opening <b>not bold</b>", room=room, start=T0, duration=900.0
    )
    session.flush()
    talk.cuts.append(Cut(raw_file=raws[0], sequence=1))
    session.commit()
    return talk.id, [r.id for r in raws]


def _open(qtbot: QtBot, window) -> RoomDayWindow:
    window.ingest.room_day_action.trigger()  # Go ▸ Raw files by room-day…
    view = window.ingest.room_day
    assert view is not None
    qtbot.waitUntil(lambda: view.table.rowCount() == 3, timeout=10000)
    return view


def test_room_day_lists_problems_and_saves_trash_and_comment(
    qtbot: QtBot, engine: Engine, session: Session, artifacts: Path
) -> None:
    talk_id, raw_ids = _day(session)
    window = open_window(qtbot, engine, watch=False)
    assert window.ingest.room_day_action in window.go_menu.actions()
    view = _open(qtbot, window)
    table = view.table
    assert view.picker.currentText() == "Room A — Sun 2026-02-01 (3 files)"
    assert table.item(0, FILE).text() == "2026-02-01/10_00_00.dv"
    assert table.item(0, PROBLEMS).text() == "overlaps 2026-02-01/10_05_00.dv by 0:05:00"
    assert table.item(0, TALKS).text() == f"{talk_id} Opening <b>not bold</b>"
    assert "gap of 0:15:00 before it" in table.item(2, PROBLEMS).text()
    assert "1 overlapping pair(s)" in view.summary.text()
    assert view.tabs.tabText(1) == "Marks"
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=5000)
    view.grab().save(str(artifacts / "room_day.png"))

    # Trash the second recorder's file from the keyboard.
    table.setFocus()
    table.setCurrentCell(1, TRASH)
    with qtbot.waitSignal(view.saved, timeout=10000):
        qtbot.keyClick(table, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "taken" not in view.status.text() and "trashed" in view.status.text())
    # With it in the trash the overlap is gone, and the talk has a hole from 10:10.
    qtbot.waitUntil(
        lambda: (
            table.item(0, PROBLEMS).text()
            == f"gap of 0:20:00 after it during {talk_id} Opening <b>not bold</b>"
        ),
        timeout=10000,
    )

    # Comment on the first file: F2, type, Enter.
    table.setCurrentCell(0, COMMENT)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not table
    qtbot.keyClicks(editor, "sound from the desk")
    with qtbot.waitSignal(view.saved, timeout=10000):
        qtbot.keyClick(editor, Qt.Key.Key_Return)

    with Session(engine) as s:
        first, second = (s.get(RawFile, i) for i in raw_ids[:2])
        assert second.trash and not first.trash
        assert first.comment == "sound from the desk"
        logs = s.scalars(select(Log.result).where(Log.episode_id == talk_id).order_by(Log.id))
        assert list(logs) == [
            "raw file 2026-02-01/10_05_00.dv: trashed",
            "raw file 2026-02-01/10_00_00.dv: comment set to 'sound from the desk'",
        ]
    qtbot.waitUntil(lambda: table.item(0, COMMENT).text() == "sound from the desk")
    view.grab().save(str(artifacts / "room_day_after.png"))


def test_a_reviewer_sees_the_list_but_cannot_trash(
    qtbot: QtBot, engine: Engine, session: Session
) -> None:
    _talk_id, raw_ids = _day(session)
    window = open_window(qtbot, engine, Identity("rita", "reviewer"), watch=False)
    view = _open(qtbot, window)
    item = view.table.item(0, TRASH)
    assert not item.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert not view.table.item(0, COMMENT).flags() & Qt.ItemFlag.ItemIsEditable
    assert "may look but not trash" in view.status.text()
    # Even if a widget slipped, the service refuses: nothing is written.
    with qtbot.waitSignal(view.loaded, timeout=10000):
        view.set_raw_file(raw_ids[0], trash=True)
    assert "may not edit" in view.status.text()
    with Session(engine) as s:
        assert not s.get(RawFile, raw_ids[0]).trash


def test_enter_on_a_files_talks_opens_the_talk_in_the_editor(
    qtbot: QtBot, engine: Engine, session: Session
) -> None:
    talk_id, _raw_ids = _day(session)
    window = open_window(qtbot, engine, watch=False)
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() == 1, timeout=10000)
    view = _open(qtbot, window)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=5000)
    view.table.setFocus()
    view.table.setCurrentCell(0, TALKS)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            window.editing.document is not None
            and window.editing.document.draft.episode_id == talk_id
        ),
        timeout=10000,
    )


def test_the_marks_tab_lists_the_room_days_marks_and_deletes_one_undoably(
    qtbot: QtBot, engine: Engine, session: Session
) -> None:
    _day(session)
    raw = session.scalars(select(RawFile)).first()
    assert raw is not None
    show_id, room_id = raw.show_id, raw.location_id
    session.add_all(
        [
            Mark(show_id=show_id, location_id=room_id, click=T0, kind="start", who="ann"),
            Mark(show_id=show_id, location_id=room_id, click=T0 + timedelta(minutes=14)),
        ]
    )
    session.commit()
    window = open_window(qtbot, engine, watch=False)
    view = _open(qtbot, window)
    view.tabs.setCurrentIndex(1)
    marks = view.marks
    assert marks is not None and view.tabs.widget(1) is marks
    qtbot.waitUntil(lambda: marks.table.rowCount() == 2, timeout=10000)
    marks.table.selectRow(0)
    qtbot.mouseClick(marks.buttons["delete"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: marks.table.rowCount() == 1, timeout=10000)
    session.expire_all()
    assert session.scalars(select(Mark.kind)).all() == ["cut"]
    marks.undo_stack.undo()
    qtbot.waitUntil(lambda: marks.table.rowCount() == 2, timeout=10000)
    session.expire_all()
    assert sorted(session.scalars(select(Mark.kind)).all()) == ["cut", "start"]
