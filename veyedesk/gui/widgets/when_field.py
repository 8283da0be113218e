"""A venue wall-clock time typed as text: "2026-02-01 10:45", or "10:45" on a show day.

A QDateTimeEdit made typing awkward: ":" jumps to the next section, so "10:45" became
10:00:45, and with nothing set it showed today rather than a day of the show. This field
takes the text as typed and reads it with the one parser (`services.talks.parse_when_on`);
a label beside it says which day a time typed alone falls on.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from veyedesk.services import admin

DAY_FORMAT = "%a %d %b %Y"


def shown(moment: datetime) -> str:
    """A moment as the field shows it: seconds only when there are some."""
    return moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M")


class WhenField(QLineEdit):
    """A date and time as text; `moment()` reads it (InvalidInput for text that is not one)."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self.day: date | None = None
        self.day_label = QLabel()
        self.day_label.setTextFormat(Qt.TextFormat.PlainText)
        self.day_label.setEnabled(False)  # greyed: a hint, not a value
        self.setToolTip("HH:MM on the day shown beside it, or YYYY-MM-DD HH:MM (venue clock)")
        # Room for a whole date and time, however narrow the dock squeezes its row.
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("2026-02-01 10:45:00") + 16)
        self.set_day(None)

    def set_day(self, day: date | None) -> None:
        """The day a time typed alone ("10:45") is on."""
        self.day = day
        self.day_label.setText(f"HH:MM alone is on {day:{DAY_FORMAT}}" if day else "")
        self.setPlaceholderText("HH:MM or YYYY-MM-DD HH:MM" if day else "YYYY-MM-DD HH:MM")

    def set_moment(self, moment: datetime) -> None:
        """Show this moment in full; a time typed over it alone stays on its day."""
        self.setText(shown(moment))
        self.set_day(moment.date())

    def moment(self) -> datetime:
        """The typed time as naive venue wall clock."""
        return admin.parse_when_on(self.text(), self.day, self.what)
