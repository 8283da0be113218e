"""The cut list: a table of the episode's cuts, edited through the same undoable commands.

In and out show SMPTE timecode (HH:MM:SS:FF, FF = frame) and accept it typed, as well as
decimal seconds (17.68, 00:00:17.68) and frame counts (442f); an empty cell means the
file's own start or end. Every change goes through the EpisodeDocument, so Ctrl+Z undoes a
typed in point just like one set with the I key on the timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from veyedesk.gui.document.editable import EditorDocument
from veyedesk.gui.widgets.safe_text import tooltip
from veyedesk.gui.widgets.table_model import FlatTableModel
from veyedesk.model.timecode import (
    TIMECODE_HINT,
    TimecodeError,
    add_seconds,
    format_duration,
    format_offset,
    format_wall,
    parse_offset,
)
from veyedesk.services.editing import CutDraft

COLUMNS = ("#", "Raw file", "In", "Out", "Duration", "Apply", "Comment")
COL_SEQ, COL_RAW, COL_IN, COL_OUT, COL_DURATION, COL_APPLY, COL_COMMENT = range(7)

Index = QModelIndex | QPersistentModelIndex


class CutTableModel(FlatTableModel):
    """Rows are the document's cuts; setData turns edits into document commands."""

    columns = COLUMNS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: EditorDocument | None = None
        self._grey = QBrush(QColor("#777777"))
        self._italic = QFont()
        self._italic.setItalic(True)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and orientation == Qt.Orientation.Horizontal
            and section in (COL_IN, COL_OUT)
        ):
            # What the cells show, and every form typing accepts.
            return f"Offset into the raw file, SMPTE HH:MM:SS:FF. Type {TIMECODE_HINT}."
        return super().headerData(section, orientation, role)

    def set_document(self, document: EditorDocument | None) -> None:
        self.beginResetModel()
        if self.document is not None:
            self.document.cuts_changed.disconnect(self._cuts_changed)
        self.document = document
        if document is not None:
            document.cuts_changed.connect(self._cuts_changed)
        self.endResetModel()

    def _cuts_changed(self) -> None:
        # The list may have changed length (add/delete/split): reset is simplest and cheap.
        self.beginResetModel()
        self.endResetModel()

    def cut(self, row: int) -> CutDraft:
        assert self.document is not None
        return self.document.draft.cuts[row]

    def shown_rows(self) -> int:
        return 0 if self.document is None else len(self.document.draft.cuts)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.document is None or self.document.read_only:
            return base
        if index.column() in (COL_IN, COL_OUT, COL_COMMENT):
            return base | Qt.ItemFlag.ItemIsEditable
        if index.column() == COL_APPLY:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.document is None:
            return None
        doc = self.document
        cut = doc.draft.cuts[index.row()]
        raw = doc.draft.raw_files.get(cut.raw_file_id)
        fps = doc.draft.fps_of(cut.raw_file_id)
        start, end = doc.draft.cut_bounds(cut)
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == COL_SEQ:
                return str(index.row() + 1)
            if col == COL_RAW:
                return raw.filename if raw else f"raw file {cut.raw_file_id} (not in this room-day)"
            if col == COL_IN:
                if role == Qt.ItemDataRole.EditRole:
                    return format_offset(cut.start, fps)
                return format_offset(start, fps)
            if col == COL_OUT:
                if role == Qt.ItemDataRole.EditRole:
                    return format_offset(cut.end, fps)
                return format_offset(end, fps)
            if col == COL_DURATION:
                return format_offset(max(0.0, end - start), fps)
            if col == COL_COMMENT:
                return cut.comment
            return None
        if role == Qt.ItemDataRole.CheckStateRole and col == COL_APPLY:
            return Qt.CheckState.Checked if cut.apply else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            if col in (COL_IN, COL_OUT) and raw and raw.start:
                at = start if col == COL_IN else end
                blank = (cut.start if col == COL_IN else cut.end) is None
                note = " (blank: the file's own " + ("start)" if col == COL_IN else "end)")
                return f"wall clock {format_wall(add_seconds(raw.start, at))}" + (
                    note if blank else ""
                )
            if col == COL_RAW and raw:
                problem = " — MISSING" if raw.missing else ""
                problem += f" — {raw.probe_error}" if raw.probe_error else ""
                # A file name or probe error may contain markup: shown exactly.
                return tooltip(
                    f"{raw.path}\nstarts {raw.start}, {format_duration(raw.duration)}{problem}"
                )
        if role == Qt.ItemDataRole.FontRole and col in (COL_IN, COL_OUT):
            blank = (cut.start if col == COL_IN else cut.end) is None
            return self._italic if blank else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if not cut.apply or (col in (COL_IN, COL_OUT) and self._blank(cut, col)):
                return self._grey
            if raw is not None and not raw.usable:
                return QBrush(QColor("#b00020"))
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_IN, COL_OUT, COL_DURATION):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _blank(cut: CutDraft, col: int) -> bool:
        return (cut.start if col == COL_IN else cut.end) is None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        doc = self.document
        if doc is None or not index.isValid() or doc.read_only:
            return False
        row, col = index.row(), index.column()
        cut = doc.draft.cuts[row]
        if col == COL_APPLY and role == Qt.ItemDataRole.CheckStateRole:
            doc.set_cut_apply(row, Qt.CheckState(value) == Qt.CheckState.Checked)
            return True
        if col == COL_COMMENT and role == Qt.ItemDataRole.EditRole:
            if str(value) != cut.comment:
                doc.set_cut_comment(row, str(value))
            return True
        if col in (COL_IN, COL_OUT) and role == Qt.ItemDataRole.EditRole:
            fps = doc.fps_of(cut.raw_file_id)
            text = str(value).strip()
            try:
                offset = None if not text else parse_offset(text, fps)
            except TimecodeError as exc:
                doc.notice.emit(str(exc))
                return False
            start, end = (offset, cut.end) if col == COL_IN else (cut.start, offset)
            if (start, end) == (cut.start, cut.end):
                return True
            what = "in" if col == COL_IN else "out"
            label = f"Type {what} {format_offset(offset, fps) or '(file bound)'} on cut {row + 1}"
            doc.set_cut_bounds(row, start, end, label)
            return True
        return False


class CutTable(QWidget):
    """The cut list with add (a raw file of the room's day), delete, move up/down and split."""

    cut_activated = Signal(int, float)  # raw file id, offset: seek the player there

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CutTableModel(self)
        self.playhead: Callable[[], tuple[int | None, float]] = lambda: (None, 0.0)
        self.table = QTableView()
        self.table.setObjectName("cut_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_COMMENT, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 30), (1, 220), (2, 96), (3, 96), (4, 96), (5, 50)):
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(self._double_clicked)

        self.raw_box = QComboBox()
        self.raw_box.setObjectName("cut_raw_file")
        self.raw_box.setMinimumContentsLength(22)
        self.raw_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.add_button = QPushButton("Add file")
        self.add_button.setToolTip("Add the chosen raw file of this room's day as a whole cut")
        self.delete_button = QPushButton("Delete")
        self.up_button = QPushButton("Up")
        self.down_button = QPushButton("Down")
        self.split_button = QPushButton("Split at playhead")
        self.total = QLabel()
        self.total.setObjectName("cuts_total")
        self.add_button.clicked.connect(self._add)
        self.delete_button.clicked.connect(self._delete)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(+1))
        self.split_button.clicked.connect(self._split)

        bar = QHBoxLayout()
        bar.addWidget(self.raw_box)
        for button in (
            self.add_button,
            self.delete_button,
            self.up_button,
            self.down_button,
            self.split_button,
        ):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.total)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self.set_document(None)

    @property
    def document(self) -> EditorDocument | None:
        return self.model.document

    def set_document(self, document: EditorDocument | None) -> None:
        """Show this document's cuts (None: empty)."""
        self.model.set_document(document)
        self.raw_box.clear()
        if document is not None:
            for raw in sorted(
                document.draft.raw_files.values(), key=lambda r: (r.start is None, r.start)
            ):
                when = format_wall(raw.start)
                flag = "" if raw.usable else " (unreadable)"
                self.raw_box.addItem(f"{when}  {raw.filename}{flag}", raw.id)
            document.cuts_changed.connect(self._update_total)
        self._update_total()
        self.refresh_read_only()

    def refresh_read_only(self) -> None:
        doc = self.document
        editable = doc is not None and not doc.read_only
        for w in (
            self.raw_box,
            self.add_button,
            self.delete_button,
            self.up_button,
            self.down_button,
            self.split_button,
        ):
            w.setEnabled(editable)
        self.model.layoutChanged.emit()

    def _update_total(self) -> None:
        doc = self.document
        if doc is None:
            self.total.setText("")
            return
        self.total.setText(
            f"{len(doc.draft.cuts)} cuts, {format_duration(doc.draft.cuts_time())} applied"
        )

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.selectRow(row)

    def _add(self) -> None:
        raw_id = self.raw_box.currentData()
        if self.document is not None and raw_id is not None:
            self.document.add_cut(int(raw_id))

    def _delete(self) -> None:
        row = self.selected_row()
        if self.document is not None and row is not None:
            self.document.delete_cut(row)
            self.select_row(min(row, self.model.rowCount() - 1))

    def _move(self, delta: int) -> None:
        row = self.selected_row()
        if self.document is not None and row is not None:
            self.document.move_cut(row, delta)
            self.select_row(row + delta)

    def _split(self) -> None:
        doc = self.document
        if doc is None:
            return
        raw_id, offset = self.playhead()
        row = self.selected_row()
        if raw_id is None and row is not None:
            # No player position: split the selected cut in the middle.
            start, end = doc.cut_bounds(row)
            raw_id, offset = doc.draft.cuts[row].raw_file_id, (start + end) / 2
        if raw_id is not None:
            doc.split_at(raw_id, offset)

    def _double_clicked(self, index: QModelIndex) -> None:
        if self.document is None or index.column() not in (COL_SEQ, COL_RAW, COL_DURATION):
            return
        cut = self.document.draft.cuts[index.row()]
        start, _end = self.document.draft.cut_bounds(cut)
        self.cut_activated.emit(cut.raw_file_id, start)
