"""Helpers for the editor window tests: a window on a database, scripted answers to prompts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from veyedesk.config import load_settings
from veyedesk.db import session_factory
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.gui.player.timeline import TimelineWidget
from veyedesk.gui.widgets.prompts import Prompts
from veyedesk.services.demo import DemoPlan
from veyedesk.services.editing.draft import EditConflict, EpisodeDraft
from veyedesk.services.editing.journal import JournalEntry
from veyedesk.services.editing.locks import LockState
from veyedesk.services.identity import Identity

# The demo show of the editor tests: short recordings, rendered once per test module.
DEMO_PLAN = DemoPlan(file_seconds=8.0, gap_seconds=2.0)


class ScriptedPrompts(Prompts):
    """Answers the window's questions from attributes; records what was asked."""

    def __init__(self, parent: Any = None) -> None:
        self.parent = parent
        self.asked: list[str] = []
        self.unsaved_answer = "save"
        self.restore_answer = "restore"
        self.take_over_answer = True
        self.removals_answer = True
        self.conflict: Callable[..., tuple[EpisodeDraft, EpisodeDraft] | None] | None = None
        self.errors: list[str] = []
        self.unexpected: list[bool] = []

    def unsaved(self, name: str) -> str:
        self.asked.append(f"unsaved: {name}")
        return self.unsaved_answer

    def restore(self, entry: JournalEntry) -> str:
        self.asked.append(f"restore: {entry.name}")
        return self.restore_answer

    def confirm_removals(self, lines: list[str]) -> bool:
        self.asked.append("removals: " + "; ".join(lines))
        return self.removals_answer

    def take_over(self, state: LockState) -> bool:
        self.asked.append(f"take over: {state.describe()}")
        return self.take_over_answer

    def resolve_conflict(
        self, conflict: EditConflict, mine: EpisodeDraft, base: EpisodeDraft
    ) -> tuple[EpisodeDraft, EpisodeDraft] | None:
        self.asked.append(f"conflict: {', '.join(conflict.fields)}")
        assert self.conflict is not None, "a conflict dialog was not expected"
        return self.conflict(conflict, mine, base)

    def error(self, title: str, message: str, *, unexpected: bool = False) -> None:
        self.errors.append(message)
        self.unexpected.append(unexpected)


def open_editor(
    qtbot: QtBot,
    engine: Engine,
    identity: Identity | None = None,
    prompts: ScriptedPrompts | None = None,
    size: tuple[int, int] = (1600, 960),
) -> tuple[MainWindow, ScriptedPrompts]:
    """An editor window on `engine`'s database, shown, with its show's episodes listed."""
    settings = load_settings(flags={"db": engine.url.render_as_string(hide_password=False)})
    prompts = prompts or ScriptedPrompts()
    window = MainWindow(
        session_factory(engine),
        settings,
        identity or Identity("ed@laptop", "editor"),
        prompts=prompts,
    )
    prompts.parent = window
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)  # shortcuts need an active window
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() > 0, timeout=10000)
    return window, prompts


def open_episode(qtbot: QtBot, window: MainWindow, episode_id: int) -> None:
    """Open an episode as a user does (select its line, Enter) and wait until it is shown."""
    from PySide6.QtCore import Qt

    panel = window.episodes
    panel.select_episode(episode_id)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            window.editing.document is not None
            and window.editing.document.draft.episode_id == episode_id
            # The Log, raw-file usage and marks follow the document (context_ready).
            and window.editing.context is not None
            and window.editing.context.episode_id == episode_id
        ),
        timeout=10000,
    )
    qtbot.waitUntil(lambda: window.next_label.text() != "", timeout=10000)


def type_text(qtbot: QtBot, widget: Any, text: str) -> None:
    """Type `text` as a user would; non-ASCII (emoji) arrives as an input-method commit."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        if ch.isascii() and ch.isprintable():
            qtbot.keyClicks(widget, ch)
        else:
            event = QInputMethodEvent()
            event.setCommitString(ch)
            QApplication.sendEvent(widget, event)


def assert_fitted_to_talk(view: TimelineWidget) -> None:
    """The timeline shows the talk (slot and cuts) filling most of its width."""
    assert view.slot is not None
    ranges = [view.slot, *((a, b) for a, b, _ in view.cut_ranges())]
    first, last = min(a for a, _ in ranges), max(b for _, b in ranges)
    start, end = view.view_start, view.view_start + view.width() * view.spp
    assert start <= first and last <= end, (start, end, first, last)  # all of it in view…
    assert (last - first) / (end - start) > 0.8, (start, end, first, last)  # …filling it


def playhead_at(window: MainWindow, where: tuple[int, float]) -> bool:
    """True when the player's playhead is on `where` (raw file id, offset), to the frame."""
    assert window.player.panel is not None
    at = window.player.panel.position()  # the panel's own: the host's needs the document
    return at.raw_file_id == where[0] and abs(at.offset - where[1]) < 0.021
