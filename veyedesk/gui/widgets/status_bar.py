"""The editor window's status bar: messages on the left, what is true now on the right.

Permanent labels: the encode queue, the playhead's timecode, the lock, the database
connection, the episode count, who is signed in and which database this is.

QStatusBar draws a message clipped at the first permanent label, so a long one lost its
end (the part saying what to do). Here the message is drawn elided, with the whole text in
the bar's tooltip, and the database URL (the widest label) is elided in its middle.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QStyle, QStyleOption, QWidget

from veyedesk.config import mask_url
from veyedesk.gui.widgets.safe_text import tooltip
from veyedesk.model.kinds import JobStatus
from veyedesk.model.timecode import format_offset, format_wall

ALERT = "color: #b00020; font-weight: bold"
MESSAGE_MS = 15000
DB_WIDTH = 260  # pixels of the database label; the full URL is in its tooltip


def _label(name: str, tip: str = "") -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)  # titles and names are never rich text
    if tip:
        label.setToolTip(tooltip(tip))
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
        shown = f"Database: {mask_url(database)}"
        metrics = self.db_label.fontMetrics()
        self.db_label.setText(metrics.elidedText(shown, Qt.TextElideMode.ElideMiddle, DB_WIDTH))
        self.db_label.setToolTip(tooltip(shown))
        self.permanent = (
            self.queue_label,
            self.timecode_label,
            self.lock_label,
            self.connection_label,
            self.count_label,
            self.user_label,
            self.db_label,
        )
        for label in self.permanent:
            self.addPermanentWidget(label)
        self.messageChanged.connect(self._message_changed)

    def _message_changed(self, message: str) -> None:
        # The whole message, however narrow the window: hover the bar to read it.
        self.setToolTip(tooltip(message))  # messages carry talk titles: never rich text
        self.update()

    def message_rect(self) -> QRect:
        """Where the message goes: from the left edge to the first visible permanent label."""
        left, right = 6, self.width() - 12
        for label in self.permanent:
            if label.isVisible():
                if self.layoutDirection() == Qt.LayoutDirection.RightToLeft:
                    left = max(left, label.x() + label.width() + 2)
                else:
                    right = min(right, label.x() - 2)
                break
        return QRect(left, 0, right - left, self.height())

    def shown_message(self) -> str:
        """The message as drawn: elided to fit (its tooltip holds the whole of it)."""
        width = self.message_rect().width()
        return self.fontMetrics().elidedText(
            self.currentMessage(), Qt.TextElideMode.ElideRight, width
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        """QStatusBar's painting, with the message elided instead of clipped."""
        if not self.currentMessage():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter, self)
        for label in self.permanent:
            frame = label.geometry().adjusted(-2, -1, 2, 1)
            if label.isVisible() and event.rect().intersects(frame):
                item = QStyleOption()
                item.rect = frame
                item.palette = self.palette()
                self.style().drawPrimitive(
                    QStyle.PrimitiveElement.PE_FrameStatusBarItem, item, painter, label
                )
        painter.setPen(self.palette().windowText().color())
        painter.drawText(
            self.message_rect(),
            int(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
            | int(Qt.TextFlag.TextSingleLine),
            self.shown_message(),
        )
        painter.end()

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
