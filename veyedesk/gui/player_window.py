"""`veyedesk play EPISODE_ID`: one episode's video, transport and timeline in a window of its own.

Usable before (and beside) the editor window: marks (M) are stored at once, cut edits are
saved with Ctrl+S, and closing with unsaved cuts asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget
from sqlalchemy.orm import Session

from veyedesk.config import Settings
from veyedesk.gui import safe_text
from veyedesk.gui.episode_document import EpisodeDocument
from veyedesk.gui.player_panel import PlayerPanel
from veyedesk.services import edit
from veyedesk.services.errors import ServiceError

SessionFactory = Callable[[], AbstractContextManager[Session]]


class PlayerWindow(QMainWindow):
    """Hosts a PlayerPanel for one episode."""

    def __init__(
        self, sessions: SessionFactory, settings: Settings, user: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.sessions, self.settings, self.user = sessions, settings, user
        self.document: EpisodeDocument | None = None
        self.panel = PlayerPanel(self)
        self.setCentralWidget(self.panel)
        self.panel.install_shortcuts(self)
        self.panel.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.panel.mark_requested.connect(self._add_mark)
        menu = self.menuBar().addMenu("&File")
        save = QAction("&Save cuts", self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.triggered.connect(self.save)
        menu.addAction(save)
        close = QAction("&Close", self)
        close.setShortcut(QKeySequence.StandardKey.Close)
        close.triggered.connect(self.close)
        menu.addAction(close)
        help_menu = self.menuBar().addMenu("&Help")
        keys = QAction("&Keyboard", self)
        keys.triggered.connect(lambda: self.panel.keyboard_help().exec())
        help_menu.addAction(keys)
        self.resize(1100, 760)

    def open_episode(self, episode_id: int) -> None:
        """Load the episode (raises ServiceError, e.g. NotFound, for the caller to show)."""
        with self.sessions() as session:
            draft = edit.load_draft(session, episode_id, self.settings.raw_root)
            marks = edit.room_day_marks(session, episode_id)
        self.document = EpisodeDocument(draft, self)
        self.document.dirty_changed.connect(self._update_title)
        start = draft.fields.get("start")
        duration = draft.fields.get("duration")
        end = None
        if start is not None and duration:
            end = start + timedelta(seconds=float(duration))
        self.panel.load(self.document, marks, (start, end))
        self._update_title()

    def _update_title(self, *_args: object) -> None:
        name = self.document.draft.fields.get("name", "") if self.document else ""
        star = "*" if self.document is not None and self.document.dirty else ""
        self.setWindowTitle(safe_text.window_title(f"{star}{name} — veyedesk play"))

    def _add_mark(self, click: datetime) -> None:
        if self.document is None:
            return
        try:
            with self.sessions() as session:
                added = edit.add_mark(session, self.document.draft.episode_id, click)
                session.commit()
                marks = edit.room_day_marks(session, self.document.draft.episode_id)
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        self.panel.set_marks(marks)
        note = "mark added" if added else "a mark is already there"
        self.statusBar().showMessage(f"{note} at {click:%H:%M:%S.%f}"[:-3], 5000)

    def save(self) -> bool:
        """Save the cut edits; conflicts and refusals are shown, nothing is lost."""
        doc = self.document
        if doc is None:
            return True
        try:
            with self.sessions() as session:
                saved = edit.save_draft(session, doc.draft, doc.base, self.user)
                session.commit()
        except ServiceError as exc:
            safe_text.warn(self, "Not saved", str(exc))
            return False
        doc.mark_saved(saved)
        self._update_title()
        self.statusBar().showMessage("saved", 4000)
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.document is not None and self.document.dirty:
            answer = safe_text.ask(
                self,
                "Unsaved cuts",
                "Save the cut changes before closing?",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel or (
                answer == QMessageBox.StandardButton.Save and not self.save()
            ):
                event.ignore()
                return
        self.panel.shutdown()
        event.accept()


def run_player(
    app: QApplication, sessions: SessionFactory, settings: Settings, user: str, episode_id: int
) -> int:
    """Show the player window for `episode_id` until it closes; 1 if it cannot be opened."""
    window = PlayerWindow(sessions, settings, user)
    try:
        window.open_episode(episode_id)
    except ServiceError as exc:
        safe_text.critical(None, "veyedesk play", str(exc))
        window.panel.shutdown()
        return 1
    window.show()
    return int(app.exec())
