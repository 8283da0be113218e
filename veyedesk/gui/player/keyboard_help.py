"""Help ▸ Keyboard: the key map, generated from gui/player/keymap.py so it can never drift."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from veyedesk.gui.player.keymap import GROUPS, KEYMAP, Binding
from veyedesk.gui.widgets.screen_fit import fit_to_screen


def keys_label(entry: Binding) -> str:
    """The keys as this platform writes them, e.g. `Space / K`."""
    native = QKeySequence.SequenceFormat.NativeText
    return " / ".join(QKeySequence(k).toString(native) or k for k in entry.keys)


class KeyboardHelp(QDialog):
    """A two-column table (keys, action), grouped like the key map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard")
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        for group in GROUPS:
            self._add_row(group, "", heading=True)
            for entry in KEYMAP:
                if entry.group == group:
                    self._add_row(keys_label(entry), entry.text)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        fit_to_screen(self, 620, 640)  # or less on a small screen

    def _add_row(self, keys: str, text: str, heading: bool = False) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        first = QTableWidgetItem(keys)
        if heading:
            font = first.font()
            font.setBold(True)
            first.setFont(font)
            self.table.setSpan(row, 0, 1, 2)
        else:
            first.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.setItem(row, 0, first)
        if not heading:
            self.table.setItem(row, 1, QTableWidgetItem(text))

    def rows(self) -> list[tuple[str, str]]:
        """(keys, action) of every binding row, for tests."""
        out = []
        for row in range(self.table.rowCount()):
            second = self.table.item(row, 1)
            first = self.table.item(row, 0)
            if second is not None and first is not None:
                out.append((first.text(), second.text()))
        return out
