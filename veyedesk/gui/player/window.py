"""`veyedesk play EPISODE_ID`: one episode's video, transport and timeline in a window of its own.

Usable before (and beside) the editor window: marks (M) are stored at once, cut edits are
saved with Ctrl+S, and closing with unsaved cuts asks first. Opening, marking and saving go
through services.editing like the editor's: a reviewer's play window is read-only, and the
episode's lock is taken while it is open.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from veyedesk.config import Settings
from veyedesk.db import SessionFactory
from veyedesk.errors import UserError
from veyedesk.gui.document.editable import EditorDocument
from veyedesk.gui.player.panel import PlayerPanel
from veyedesk.gui.widgets import safe_text
from veyedesk.gui.widgets.prompts import Prompts
from veyedesk.gui.widgets.screen_fit import fit_to_screen
from veyedesk.services import editing
from veyedesk.services.editing import release_lock, room_day_marks
from veyedesk.services.identity import Identity


class PlayerWindow(QMainWindow):
    """Hosts a PlayerPanel for one episode."""

    def __init__(
        self,
        sessions: SessionFactory,
        settings: Settings,
        identity: Identity,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.sessions, self.settings, self.identity = sessions, settings, identity
        self.document: EditorDocument | None = None
        self.read_only = ""  # why this user cannot change the episode here
        self.prompts = Prompts(self)
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
        fit_to_screen(self, 1100, 760)  # or less on a small screen

    def open_episode(self, episode_id: int) -> None:
        """Load the episode and take its lock (raises UserError, e.g. NotFound, to show)."""
        with self.sessions() as session:
            opened = editing.open_for_edit(session, episode_id, self.identity, self.settings)
            session.commit()
        draft, marks = opened.draft, opened.marks
        self.read_only = opened.read_only
        self.document = EditorDocument(draft)
        # Every edit passes the document: read-only there means no widget can slip one in.
        self.document.set_read_only(self.read_only)
        self.document.dirty_changed.connect(self._update_title)
        start = draft.fields.get("start")
        duration = draft.fields.get("duration")
        end = None
        if start is not None and duration:
            end = start + timedelta(seconds=float(duration))
        self.panel.load(self.document, marks, (start, end))
        self._update_title()
        if self.read_only:
            self.statusBar().showMessage(f"read-only: {self.read_only}")

    def _update_title(self, *_args: object) -> None:
        name = self.document.draft.fields.get("name", "") if self.document else ""
        star = "*" if self.document is not None and self.document.dirty else ""
        self.setWindowTitle(safe_text.window_title(f"{star}{name} — veyedesk play"))

    def _add_mark(self, click: datetime) -> None:
        if self.document is None:
            return
        episode_id = self.document.draft.episode_id
        try:
            with self.sessions() as session:
                added = editing.add_mark(session, episode_id, click, self.identity)
                session.commit()
                marks = room_day_marks(session, episode_id)
        except UserError as exc:
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
                saved = editing.save_episode(
                    session, doc.draft, doc.base, self.identity, self.settings
                )
                session.commit()
        except UserError as exc:
            safe_text.warn(self, "Not saved", str(exc))
            return False
        doc.mark_saved(saved.draft)
        self._update_title()
        self.statusBar().showMessage("saved", 4000)
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        doc = self.document
        if doc is not None and doc.dirty and not doc.read_only:
            # The same question as the editor window's (gui.prompts), answered in place.
            answer = self.prompts.unsaved(str(doc.draft.fields.get("name")))
            if answer == "cancel" or (answer == "save" and not self.save()):
                event.ignore()
                return
        self._release()
        self.panel.shutdown()
        event.accept()

    def _release(self) -> None:
        if self.document is None or self.read_only:
            return
        try:
            with self.sessions() as session:
                release_lock(session, self.document.draft.episode_id, self.identity)
                session.commit()
        except Exception as exc:  # closing must not fail; the lock goes stale in time
            self.statusBar().showMessage(f"Could not release the lock: {exc}")


def run_player(
    app: QApplication,
    sessions: SessionFactory,
    settings: Settings,
    identity: Identity,
    episode_id: int,
) -> int:
    """Show the player window for `episode_id` until it closes; 1 if it cannot be opened."""
    window = PlayerWindow(sessions, settings, identity)
    try:
        window.open_episode(episode_id)
    except UserError as exc:
        safe_text.critical(None, "veyedesk play", str(exc))
        window.panel.shutdown()
        return 1
    window.show()
    return int(app.exec())
