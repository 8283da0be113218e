"""Helpers for the ingest tests: an editor window on a show that may have no talks yet."""

from __future__ import annotations

from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.gui.editor_support import ScriptedPrompts
from veyedesk.config import load_settings
from veyedesk.db import session_factory
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.services.identity import Identity


def open_window(
    qtbot: QtBot, engine: Engine, identity: Identity | None = None, *, watch: bool = True
) -> MainWindow:
    """The editor window, shown, once its show list has loaded (talks or not)."""
    settings = load_settings(flags={"db": engine.url.render_as_string(hide_password=False)})
    prompts = ScriptedPrompts()
    prompts.unsaved_answer = "discard"  # closing at the end of a test drops test edits
    window = MainWindow(
        session_factory(engine),
        settings,
        identity or Identity("ed@laptop", "editor"),
        prompts=prompts,
    )
    prompts.parent = window
    if not watch:
        window.ingest.watch_action.setChecked(False)
    qtbot.addWidget(window)
    window.resize(1600, 960)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)  # shortcuts need an active window
    qtbot.waitUntil(lambda: window.show_box.count() > 0, timeout=10000)
    return window


def wait_for_talks(qtbot: QtBot, window: MainWindow, count: int) -> None:
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() == count, timeout=10000)
