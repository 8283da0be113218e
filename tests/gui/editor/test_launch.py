"""`veyedesk` shows the editor's window first, then opens the database and lists the talks."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.support.factory import ShowFixture
from veyedesk.config import load_settings
from veyedesk.gui import launch as launch_module
from veyedesk.gui.launch import EditorLaunch


def test_the_window_shows_before_the_database_opens_then_lists_the_talks(
    qtbot: QtBot, engine: Engine, show: ShowFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(flags={"db": str(engine.url)})
    opened_while: list[bool] = []
    real_open = launch_module._open

    def open_database(settings_: object, parent: object) -> object:
        opened_while.append(editor.window.isVisible())  # the window was up first
        return real_open(settings, editor.window)

    monkeypatch.setattr(launch_module, "_open", open_database)
    finished: list[int] = []
    editor = EditorLaunch(settings, argparse.Namespace(command=None), finished.append)
    qtbot.addWidget(editor.window)
    editor.start()
    # Shown, and nothing opened yet: the database waits for the window to be on screen.
    assert editor.window.isVisible()
    assert editor.engine is None and not editor.window.attached
    qtbot.waitUntil(lambda: editor.window.attached, timeout=30000)
    assert opened_while == [True]
    qtbot.waitUntil(lambda: editor.window.episodes.proxy.rowCount() == 6, timeout=30000)
    assert not finished
    editor.window.close()
    assert editor.engine is not None
    editor.engine.dispose()


def test_a_database_that_cannot_open_is_said_after_the_window_shows(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    garbage = tmp_path / "not-a-database.db"
    garbage.write_bytes(b"this is no SQLite file\n" * 200)
    settings = load_settings(flags={"db": f"sqlite:///{garbage}"})
    said: list[tuple[object, str, str]] = []
    monkeypatch.setattr(
        "veyedesk.gui.widgets.safe_text.critical",
        lambda parent, title, text: said.append((parent, title, text)),
    )
    finished: list[int] = []
    editor = EditorLaunch(settings, argparse.Namespace(command=None), finished.append)
    qtbot.addWidget(editor.window)
    editor.start()
    qtbot.waitUntil(lambda: finished == [1], timeout=30000)
    assert len(said) == 1
    parent, title, text = said[0]
    assert parent is editor.window and title == "veyedesk — database"
    assert "not-a-database.db" in text and "not a database" in text
    assert not editor.window.attached
    editor.window.close()  # closed before it connected: nothing to save, no error
