"""The Pipeline view: a show's states with their kind, public flag and talk counts.

Veyepar's show_pipeline as a dock: one line per state (person / pass / command / encode,
public or not, how many talks are in it and how many of those a release hold keeps back).
Clicking a state filters the episode list to it (`state_selected`); "All states" clears
the filter. Counts are read on the thread pool, on show change and every few seconds
while the view is visible, since workers on other machines move talks all the time.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.safe_text import plain_label, tooltip
from veyedesk.gui.widgets.table_model import FlatTableModel
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.model.pipeline import StateKind
from veyedesk.services.pipeline import PipelineView, StageRow, show_pipeline

COLUMNS = ("State", "Kind", "Public", "Talks", "Held", "Command")
POLL_MS = 5000
KIND_COLOURS: dict[str, str] = {  # by StateKind (a str), as StageRow.kind holds it
    StateKind.PERSON: "#fff2cc",  # waits for someone
    StateKind.COMMAND: "#cfe2f3",  # a worker runs it
    StateKind.ENCODE: "#cfe2f3",
    StateKind.PASS: "#eeeeee",  # moves straight on
    StateKind.PUBLISH: "#d9ead3",  # a worker publishes it to the show's targets
}
KIND_HELP: dict[str, str] = {
    StateKind.PERSON: "someone moves the talk on (edit, review)",
    StateKind.COMMAND: "a worker runs the state's command, then the talk moves on",
    StateKind.ENCODE: "a worker encodes the talk, then it moves on",
    StateKind.PASS: "nothing to do: a talk entering it moves straight on (logged)",
    StateKind.PUBLISH: "a worker publishes the talk to the show's targets, then it moves on",
}
HELD_COLOUR = "#b00020"

Index = QModelIndex | QPersistentModelIndex


class StageTableModel(FlatTableModel):
    """One row per state of the show, in workflow order."""

    columns = COLUMNS
    SLUG_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stages: list[StageRow] = []
        self._kind_brushes = {k: QBrush(QColor(v)) for k, v in KIND_COLOURS.items()}
        self._bold = QFont()
        self._bold.setBold(True)

    def set_stages(self, stages: list[StageRow]) -> None:
        if [s.state for s in stages] == [s.state for s in self.stages]:
            self.stages = stages  # same states: update in place, keeping the selection
            if stages:
                self.dataChanged.emit(self.index(0, 0), self.index(len(stages) - 1, 5))
            return
        self.beginResetModel()
        self.stages = stages
        self.endResetModel()

    def shown_rows(self) -> int:
        return len(self.stages)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        s = self.stages[index.row()]
        col = index.column()
        if role == self.SLUG_ROLE:
            return s.state
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                s.state,
                s.kind,
                "public" if s.public else "",
                str(s.talks) if s.talks else "",
                str(s.held) if s.held else "",
                s.command,
            )[col]
        if role == Qt.ItemDataRole.BackgroundRole and col == 1:
            return self._kind_brushes.get(s.kind)
        if role == Qt.ItemDataRole.ForegroundRole and col == 4 and s.held:
            return QColor(HELD_COLOUR)
        if role == Qt.ItemDataRole.FontRole and col == 3 and s.talks:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{s.state}: {KIND_HELP.get(s.kind, s.kind)}"]
            if s.public:
                lines.append("public: a talk whose speaker refused release never enters it")
            if s.held:
                lines.append(f"{s.held} talk(s) here wait before a public state (released)")
            if s.command:
                lines.append(f"runs: {s.command}")
            if not s.customised:
                lines.append("(this show's default)")
            return tooltip("\n".join(lines))
        return None


class PipelinePanel(QWidget):
    """The show's pipeline; a click on a state emits `state_selected(slug)` (None = all)."""

    state_selected = Signal(object)

    def __init__(self, sessions: SessionFactory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sessions = sessions
        self.runner = BackgroundRunner(self)
        self.show_id: int | None = None
        self._loading = False

        self.summary = plain_label()
        self.summary.setObjectName("pipeline_summary")
        self.summary.setWordWrap(True)
        self.all_button = QPushButton("All states")
        self.all_button.setObjectName("pipeline_all_states")
        self.all_button.clicked.connect(self._show_all)

        self.model = StageTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("pipeline_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(20)
        header = self.table.horizontalHeader()
        for col, width in ((0, 100), (1, 70), (2, 52), (3, 46), (4, 40)):
            self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.clicked.connect(self._clicked)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    def load(self, show_id: int) -> None:
        """Show this show's pipeline (read in the background)."""
        self.show_id = show_id
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        """Read the counts again (skipped while hidden or while a read is running)."""
        show_id = self.show_id
        if show_id is None or self._loading or (not force and not self.isVisible()):
            return
        self._loading = True

        def read() -> PipelineView:
            with self.sessions() as session:
                return show_pipeline(session, show_id)

        self.runner.submit(read, self._loaded, self._failed)

    def _loaded(self, view: PipelineView) -> None:
        self._loading = False
        if view.show_id != self.show_id:
            self.refresh(force=True)
            return
        self.model.set_stages(list(view.stages))
        timeout = view.review_timeout_days
        talks = sum(s.talks for s in view.stages) + view.no_state
        held = sum(s.held for s in view.stages)
        self.summary.setText(
            f"{talks} talks · {held} held before publishing · Unknown publishes: "
            f"{'yes' if view.unknown_publishes else 'no'} · review 2 timeout: "
            + (f"{timeout} days" if timeout else "never")
        )

    def _failed(self, exc: Exception) -> None:
        self._loading = False
        self.summary.setText(f"Could not read the pipeline: {exc}")

    def _clicked(self, index: QModelIndex) -> None:
        self.state_selected.emit(index.data(StageTableModel.SLUG_ROLE))

    def _show_all(self) -> None:
        self.table.clearSelection()
        self.state_selected.emit(None)
