"""The Sheets tab and dropping recording sheets on the editor window, driven as a user does."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from tests.gui.editor_support import open_editor, open_episode
from tests.support.factory import ShowFixture
from tests.support.stills import fake_tesseract, make_sheet
from veyedesk.db import session_factory
from veyedesk.gui.editor import sheets_view
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.media.ocr import OCR_OFF_MESSAGE
from veyedesk.model import ImageFile
from veyedesk.services.identity import Identity


def _drop(window: MainWindow, files: list[Path]) -> None:
    """Drag files from a file manager and drop them on the middle of the window."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    at = QPoint(window.width() // 2, window.height() // 2)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        at, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(at), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window, drop)
    assert drop.isAccepted()


def _links(engine: Engine) -> dict[str, list[int]]:
    with session_factory(engine)() as s:
        return {
            sheet.original_name: sorted(e.id for e in sheet.episodes)
            for sheet in s.scalars(select(ImageFile))
        }


@pytest.fixture
def window(qtbot: QtBot, engine: Engine, show: ShowFixture, tmp_path: Path) -> MainWindow:
    win, _prompts = open_editor(qtbot, engine)
    # Sheets are copied under the show's folder: here, a temporary raw root.
    win.sheets.settings = dataclasses.replace(win.settings, raw_root=str(tmp_path / "raw"))
    return win


def test_dropped_sheets_land_on_the_open_talk_zoom_and_link_by_hand(
    qtbot: QtBot,
    window: MainWindow,
    engine: Engine,
    show: ShowFixture,
    tmp_path: Path,
    artifacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sheets_view, "_ocr_off_said", False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no tesseract here: OCR is off
    messages: list[str] = []
    window.sheets.message.connect(messages.append)
    talk1, talk2 = show.episodes[0], show.episodes[1]  # Room A, 09:00 and 09:45
    open_episode(qtbot, window, talk2.id)
    panel = window.sheets
    photo = make_sheet(tmp_path / "in" / "IMG_20260201_095000.jpg", size=(1600, 1200))
    scan = make_sheet(tmp_path / "in" / "room-a-scan.png", size=(800, 1100))
    notes = tmp_path / "in" / "notes.txt"
    notes.write_text("not an image")
    _drop(window, [photo, scan, notes])  # the text file is left out of the drop
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=10000)
    assert window.form.currentWidget() is panel  # the Sheets tab comes forward
    assert _links(engine) == {photo.name: [talk2.id], scan.name: [talk2.id]}
    assert messages.count(OCR_OFF_MESSAGE) == 1
    # Each sheet has a small picture of itself in the list.
    qtbot.waitUntil(
        lambda: all(not panel.list.item(i).icon().isNull() for i in range(2)), timeout=5000
    )
    # Zoom: the picture is fitted, + zooms in, 0 fits again.
    qtbot.waitUntil(lambda: not panel.viewer._item.pixmap().isNull(), timeout=5000)
    fitted = panel.viewer.scale_factor
    panel.viewer.setFocus()
    qtbot.keyClick(panel.viewer, Qt.Key.Key_Plus)
    qtbot.keyClick(panel.viewer, Qt.Key.Key_Plus)
    assert panel.viewer.scale_factor == pytest.approx(fitted * 1.25**2)
    qtbot.keyClick(panel.viewer, Qt.Key.Key_0)
    assert panel.viewer.scale_factor == pytest.approx(fitted)
    # One notch of the mouse wheel over the sheet zooms in one step.
    centre = QPointF(panel.viewer.viewport().rect().center())
    wheel = QWheelEvent(
        centre, panel.viewer.viewport().mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(panel.viewer.viewport(), wheel)
    assert panel.viewer.scale_factor == pytest.approx(fitted * 1.25)
    qtbot.keyClick(panel.viewer, Qt.Key.Key_0)
    window.form.parentWidget().parentWidget().grab().save(str(artifacts / "sheets_tab.png"))

    # Unlink the scan by hand; it stays offered (grey) on the room-day's list.
    row = next(i for i, s in enumerate(panel.sheets) if s.original_name == scan.name)
    panel.list.setCurrentRow(row)
    qtbot.mouseClick(panel.unlink_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _links(engine)[scan.name] == [], timeout=5000)
    qtbot.waitUntil(lambda: panel.list.count() == 2 and panel.link_button.isEnabled(), timeout=5000)
    assert panel.list.item(1).text().startswith("○")

    # Another talk of the same room-day sees both sheets offered, and links one.
    open_episode(qtbot, window, talk1.id)
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=5000)
    row = next(i for i, s in enumerate(panel.sheets) if s.original_name == scan.name)
    panel.list.setCurrentRow(row)
    qtbot.mouseClick(panel.link_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _links(engine)[scan.name] == [talk1.id], timeout=5000)
    # A second import without OCR does not say "OCR is off" again.
    _drop(window, [make_sheet(tmp_path / "in" / "later.png")])
    qtbot.waitUntil(lambda: panel.list.count() == 3, timeout=10000)
    assert messages.count(OCR_OFF_MESSAGE) == 1


def test_ocr_text_of_a_dropped_sheet_is_found_by_the_episode_filter(
    qtbot: QtBot,
    window: MainWindow,
    show: ShowFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A fake `tesseract` on PATH (a script printing known text) run by the real subprocess.
    fake_tesseract(tmp_path / "bin", monkeypatch, text="Room A\nSpeaker swapped: Zygmunt")
    talk = show.episodes[2]
    open_episode(qtbot, window, talk.id)
    _drop(window, [make_sheet(tmp_path / "sheet.png")])
    panel = window.sheets
    qtbot.waitUntil(lambda: "Zygmunt" in panel.text.toPlainText(), timeout=15000)
    search = window.episodes.search
    search.clear()
    qtbot.keyClicks(search, "zygmunt")
    qtbot.waitUntil(lambda: window.episodes.visible_ids() == [talk.id], timeout=5000)


def test_a_reviewer_sees_sheets_but_cannot_attach_or_link(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    window, _ = open_editor(qtbot, engine, identity=Identity("rita", "reviewer"))
    open_episode(qtbot, window, show.episodes[0].id)
    panel = window.sheets
    assert not panel.attach_button.isEnabled()
    assert not panel.link_button.isEnabled() and not panel.unlink_button.isEnabled()
