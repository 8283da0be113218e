"""A room-day's marks: kind, time, who, machine, note; move, re-kind, annotate, delete, undo.

Self-contained: give it a SessionFactory, the acting identity, the show, room and day. The
Mark window records presses through it (`record`), so presses and corrections share one
undo stack and one writer thread: every change is its own committed transaction, run one
after another off the GUI thread, and the list reloads from the database after each.

Undo works on the database, not on a copy: undoing a press deletes the mark, redoing it
puts back the same UUID (a venue sync knows marks by UUID), undoing a delete restores it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtGui import QBrush, QKeySequence, QShortcut, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.gui.player.timeline_paint import MARK_STYLES
from veyedesk.gui.widgets import safe_text
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.model.base import new_uuid
from veyedesk.model.kinds import MarkKind
from veyedesk.model.timecode import format_wall
from veyedesk.services import editing
from veyedesk.services.editing import MarkRow
from veyedesk.services.errors import InvalidInput
from veyedesk.services.identity import Identity

KIND_LABELS = {MarkKind.START: "Talk starts", MarkKind.END: "Talk ends", MarkKind.CUT: "Cut here"}
COLUMNS = ("Time", "Kind", "Who", "Machine", "Note")
NUDGE = timedelta(seconds=1)


@dataclass(frozen=True)
class RoomDay:
    """Which marks the list holds."""

    show_id: int
    room_id: int
    day: date


class MarkWriter(QObject):
    """Runs mark changes one after another on a thread of their own, each committed.

    After every change the room-day's marks are read back in the same session, so the
    list always shows what the database holds.
    """

    rows_ready = Signal(object)  # list[MarkRow]
    failed = Signal(str)

    def __init__(self, sessions: SessionFactory, where: RoomDay, parent: QObject) -> None:
        super().__init__(parent)
        self.sessions = sessions
        self.where = where
        self._pool = QThreadPool(self)
        # One at a time: the order of presses and undos is the order of the writes.
        self._pool.setMaxThreadCount(1)
        self._runner = BackgroundRunner(self, self._pool)

    def submit(self, change: Callable[[Any], object] | None) -> None:
        """Run `change(session)` (None: only reload) and commit; then publish the rows."""
        where, sessions = self.where, self.sessions

        def work() -> list[MarkRow]:
            return editing.write_marks(sessions, change, where.room_id, where.day)

        self._runner.submit(work, self._delivered(where), self._failed)

    def _delivered(self, where: RoomDay) -> Callable[[list[MarkRow]], None]:
        def deliver(rows: list[MarkRow]) -> None:
            if where == self.where:  # not a day the list has already left
                self.rows_ready.emit(rows)

        return deliver

    def _failed(self, exc: Exception) -> None:
        self.failed.emit(f"Mark not saved: {exc}")
        self.submit(None)

    @property
    def busy(self) -> bool:
        return self._runner.busy

    def wait(self, msecs: int = 5000) -> bool:
        return self._pool.waitForDone(msecs)


class _Change(QUndoCommand):
    """One mark change as an undo command; `do`/`undo` run on the writer thread."""

    def __init__(
        self,
        writer: MarkWriter,
        text: str,
        do: Callable[[Any], object],
        undo: Callable[[Any], object],
    ) -> None:
        super().__init__(text)
        self._writer, self._do, self._undo = writer, do, undo

    def redo(self) -> None:
        self._writer.submit(self._do)

    def undo(self) -> None:
        self._writer.submit(self._undo)


class _Press:
    """Record a press, then undo = delete and redo = restore the same UUID."""

    def __init__(self, who: Identity, where: RoomDay, kind: str, at: datetime, **kw: Any) -> None:
        self.who, self.where, self.kind, self.at, self.kw = who, where, kind, at, kw
        self.uuid = new_uuid()
        self.row: MarkRow | None = None  # set on the writer thread by the first `do`

    def do(self, session: Any) -> None:
        if self.row is None:
            self.row = editing.record_mark(
                session,
                self.who,
                self.where.show_id,
                self.where.room_id,
                self.kind,
                self.at,
                uuid=self.uuid,
                **self.kw,
            )
        else:
            editing.restore_mark(session, self.who, self.row)

    def undo(self, session: Any) -> None:
        self.row = editing.delete_mark(session, self.who, self.uuid)


class _Edit:
    """Change one mark (`apply(session) -> before`); undo puts back what it replaced."""

    def __init__(self, who: Identity, apply: Callable[[Any], MarkRow]) -> None:
        self.who, self.apply = who, apply
        self.before: MarkRow | None = None

    def do(self, session: Any) -> None:
        before = self.apply(session)
        if self.before is None:
            self.before = before

    def undo(self, session: Any) -> None:
        if self.before is not None:
            editing.update_mark(session, self.who, self.before)


class _Delete:
    def __init__(self, who: Identity, uuid: str) -> None:
        self.who, self.uuid = who, uuid
        self.row: MarkRow | None = None

    def do(self, session: Any) -> None:
        self.row = editing.delete_mark(session, self.who, self.uuid)

    def undo(self, session: Any) -> None:
        if self.row is not None:
            editing.restore_mark(session, self.who, self.row)


class MarksList(QWidget):
    """The marks of one room on one day, correctable and undoable."""

    status = Signal(str)
    rows_changed = Signal(object)  # list[MarkRow], after every reload

    def __init__(
        self,
        sessions: SessionFactory,
        identity: Identity,
        show_id: int,
        room_id: int,
        day: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.identity = identity
        self.where = RoomDay(show_id, room_id, day)
        self.rows: list[MarkRow] = []
        self.undo_stack = QUndoStack(self)
        self.writer = MarkWriter(sessions, self.where, self)
        self.writer.rows_ready.connect(self._set_rows)
        self.writer.failed.connect(self.status)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("marks_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda *_: self.edit_note())

        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for name, text, slot, tip in (
            ("earlier", "◀ 1 s", lambda: self.nudge(-NUDGE), "Move the mark 1 s earlier"),
            ("later", "1 s ▶", lambda: self.nudge(NUDGE), "Move the mark 1 s later"),
            ("time", "Time…", self.edit_time, "Type the mark's time (recorder clock)"),
            ("start", "Starts", lambda: self.set_kind(MarkKind.START), "Make it Talk starts"),
            ("end", "Ends", lambda: self.set_kind(MarkKind.END), "Make it Talk ends"),
            ("cut", "Cut", lambda: self.set_kind(MarkKind.CUT), "Make it Cut here"),
            ("note", "Note…", self.edit_note, "Edit the mark's note"),
            ("delete", "Delete", self.delete, "Delete the mark (Del); Ctrl+Z brings it back"),
        ):
            button = QPushButton(text)
            button.setObjectName(f"marks_{name}")
            button.setToolTip(safe_text.tooltip(tip))
            button.clicked.connect(slot)
            bar.addWidget(button)
            self.buttons[name] = button
        bar.addStretch(1)
        for name, text, slot, changed, can in (
            (
                "undo",
                "Undo",
                self.undo_stack.undo,
                self.undo_stack.canUndoChanged,
                self.undo_stack.canUndo,
            ),
            (
                "redo",
                "Redo",
                self.undo_stack.redo,
                self.undo_stack.canRedoChanged,
                self.undo_stack.canRedo,
            ),
        ):
            button = QPushButton(text)
            button.setObjectName(f"marks_{name}")
            button.clicked.connect(slot)
            changed.connect(button.setEnabled)
            button.setEnabled(can())
            bar.addWidget(button)
            self.buttons[name] = button
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        delete.activated.connect(self.delete)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)
        self._selection_changed()
        self.reload()

    # -- data ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the room-day's marks again (someone else may have marked too)."""
        self.writer.submit(None)

    def set_day(self, day: date) -> None:
        """Show another day of the same room (the Mark window moves on at midnight)."""
        if day == self.where.day:
            return
        self.where = RoomDay(self.where.show_id, self.where.room_id, day)
        self.writer.where = self.where
        self.undo_stack.clear()
        self.reload()

    def record(
        self, kind: str, machine_clock: datetime, *, offset_s: float = 0.0, note: str = ""
    ) -> None:
        """Store a press (committed at once, on the writer thread), as one undoable step."""
        if not self.identity.can("edit"):
            self.status.emit(f"{self.identity.name} ({self.identity.role}) may not mark")
            return
        press = _Press(self.identity, self.where, kind, machine_clock, offset_s=offset_s, note=note)
        label = f"{KIND_LABELS[MarkKind(kind)]} at {format_wall(machine_clock)}"
        self.undo_stack.push(_Change(self.writer, label, press.do, press.undo))

    def selected(self) -> MarkRow | None:
        """The mark whose row is selected."""
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()]

    def select_uuid(self, uuid: str) -> None:
        for n, row in enumerate(self.rows):
            if row.uuid == uuid:
                self.table.selectRow(n)
                return

    def wait(self) -> None:
        """Block until every submitted write is done (tests, closing)."""
        self.writer.wait()

    # -- corrections --------------------------------------------------------------------
    def _edit(self, text: str, apply: Callable[[Any], MarkRow]) -> None:
        edit = _Edit(self.identity, apply)
        self.undo_stack.push(_Change(self.writer, text, edit.do, edit.undo))

    def move_to(self, uuid: str, click: datetime) -> None:
        """Put the mark at `click` (recorder clock), as one undoable step."""
        who = self.identity
        self._edit(
            f"Move mark to {format_wall(click)}",
            lambda s: editing.move_mark(s, who, uuid, click),
        )

    def nudge(self, by: timedelta) -> None:
        """Move the selected mark by `by` (relative to where the database has it)."""
        row = self.selected()
        if row is None:
            return
        who, uuid = self.identity, row.uuid
        self._edit(
            f"Move mark {by.total_seconds():+g} s",
            lambda s: editing.nudge_mark(s, who, uuid, by),
        )

    def edit_time(self) -> None:
        row = self.selected()
        if row is None:
            return
        text, ok = QInputDialog.getText(
            self,
            "Mark time",
            "Time of the mark on the recorder's clock (HH:MM:SS):",
            QLineEdit.EchoMode.Normal,
            row.click.strftime("%H:%M:%S.%f")[:-3],
        )
        if not ok:
            return
        try:
            moment = editing.parse_time_of_day(text)
        except InvalidInput as exc:
            self.status.emit(str(exc))
            return
        self.move_to(row.uuid, datetime.combine(row.click.date(), moment))

    def set_kind(self, kind: MarkKind) -> None:
        row = self.selected()
        if row is None or row.kind == kind:
            return
        who, uuid = self.identity, row.uuid
        self._edit(
            f"Make mark {KIND_LABELS[kind]}",
            lambda s: editing.change_kind(s, who, uuid, kind),
        )

    def set_note(self, uuid: str, note: str) -> None:
        who = self.identity
        self._edit("Edit mark note", lambda s: editing.edit_note(s, who, uuid, note))

    def edit_note(self) -> None:
        row = self.selected()
        if row is None or not self.identity.can("edit"):
            return
        text, ok = QInputDialog.getText(
            self, "Mark note", "Note:", QLineEdit.EchoMode.Normal, row.note
        )
        if ok and text != row.note:
            self.set_note(row.uuid, text)

    def delete(self) -> None:
        row = self.selected()
        if row is None or not self.identity.can("edit"):
            return
        gone = _Delete(self.identity, row.uuid)
        text = f"Delete {KIND_LABELS[row.kind]} at {format_wall(row.click)}"
        self.undo_stack.push(_Change(self.writer, text, gone.do, gone.undo))

    # -- view ---------------------------------------------------------------------------
    def _set_rows(self, rows: list[MarkRow]) -> None:
        keep = self.selected()
        self.rows = rows
        self.table.setRowCount(len(rows))
        for n, row in enumerate(rows):
            color, _shape, _legend = MARK_STYLES[row.kind]
            cells = (
                format_wall(row.click),
                KIND_LABELS[row.kind],
                row.who,
                row.machine,
                row.note,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)  # items are plain text
                if column == 1:
                    # Darker than on the timeline: it is text on a light table.
                    item.setForeground(QBrush(color.darker(160)))
                if column == 0:
                    offset = (
                        f"; clock offset {row.clock_offset_s:+.3f} s" if row.clock_offset_s else ""
                    )
                    item.setToolTip(safe_text.tooltip(f"{row.click:%H:%M:%S.%f}"[:-3] + offset))
                self.table.setItem(n, column, item)
        if keep is not None:
            self.select_uuid(keep.uuid)
        if self.selected() is None and rows:
            self.table.scrollToBottom()
        self._selection_changed()
        self.rows_changed.emit(rows)

    def _selection_changed(self) -> None:
        can = self.identity.can("edit")
        chosen = self.selected() is not None
        for name, button in self.buttons.items():
            if name not in ("undo", "redo"):
                button.setEnabled(can and chosen)
