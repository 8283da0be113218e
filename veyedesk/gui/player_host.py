"""The centre of the editor window: the PlayerPanel (video + timeline) with the window's glue.

If the player cannot be created (no player module, or libmpv missing on this machine) the
centre lists the episode's raw files and cuts instead and says why, so the rest of the
editor still works.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QStackedLayout, QTextBrowser, QWidget

from veyedesk.gui.editor_document import EditorDocument
from veyedesk.model.timecode import add_seconds, format_duration, format_offset, format_wall


def _make_panel(parent: QWidget) -> tuple[Any, str]:
    try:
        from veyedesk.gui.player_panel import PlayerPanel  # the player/timeline feature
    except ImportError as exc:
        return None, f"the video player module is not available ({exc})"
    try:
        return PlayerPanel(parent), ""
    except Exception as exc:  # libmpv missing or unusable: keep the editor usable
        return None, f"the video player could not start ({exc})"


class PlayerHost(QWidget):
    """Hosts a PlayerPanel; forwards its position and offers the calls the window needs."""

    position_changed = Signal(object)  # PlayheadPosition
    mark_requested = Signal(object)  # datetime
    notice = Signal(str)  # status-bar text from the player

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("player_host")
        self.panel, self.problem = _make_panel(self)
        self._layout = QStackedLayout(self)
        self.summary = QTextBrowser()
        self.summary.setObjectName("recording_summary")
        if self.panel is not None:
            self._layout.addWidget(self.panel)
            self.panel.position_changed.connect(self.position_changed)
            self.panel.mark_requested.connect(self.mark_requested)
            notice = getattr(self.panel, "notice", None)
            if notice is not None:
                notice.connect(self.notice)
        else:
            self._layout.addWidget(self.summary)
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
        else:
            document.cuts_changed.connect(self._summarise)
            self._summarise()

    def unload(self) -> None:
        if self.panel is not None:
            self.panel.unload()
        self._document = None
        self.summary.setHtml("")

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

    def _summarise(self) -> None:
        doc = self._document
        if doc is None:
            return
        draft = doc.draft
        rows = []
        for raw in sorted(draft.raw_files.values(), key=lambda r: (r.start is None, r.start)):
            used = [n for n, c in enumerate(draft.cuts, 1) if c.raw_file_id == raw.id]
            rows.append(
                f"<tr><td>{format_wall(raw.start)}</td><td>{format_duration(raw.duration)}</td>"
                f"<td>{raw.filename}</td><td>{', '.join(f'cut {n}' for n in used)}</td></tr>"
            )
        cuts = []
        for cut in draft.cuts:
            info = draft.raw_files.get(cut.raw_file_id)
            fps = draft.fps_of(cut.raw_file_id)
            start, end = draft.cut_bounds(cut)
            cuts.append(
                f"<li>{info.filename if info else cut.raw_file_id}: "
                f"{format_offset(start, fps)} – {format_offset(end, fps)}"
                f"{'' if cut.apply else ' (not applied)'}</li>"
            )
        self.summary.setHtml(
            f"<p style='color:#8a4b00'><b>No video here:</b> {self.problem}. "
            "Set in and out in the cut list below.</p>"
            "<h3>Raw files of the room's day</h3><table cellpadding=4>"
            "<tr><th>Start</th><th>Length</th><th>File</th><th>Used by</th></tr>"
            + "".join(rows)
            + "</table><h3>Cuts</h3><ol>"
            + "".join(cuts)
            + "</ol>"
        )
