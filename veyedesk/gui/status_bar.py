"""The editor window's status bar: messages on the left, what is true now on the right.

Permanent labels: the encode queue, the playhead's timecode, the lock, the database
connection, the episode count, who is signed in and which database this is.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from veyedesk.config import mask_url
from veyedesk.model.kinds import JobStatus
from veyedesk.model.timecode import format_offset, format_wall

ALERT = "color: #b00020; font-weight: bold"
MESSAGE_MS = 15000


def _label(name: str, tip: str = "") -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)  # titles and names are never rich text
    if tip:
        label.setToolTip(tip)
    return label


class EditorStatusBar(QStatusBar):
    """Status messages plus the permanent facts of the editor window."""

    def __init__(self, user: str, role: str, database: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue_label = _label(
            "queue_label", "Encode queue: running / queued / failed jobs (View ▸ Encode queue)"
        )
        self.timecode_label = _label("timecode_label")
        self.timecode_label.setStyleSheet("font-family: monospace")
        self.lock_label = _label("lock_label")
        self.connection_label = _label("connection_label")
        self.count_label = _label("count_label")
        self.user_label = _label("user_label")
        self.user_label.setText(f"User: {user} ({role})")
        self.db_label = _label("db_label")
        self.db_label.setText(f"Database: {mask_url(database)}")
        for label in (
            self.queue_label,
            self.timecode_label,
            self.lock_label,
            self.connection_label,
            self.count_label,
            self.user_label,
            self.db_label,
        ):
            self.addPermanentWidget(label)

    def say(self, message: str) -> None:
        """A transient message (cleared by an empty one)."""
        if message:
            self.showMessage(message, MESSAGE_MS)
        else:
            self.clearMessage()

    def show_queue(self, counts: dict[str, int]) -> None:
        shown = (JobStatus.RUNNING, JobStatus.QUEUED, JobStatus.FAILED)
        parts = [f"{counts[k]} {k}" for k in shown if counts.get(k)]
        self.queue_label.setText("Queue: " + (" · ".join(parts) if parts else "idle"))
        self.queue_label.setStyleSheet(ALERT if counts.get(JobStatus.FAILED) else "")

    def show_connection(self, ok: bool) -> None:
        self.connection_label.setText("" if ok else "database unreachable — retrying")
        self.connection_label.setStyleSheet("" if ok else ALERT)

    def show_position(
        self, filename: str, offset: float | None, wall: datetime | None, fps: float
    ) -> None:
        """The playhead as file offset (frames) and wall-clock time; blank when nothing plays."""
        if offset is None:
            self.timecode_label.setText("")
            return
        self.timecode_label.setText(
            f"{filename} {format_offset(offset, fps)}  wall {format_wall(wall)}"
        )
