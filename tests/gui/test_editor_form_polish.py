"""Issue 19 in the editor window: the title follows the name, no made-up start, "Licence"."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QTabWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.gui.editor_support import open_editor, open_episode, type_text
from tests.support.factory import ShowFixture


def test_the_window_title_follows_every_edit_of_the_name(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    window, _ = open_editor(qtbot, engine)
    open_episode(qtbot, window, show.episodes[0].id)
    name = window.form.lines["name"]
    name.selectAll()
    type_text(qtbot, name, "Keynote")
    assert window.windowTitle() == "*Keynote — veyedesk"  # not "*K — veyedesk"
    type_text(qtbot, name, " 2")
    assert window.windowTitle() == "*Keynote 2 — veyedesk"


def test_an_empty_form_shows_no_scheduled_start(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    window, _ = open_editor(qtbot, engine)
    start = window.form.start
    assert start.text().strip() == ""  # no talk open: blank, not 2000-01-01
    open_episode(qtbot, window, show.episodes[0].id)
    assert start.text().startswith(f"{show.episodes[0].start:%Y-%m-%d %H:%M}")
    window.close_episode()
    qtbot.waitUntil(lambda: window.editing.document is None, timeout=10000)
    assert start.text().strip() == ""


def test_the_screen_says_licence_never_license(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    window, _ = open_editor(qtbot, engine)
    open_episode(qtbot, window, show.episodes[0].id)
    texts = [w.text() for w in window.findChildren(QLabel) + window.findChildren(QAbstractButton)]
    texts += [w.title() for w in window.findChildren(QGroupBox)]
    for tabs in window.findChildren(QTabWidget):
        texts += [tabs.tabText(i) for i in range(tabs.count())]
    assert any("Licence" in t for t in texts)
    assert not [t for t in texts if "License" in t or "license" in t]
