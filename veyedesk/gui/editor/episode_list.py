"""The episode list: a model/view table of a show's talks with filters (room, day, state, text)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from veyedesk.gui.widgets.safe_text import tooltip
from veyedesk.gui.widgets.table_model import FlatTableModel
from veyedesk.model.timecode import format_duration
from veyedesk.services.episodes import EpisodeRow

COLUMNS = ("Start", "Room", "Name", "State", "Locked by", "Scheduled", "Cuts", "Released")
ANY = "All"

# Background tint by workflow stage, so a glance down the list shows what needs doing.
STATE_COLOURS = {
    "borked": "#f4c7c3",
    "edit": "#fff2cc",
    "encode": "#cfe2f3",
    "review 1": "#e6d7f0",
    "review 2": "#e6d7f0",
    "done": "#d9ead3",
}
RELEASED = {None: "?", True: "yes", False: "no"}
# Veyepar's schedule grid coloured talks by released: green yes, red refused, amber unknown.
RELEASED_COLOURS = {True: "#b6d7a8", False: "#ea9999", None: "#ffe599"}
# The release filter's choices: (label, value); "held" = stopped before a public state.
HELD = "held"
RELEASE_FILTERS: tuple[tuple[str, object], ...] = (
    ("Released: yes", True),
    ("Released: no", False),
    ("Released: unknown", "unknown"),
    ("Held before publishing", HELD),
)
RELEASED_COLUMN = 7
# The Start column shows what an editor scans for, the weekday and time; the day filter
# and the tooltip give the date. The column is sized for the widest weekday's text.
SHORT_START, FULL_START = "%a %H:%M", "%A %d %B %Y %H:%M"
A_WEEK = [datetime(2026, 2, day, 20, 8).strftime(SHORT_START) for day in range(1, 8)]

Index = QModelIndex | QPersistentModelIndex
# A long show fills the list progressively: the first screenful at once (in the list's
# order), the rest in batches between events, so the window answers while it fills.
FIRST_ROWS = 300  # a few screenfuls
BATCH_ROWS = 1000


def _haystack(r: EpisodeRow, extra: str = "") -> str:
    # Case-folded once per load, so typing in the search box does not fold 5,000 names per key.
    # `extra`: the OCR text of the talk's recording sheets.
    return f"{r.name}\n{r.authors}\n{extra}".casefold()


class EpisodeTableModel(FlatTableModel):
    """The episodes as shown: filtered (room / day / state / text) and sorted, in Python.

    Filtering and sorting run as plain list operations over precomputed keys, then the
    view is reset; a QSortFilterProxyModel would call back into Python once per row and
    per comparison, which with 5,000 episodes is a visible pause on every key press.
    """

    columns = COLUMNS

    SORT_ROLE = Qt.ItemDataRole.UserRole + 1
    ID_ROLE = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._all: list[EpisodeRow] = []  # every row, in the current sort order
        self._haystacks: dict[int, str] = {}
        self._extra: dict[int, str] = {}  # episode id -> its sheets' OCR text
        self._rows: list[EpisodeRow] = []  # the rows that pass the filters
        self._sort: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.AscendingOrder)
        self.room: str | None = None
        self.day: date | None = None
        self.state: str | None = None
        self.released: object = None  # None = any; else a RELEASE_FILTERS value
        self.text = ""
        self._brushes = {k: QBrush(QColor(v)) for k, v in STATE_COLOURS.items()}
        self._released_brushes = {k: QBrush(QColor(v)) for k, v in RELEASED_COLOURS.items()}

    def set_rows(self, rows: list[EpisodeRow]) -> None:
        self._all = list(rows)
        self._haystacks = {r.id: _haystack(r, self._extra.get(r.id, "")) for r in rows}
        self._order()
        self._refilter()

    def set_extra_text(self, texts: dict[int, str]) -> None:
        """More searchable text per episode (its recording sheets' OCR text)."""
        self._extra = dict(texts)
        self._haystacks = {r.id: _haystack(r, self._extra.get(r.id, "")) for r in self._all}
        self._refilter()

    def set_filters(
        self,
        *,
        room: str | None,
        day: date | None,
        state: str | None,
        text: str,
        released: object = None,
    ) -> None:
        self.room, self.day, self.state, self.text = room, day, state, text.casefold().strip()
        self.released = released
        self._refilter()

    def _refilter(self) -> None:
        # Comprehensions with the tests inlined: no Python call per row, so 5,000 rows
        # filter in a few milliseconds.
        rows = self._all
        if self.room is not None:
            room = self.room
            rows = [r for r in rows if r.room == room]
        if self.state is not None:
            state = self.state
            rows = [r for r in rows if r.state == state]
        if self.released is not None:
            wanted = self.released
            if wanted == HELD:
                rows = [r for r in rows if r.hold]
            else:
                value = None if wanted == "unknown" else wanted
                rows = [r for r in rows if r.released is value]
        if self.day is not None:
            day = self.day
            rows = [r for r in rows if r.start is not None and r.start.date() == day]
        if self.text:
            text, hay = self.text, self._haystacks
            rows = [r for r in rows if text in hay[r.id]]
        self.beginResetModel()
        self._rows = rows if rows is not self._all else list(rows)
        self.endResetModel()

    def _order(self) -> None:
        self._all = self.in_order(self._all)

    def in_order(self, rows: list[EpisodeRow]) -> list[EpisodeRow]:
        """These rows in the list's current sort order."""
        column, order = self._sort
        return sorted(
            rows,
            key=lambda r: self._sort_key(r, column),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column < 0:
            return
        self._sort = (column, order)
        self._order()
        self._refilter()

    def row_at(self, row: int) -> EpisodeRow:
        return self._rows[row]

    def row_of(self, episode_id: int) -> int | None:
        """Shown row of an episode, or None when the filters hide it."""
        for n, r in enumerate(self._rows):
            if r.id == episode_id:
                return n
        return None

    def update_row(self, row: EpisodeRow) -> None:
        """Replace one episode's line (after a save or a lock change)."""
        self._all = [row if r.id == row.id else r for r in self._all]
        self._haystacks[row.id] = _haystack(row, self._extra.get(row.id, ""))
        n = self.row_of(row.id)
        if n is not None:
            self._rows[n] = row
            self.dataChanged.emit(self.index(n, 0), self.index(n, len(COLUMNS) - 1))

    def shown_rows(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == self.SORT_ROLE:
            return self._sort_key(r, col)
        if role == self.ID_ROLE:
            return r.id
        if role == Qt.ItemDataRole.BackgroundRole:
            if col == RELEASED_COLUMN:
                return self._released_brushes[r.released]
            return self._brushes.get(r.state)
        if role == Qt.ItemDataRole.ToolTipRole and col == 0 and r.start is not None:
            return r.start.strftime(FULL_START)
        if role == Qt.ItemDataRole.ToolTipRole and col == 2:
            return tooltip(f"{r.name}\n{r.authors}" if r.authors else r.name)
        if role == Qt.ItemDataRole.ToolTipRole and col in (3, RELEASED_COLUMN) and r.hold:
            return tooltip(f"{r.state}: {r.hold}")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (5, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(r: EpisodeRow, col: int) -> str:
        if col == 0:
            return r.start.strftime(SHORT_START) if r.start else ""
        return (
            r.room,
            r.name,
            r.state,
            r.locked_by,
            format_duration(r.duration),
            format_duration(r.cuts_time) if r.cuts_time else "",
            f"{RELEASED[r.released]}: {r.hold}" if r.hold else RELEASED[r.released],
        )[col - 1]

    @staticmethod
    def _sort_key(r: EpisodeRow, col: int) -> Any:
        if col == 0:
            return (r.start.isoformat() if r.start else "", r.room, r.id)
        if col == 3:
            return r.state_sequence
        if col == 5:
            return r.duration or 0.0
        if col == 6:
            return r.cuts_time
        if col == 7:
            return {None: 0, True: 1, False: 2}[r.released]
        return EpisodeTableModel._display(r, col).casefold()


class EpisodeListPanel(QWidget):
    """Filters above a sortable table; Enter or double-click emits `episode_activated(id)`."""

    episode_activated = Signal(int)
    episode_selected = Signal(int)  # the selected line changed (not opened)
    # The day a time typed alone means: the day filter's date, else the first day listed.
    day_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EpisodeTableModel(self)
        self._filling: _Fill | None = None
        # The rows as shown (filtered and sorted); the name is kept from when a proxy did it.
        self.proxy = self.model

        self.room_box = QComboBox()
        self.day_box = QComboBox()
        self.state_box = QComboBox()
        self.released_box = QComboBox()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, speakers or sheet text…")
        for widget, name in (
            (self.room_box, "room_filter"),
            (self.day_box, "day_filter"),
            (self.state_box, "state_filter"),
            (self.released_box, "released_filter"),
            (self.search, "search"),
        ):
            widget.setObjectName(name)
        self.search.setClearButtonEnabled(True)
        filters = QHBoxLayout()
        self._refill(self.released_box, "Any release", list(RELEASE_FILTERS))
        for w in (self.room_box, self.day_box, self.state_box, self.released_box):
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            # As wide as their text when there is room, narrower on a laptop's screen (a
            # minimum size overrides the contents' minimum); the popup shows whole names.
            w.setMinimumWidth(w.fontMetrics().horizontalAdvance("Any day") + 8)
            filters.addWidget(w)
            w.currentIndexChanged.connect(self._apply_filters)
        self.search.setMinimumWidth(self.search.fontMetrics().horizontalAdvance("Search…") + 40)
        filters.addWidget(self.search, 1)
        self.search.textChanged.connect(self._apply_filters)

        self.table = QTableView()
        self.table.setObjectName("episode_table")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for col, width in (
            (0, self._start_width()),
            (1, 80),
            (2, 240),
            (3, 60),
            (4, 100),
            (5, 64),
            (6, 64),
            (7, 90),
        ):
            self.table.setColumnWidth(col, width)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(filters)
        layout.addWidget(self.table)

    def _start_width(self) -> int:
        # The text plus the cell's margins on both sides (Qt: focus frame margin + 1 each).
        margin = self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
        metrics = self.table.fontMetrics()
        widest = max(metrics.horizontalAdvance(text) for text in A_WEEK)
        return max(80, widest + 2 * margin + 8)

    def set_rows(self, rows: list[EpisodeRow], states: list[str]) -> None:
        """Show these episodes; rebuild the filter choices from them, keeping the selections."""
        self._filling = None  # a fill still running is superseded
        self._show_rows(rows, states, rows)

    def fill(
        self, rows: list[EpisodeRow], states: list[str], then: Callable[[], None] | None = None
    ) -> None:
        """Show these episodes progressively, then call `then` with all of them listed.

        The first FIRST_ROWS in the list's order show at once, the rest join BATCH_ROWS at
        a time between events. The filter choices come from every row from the start, so
        a room or day picked earlier stays picked; filters and sort apply to each batch.
        A later fill() or set_rows() supersedes this one (its `then` is not called).
        """
        ordered = self.model.in_order(rows)
        if len(ordered) <= FIRST_ROWS:
            self.set_rows(ordered, states)
            if then is not None:
                then()
            return
        filling = _Fill(ordered, states, FIRST_ROWS, then)
        self._filling = filling
        self._show_rows(ordered[:FIRST_ROWS], states, ordered)
        QTimer.singleShot(0, lambda: self._fill_more(filling))

    def _fill_more(self, filling: _Fill) -> None:
        if self._filling is not filling:
            return
        filling.shown = min(len(filling.rows), filling.shown + BATCH_ROWS)
        self._show_rows(filling.rows[: filling.shown], filling.states, None)
        if filling.shown < len(filling.rows):
            QTimer.singleShot(0, lambda: self._fill_more(filling))
            return
        self._filling = None
        if filling.then is not None:
            filling.then()

    @property
    def filling(self) -> bool:
        """True while a fill() has rows still to add."""
        return self._filling is not None

    def _show_rows(
        self, rows: list[EpisodeRow], states: list[str], choices: list[EpisodeRow] | None
    ) -> None:
        # `choices`: the rows the filter boxes offer (None: as they are).
        selected = self.selected_id()  # a reset clears the selection: the line stays picked
        self.model.set_rows(rows)
        if selected is not None:
            self.select_episode(selected)
        if choices is None:
            self._apply_filters()
            return
        rooms = sorted({r.room for r in choices if r.room})
        days = sorted({r.start.date() for r in choices if r.start})
        self._refill(self.room_box, "All rooms", [(room, room) for room in rooms])
        self._refill(self.day_box, "All days", [(d.strftime("%a %d %b"), d) for d in days])
        self._refill(self.state_box, "All states", [(s, s) for s in states])
        self._apply_filters()

    @staticmethod
    def _refill(box: QComboBox, label: str, items: list[tuple[str, Any]]) -> None:
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(label, None)
        for text, value in items:
            box.addItem(text, value)
        # By equality, not findData: findData never matches a Python date, so the day
        # filter fell back to "All days" whenever the list was re-read.
        index = next((n for n in range(1, box.count()) if box.itemData(n) == current), 0)
        box.setCurrentIndex(index)
        box.blockSignals(False)

    def _apply_filters(self) -> None:
        selected = self.selected_id()
        self.model.set_filters(
            room=self.room_box.currentData(),
            day=self.day_box.currentData(),
            state=self.state_box.currentData(),
            text=self.search.text(),
            released=self.released_box.currentData(),
        )
        if selected is not None:
            self.select_episode(selected)
        self.day_changed.emit(self.shown_day())

    def shown_day(self) -> date | None:
        """The day the filter picks, else the first day of the listed talks (None: no talks)."""
        day = self.day_box.currentData()
        if day is None and self.day_box.count() > 1:
            day = self.day_box.itemData(1)  # days are listed in order after "All days"
        return day if isinstance(day, date) else None

    def filter_state(self, state: str | None) -> None:
        """Show only the talks in `state` (None: every state), as the Pipeline view asks."""
        index = self.state_box.findData(state) if state is not None else 0
        if state is not None and index < 0:
            # No talk is in it yet: add it, so the filter still says what it shows.
            self.state_box.addItem(state, state)
            index = self.state_box.count() - 1
        self.state_box.setCurrentIndex(index)

    def selected_id(self) -> int | None:
        """The episode of the selected line, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()).id if rows else None

    def shown(self) -> list[EpisodeRow]:
        """The rows as shown (filtered and sorted)."""
        return [self.model.row_at(n) for n in range(self.model.shown_rows())]

    def visible_ids(self) -> list[int]:
        """Episode ids in the order shown."""
        return [r.id for r in self.shown()]

    def select_episode(self, episode_id: int) -> None:
        """Highlight an episode's line (if the filters show it) without opening it."""
        n = self.model.row_of(episode_id)
        if n is not None:
            self.table.selectRow(n)
            self.table.scrollTo(self.model.index(n, 0))

    def set_extra_text(self, texts: dict[int, str]) -> None:
        """Searchable text beyond the columns: each talk's recording sheets' OCR text."""
        self.model.set_extra_text(texts)

    def update_row(self, row: EpisodeRow) -> None:
        self.model.update_row(row)
        if self._filling is not None:  # the batches still to come carry it as it is now
            self._filling.rows = [row if r.id == row.id else r for r in self._filling.rows]

    def _selection_changed(self, *_args: object) -> None:
        episode_id = self.selected_id()
        if episode_id is not None:
            self.episode_selected.emit(episode_id)

    def _activated(self, index: QModelIndex) -> None:
        self.episode_activated.emit(index.data(EpisodeTableModel.ID_ROLE))


class _Fill:
    """A fill() under way: every row (in order), how many are shown, what to call at the end."""

    def __init__(
        self,
        rows: list[EpisodeRow],
        states: list[str],
        shown: int,
        then: Callable[[], None] | None,
    ) -> None:
        self.rows, self.states, self.shown, self.then = rows, states, shown, then
