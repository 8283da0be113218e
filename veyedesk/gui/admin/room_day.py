"""Go ▸ Raw files by room-day: one room's recordings of one day as a list (the seed's *raw
files day*): start, end, duration, problems (unreadable, missing, gaps, overlaps), which
talks use each file; trash and comment are set here through `services.admin` (raw_files_day).

The Marks tab is the same room-day's marks (the seed's *marks day*): `gui/mark/marks_list.py`,
the list the Mark window uses, with its corrections and undo.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.gui.mark.marks_list import MarksList
from veyedesk.gui.widgets.safe_text import plain_label, tooltip, window_title
from veyedesk.gui.widgets.screen_fit import fit_to_screen
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.model.timecode import format_duration
from veyedesk.services.admin import (
    RawFileRow,
    RoomDay,
    RoomDayRef,
    room_day,
    room_days,
    set_raw_file as set_raw_file_service,
)
from veyedesk.services.identity import Identity

COLUMNS = (
    "Start",
    "End",
    "Duration",
    "File",
    "Size",
    "Problems",
    "Talks using it",
    "Trash",
    "Comment",
)
START, END, DURATION, FILE, SIZE, PROBLEMS, TALKS, TRASH, COMMENT = range(len(COLUMNS))
PROBLEM_BG = QColor("#fde2e1")
NOTE_BG = QColor("#fff6d6")
TRASH_FG = QColor("#8a8a8a")
ROW_ID = Qt.ItemDataRole.UserRole


def _time(moment: datetime | None) -> str:
    return moment.strftime("%H:%M:%S") if moment else "—"


def _size(count: int) -> str:
    if count >= 1 << 30:
        return f"{count / (1 << 30):.1f} GiB"
    if count >= 1 << 20:
        return f"{count / (1 << 20):.1f} MiB"
    return f"{count / 1024:.0f} KiB"


class RoomDayWindow(QWidget):
    """A top-level window listing a room-day's raw files of one show."""

    saved = Signal(int)  # raw file id whose trash/comment was stored
    talk_activated = Signal(int)  # episode id: open it in the editor
    loaded = Signal()

    def __init__(
        self,
        sessions: SessionFactory,
        identity: Identity,
        show_id: int,
        runner: BackgroundRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.sessions, self.identity, self.show_id, self.runner = (
            sessions,
            identity,
            show_id,
            runner,
        )
        self.setObjectName("room_day_window")
        self.setWindowTitle("Raw files by room-day — veyedesk")
        fit_to_screen(self, 1280, 640)  # or less on a small screen
        self.day: RoomDay | None = None
        self.refs: list[RoomDayRef] = []
        self._preferred: tuple[str, date | None] = ("", None)
        self._filling = False
        self.editable = identity.can("edit")

        self.picker = QComboBox()
        self.picker.setObjectName("room_day_picker")
        self.picker.setMinimumContentsLength(36)
        self.picker.currentIndexChanged.connect(self._picked)
        refresh = QPushButton("&Refresh")
        refresh.setObjectName("refresh")
        refresh.clicked.connect(self.reload)
        top = QHBoxLayout()
        top.addWidget(self.picker, 1)
        top.addWidget(refresh)
        self.summary = plain_label()
        self.summary.setObjectName("room_day_summary")
        self.summary.setWordWrap(True)
        self.status = plain_label()
        self.status.setObjectName("room_day_status")

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("raw_files_day")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(PROBLEMS, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COMMENT, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemActivated.connect(self._activated)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("room_day_tabs")
        files_page = QWidget()
        files_layout = QVBoxLayout(files_page)
        files_layout.setContentsMargins(0, 4, 0, 0)
        files_layout.addWidget(self.summary)
        files_layout.addWidget(self.table, 1)
        self.tabs.addTab(files_page, "Raw files")
        # The chosen room-day's marks list; made anew for each room-day picked.
        self.marks: MarksList | None = None
        self.marks_tab = self.tabs.addTab(plain_label("Pick a room-day."), "Marks")

        self.summary.setContentsMargins(4, 2, 4, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        if not self.editable:
            self.status.setText(
                f"{identity.name} ({identity.role}) may look but not trash or comment"
            )

    # -- the marks tab ------------------------------------------------------------------
    def _show_marks(self, ref: RoomDayRef) -> None:
        """The Marks tab lists the picked room-day's marks (one list per room-day)."""
        where = (self.show_id, ref.location_id, ref.day)
        if (
            self.marks is not None
            and (
                self.marks.where.show_id,
                self.marks.where.room_id,
                self.marks.where.day,
            )
            == where
        ):
            return
        old = self.tabs.widget(self.marks_tab)
        self.marks = MarksList(self.sessions, self.identity, *where)
        self.marks.setObjectName("room_day_marks")
        self.marks.status.connect(self.status.setText)
        current = self.tabs.currentIndex()
        self.tabs.removeTab(self.marks_tab)
        self.marks_tab = self.tabs.insertTab(self.marks_tab, self.marks, "Marks")
        self.tabs.setCurrentIndex(current)
        if old is not None:
            old.deleteLater()

    def current_ref(self) -> RoomDayRef | None:
        index = self.picker.currentIndex()
        return self.refs[index] if 0 <= index < len(self.refs) else None

    # -- loading ------------------------------------------------------------------------
    def prefer(self, room_slug: str, day: date | None) -> None:
        """Show this room-day first when it is in the list (the open talk's)."""
        self._preferred = (room_slug, day)

    def reload(self) -> None:
        """Re-read the list of room-days, then the chosen one."""
        sessions, show_id = self.sessions, self.show_id

        def work() -> list[RoomDayRef]:
            with sessions() as session:
                return room_days(session, show_id)

        self.runner.submit(work, self._refs_loaded, self._failed)

    def refresh_after_scan(self, *_args: object) -> None:
        if self.isVisible():
            self.reload()

    def _refs_loaded(self, refs: list[RoomDayRef]) -> None:
        current = self.current_ref()
        self.refs = refs
        self.picker.blockSignals(True)
        self.picker.clear()
        for ref in refs:
            self.picker.addItem(ref.label)
        self.picker.blockSignals(False)
        want = 0
        slug, day = self._preferred
        if current is not None:
            slug, day = current.slug, current.day
        for i, ref in enumerate(refs):
            if ref.slug == slug and (day is None or ref.day == day):
                want = i
                break
        if not refs:
            self.summary.setText("No raw files with a start time in this show yet: scan first.")
            self._fill(None)
            return
        self.picker.setCurrentIndex(want)
        self._picked()

    def _picked(self, *_args: object) -> None:
        ref = self.current_ref()
        if ref is None:
            return
        self._show_marks(ref)
        sessions, show_id = self.sessions, self.show_id

        def work() -> RoomDay:
            with sessions() as session:
                return room_day(session, show_id, ref.location_id, ref.day)

        self.runner.submit(work, self._fill, self._failed)

    def _failed(self, exc: Exception) -> None:
        self.status.setText(f"Could not read the raw files: {exc}")

    def _fill(self, day: RoomDay | None) -> None:
        self.day = day
        self._filling = True
        try:
            rows = day.rows if day else []
            self.table.setRowCount(len(rows))
            for n, row in enumerate(rows):
                self._fill_row(n, row)
            self.table.resizeColumnsToContents()
            self.table.horizontalHeader().setSectionResizeMode(
                PROBLEMS, QHeaderView.ResizeMode.Stretch
            )
        finally:
            self._filling = False
        if day is not None:
            self.summary.setText(day.summary())
            self.setWindowTitle(window_title(f"{day.room}, {day.day:%Y-%m-%d} — raw files"))
        self.loaded.emit()

    def _fill_row(self, n: int, row: RawFileRow) -> None:
        problems = "; ".join(row.problems + row.notes)
        cells = (
            _time(row.start),
            _time(row.end),
            format_duration(row.duration) if row.duration is not None else "—",
            row.filename,
            _size(row.filesize),
            problems,
            "; ".join(row.talks),
        )
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setData(ROW_ID, row.raw_file_id)
            if col in (PROBLEMS, FILE) and text:
                item.setToolTip(tooltip(text))
            elif col == TALKS and text:
                item.setToolTip(tooltip(f"{text}\n(Enter or double-click: open in the editor)"))
            self.table.setItem(n, col, item)
        trash = QTableWidgetItem("")
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.editable:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        trash.setFlags(flags)
        trash.setCheckState(Qt.CheckState.Checked if row.trash else Qt.CheckState.Unchecked)
        trash.setData(ROW_ID, row.raw_file_id)
        self.table.setItem(n, TRASH, trash)
        comment = QTableWidgetItem(row.comment)
        if self.editable:
            comment.setFlags(flags | Qt.ItemFlag.ItemIsEditable)
        else:
            comment.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        comment.setData(ROW_ID, row.raw_file_id)
        self.table.setItem(n, COMMENT, comment)
        background = PROBLEM_BG if row.problems else NOTE_BG if row.notes else None
        for col in range(len(COLUMNS)):
            cell = self.table.item(n, col)
            if cell is None:
                continue
            if background is not None:
                cell.setBackground(QBrush(background))
            if row.trash:
                cell.setForeground(QBrush(TRASH_FG))

    def _activated(self, item: QTableWidgetItem) -> None:
        # Enter or a double click on a file's talks opens the first of them in the editor.
        if item.column() != TALKS or self.day is None:
            return
        row = next((r for r in self.day.rows if r.raw_file_id == item.data(ROW_ID)), None)
        if row is not None and row.talk_ids:
            self.talk_activated.emit(row.talk_ids[0])

    # -- trash and comment --------------------------------------------------------------
    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or self.day is None:
            return
        raw_file_id = int(item.data(ROW_ID))
        stored = next((r for r in self.day.rows if r.raw_file_id == raw_file_id), None)
        if stored is None:
            return
        if item.column() == TRASH:
            trash = item.checkState() == Qt.CheckState.Checked
            if trash != stored.trash:
                self.set_raw_file(raw_file_id, trash=trash)
        elif item.column() == COMMENT and item.text() != stored.comment:
            self.set_raw_file(raw_file_id, comment=item.text())

    def set_raw_file(self, raw_file_id: int, **change: Any) -> None:
        """Store trash and/or comment of one file (background); the list is read again."""
        sessions, identity = self.sessions, self.identity

        def work() -> RawFileRow:
            with sessions() as session, session.begin():
                return set_raw_file_service(session, raw_file_id, identity, **change)

        def done(row: RawFileRow) -> None:
            what = "trashed" if change.get("trash") else "comment saved"
            if change.get("trash") is False:
                what = "taken out of the trash"
            self.status.setText(f"{row.filename}: {what}")
            self.saved.emit(raw_file_id)
            self._picked()  # problems and totals change with trash

        def failed(exc: Exception) -> None:
            self.status.setText(f"Not saved: {exc}")
            self._picked()  # put back what the database holds

        self.status.setText("Saving…")
        self.runner.submit(work, done, failed)
