"""The centre of the editor window: the PlayerPanel (video + timeline) with the window's glue.

There is no editor without a player: a machine without libmpv is refused at start-up
(`veyedesk.player.libmpv` raises PlayerUnavailable, printed as one line). After
`shutdown()` the host has no panel and every call becomes a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDialog, QStackedLayout, QWidget

from veyedesk.gui.document.editable import EditorDocument
from veyedesk.gui.player.panel import PlayerPanel
from veyedesk.model.timecode import add_seconds
from veyedesk.services.editing import EpisodeDraft


class PlayerHost(QWidget):
    """Hosts a PlayerPanel; forwards its position and offers the calls the window needs."""

    position_changed = Signal(object)  # PlayheadPosition
    mark_requested = Signal(object)  # datetime
    notice = Signal(str)  # status-bar text from the player

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("player_host")
        # With a standby player: the editor prepares the talk it will likely show next.
        self.panel: PlayerPanel | None = PlayerPanel(self, standby=True)
        self.problem = ""  # why there is no panel (after shutdown)
        self._layout = QStackedLayout(self)
        self._layout.addWidget(self.panel)
        self.panel.position_changed.connect(self.position_changed)
        self.panel.mark_requested.connect(self.mark_requested)
        self.panel.notice.connect(self.notice)
        self._document: EditorDocument | None = None
        self._shortcuts_installed = False

    @property
    def has_undo_shortcuts(self) -> bool:
        """True when the player's keymap binds Ctrl+Z / Ctrl+Shift+Z itself."""
        return self.panel is not None

    def install_shortcuts(self, host: QWidget) -> None:
        if self.panel is not None and not self._shortcuts_installed:
            self.panel.install_shortcuts(host)
            self._shortcuts_installed = True

    def load(
        self,
        document: EditorDocument,
        marks: Sequence[datetime] = (),
    ) -> None:
        self._document = document
        start = document.draft.fields.get("start")
        duration = document.draft.fields.get("duration")
        end = add_seconds(start, duration) if start is not None and duration else None
        if self.panel is not None:
            self.install_shortcuts(self.window())
            self.panel.load(document, marks, (start, end))

    def preview(self, draft: EpisodeDraft) -> None:
        """Start showing a talk's media before its document arrives (see PlayerPanel)."""
        if self.panel is not None:
            self.panel.preview(draft)

    def prepare(self, draft: EpisodeDraft) -> None:
        """Open a talk likely shown next on the standby player (see PlayerPanel)."""
        if self.panel is not None:
            self.panel.prepare(draft)

    # The stages of showing a talk (gui/editor/read_ahead.Stages), see PlayerPanel.
    def after_repaint(self, work: Callable[[], None]) -> None:
        if self.panel is None:
            QTimer.singleShot(0, work)
        else:
            self.panel.after_repaint(work)

    def after_picture(self, work: Callable[[], None]) -> None:
        if self.panel is None:
            QTimer.singleShot(0, work)
        else:
            self.panel.after_picture(work)

    def unload(self) -> None:
        if self.panel is not None:
            self.panel.unload()
        self._document = None

    def set_marks(self, marks: Sequence[datetime]) -> None:
        if self.panel is not None:
            self.panel.set_marks(marks)

    def playhead(self) -> tuple[int | None, float]:
        """(raw file id, offset) under the playhead; (None, 0) without a player."""
        if self.panel is None or self._document is None:
            return None, 0.0
        position = self.panel.position()
        return position.raw_file_id, position.offset

    def seek_to(self, raw_file_id: int, offset: float) -> None:
        if self.panel is not None and self._document is not None:
            self.panel.seek_to(raw_file_id, offset)

    def screenshot(self, path: Path) -> None:
        """The current frame as a PNG; RuntimeError when there is no player."""
        if self.panel is None:
            raise RuntimeError(self.problem)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.panel.screenshot(path)  # full resolution, from mpv
        except Exception as exc:
            # mpv refuses screenshots in some states (render API, error -12): take the frame
            # as drawn on screen instead, so the editor still gets a thumbnail.
            image = self.panel.video.grabFramebuffer()
            if image.isNull() or not image.save(str(path)):
                raise RuntimeError(f"could not capture the current frame ({exc})") from None

    def keyboard_help(self) -> QDialog | None:
        return self.panel.keyboard_help() if self.panel is not None else None

    def shutdown(self) -> None:
        if self.panel is not None:
            self.panel.shutdown()
            # mpv is gone: nothing may reach it any more (a late load would crash).
            self._layout.removeWidget(self.panel)
            self.panel.hide()
            self.panel = None
            self.problem = "the player was shut down"
