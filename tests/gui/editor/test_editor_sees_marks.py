"""The open editor's timeline shows marks made in the Mark window of the same process."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.gui.editor_support import open_editor, open_episode
from tests.support.factory import DAY, make_show
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.mark.window import MarkWindow
from veyedesk.model.kinds import MarkKind


def test_marks_recorded_and_corrected_in_the_mark_window_reach_the_open_talks_timeline(
    qtbot: QtBot, sqlite_url: str, artifacts: Path
) -> None:
    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        fixture = make_show(session)
        session.commit()
        talk_id = fixture.episodes[0].id  # Talk 1 in Room A, 09:00-09:30
    window, _prompts = open_editor(qtbot, engine)
    open_episode(qtbot, window, talk_id)
    doc = window.editing.document
    assert doc is not None and window.player.panel is not None
    doc.set_field("name", "Unsaved title typed before marking")
    assert doc.dirty and window.player.panel.marks == []

    window.mark_room_action.trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(MarkWindow)))
    (marker,) = window.findChildren(MarkWindow)
    qtbot.waitExposed(marker)
    marker.clock = lambda: DAY + timedelta(minutes=3)
    qtbot.waitUntil(lambda: marker.marks.where.day == DAY.date())  # its list follows the clock
    qtbot.mouseClick(marker.kind_buttons[MarkKind.START], Qt.MouseButton.LeftButton)
    # The editor's timeline shows the new mark, of its kind, without reopening the talk.
    qtbot.waitUntil(lambda: len(window.player.panel.marks) == 1, timeout=10000)
    assert window.player.panel.marks == [DAY + timedelta(minutes=3)]
    assert window.player.panel.timeline_view.mark_kinds == ["start"]
    # A correction (kind changed in the list) arrives too.
    qtbot.waitUntil(lambda: len(marker.marks.rows) == 1 and not marker.marks.writer.busy)
    marker.marks.table.selectRow(0)
    marker.marks.buttons["end"].click()
    qtbot.waitUntil(lambda: window.player.panel.timeline_view.mark_kinds == ["end"], timeout=10000)
    # The unsaved edit is still there, in the same document.
    assert window.editing.document is doc and doc.dirty
    assert doc.draft.fields["name"] == "Unsaved title typed before marking"
    window.grab().save(str(artifacts / "editor-sees-marks.png"))
    marker.close()
    engine.dispose()


def test_marks_of_another_room_leave_the_open_talk_alone(qtbot: QtBot, sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        fixture = make_show(session)
        session.commit()
        talk_a, talk_b = fixture.episodes[0].id, fixture.episodes[-1].id
    window, _prompts = open_editor(qtbot, engine)
    window.episodes.select_episode(talk_b)
    window.mark_room_action.trigger()  # the Mark window of room B
    qtbot.waitUntil(lambda: bool(window.findChildren(MarkWindow)))
    (marker,) = window.findChildren(MarkWindow)
    open_episode(qtbot, window, talk_a)
    reloads: list[int] = []
    window.editing.context_ready.connect(lambda: reloads.append(1))
    marker.clock = lambda: DAY + timedelta(minutes=3)
    qtbot.waitUntil(lambda: marker.marks.where.day == DAY.date())
    # The editor decides on the Mark window's signal, at once: record whether it reloads.
    asked: list[int] = []
    reload_context = window.editing.reload_context
    window.editing.reload_context = lambda: (asked.append(1), reload_context())  # type: ignore[method-assign]
    with qtbot.waitSignal(marker.marks_changed):
        marker.press(MarkKind.START)
    qtbot.waitUntil(lambda: len(marker.marks.rows) == 1 and not marker.marks.writer.busy)
    assert asked == [] and window.player.panel.marks == [] and reloads == []
    marker.close()
    engine.dispose()


def test_a_mark_added_in_the_editor_shows_in_the_open_mark_window_of_its_room(
    qtbot: QtBot, sqlite_url: str
) -> None:
    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        fixture = make_show(session)
        session.commit()
        talk_id = fixture.episodes[0].id
    window, _prompts = open_editor(qtbot, engine)
    open_episode(qtbot, window, talk_id)
    window.mark_room_action.trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(MarkWindow)))
    (marker,) = window.findChildren(MarkWindow)
    marker.clock = lambda: DAY + timedelta(minutes=3)
    qtbot.waitUntil(lambda: marker.marks.where.day == DAY.date() and not marker.marks.writer.busy)
    assert marker.marks.rows == []
    # The editor's "mark here" (M at the playhead) in the same room.
    assert window.player.panel is not None
    window.player.panel.mark_requested.emit(DAY + timedelta(minutes=7))
    qtbot.waitUntil(lambda: len(marker.marks.rows) == 1, timeout=10000)
    assert marker.marks.rows[0].click == DAY + timedelta(minutes=7)
    marker.close()
    engine.dispose()
