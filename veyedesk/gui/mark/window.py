"""The Mark window: a volunteer in the room presses when a talk starts, ends, or to cut.

Made for a laptop on a chair at the back of the room, with a presentation clicker in
hand: three big buttons, keys a clicker sends (PageUp, PageDown, B or .), the talk on now
and the next one from the schedule, a note for the next press, and today's marks with
corrections (move, kind, note, delete) and undo. Every press is committed at once on the
database it was opened on, which may be a plain local SQLite with no network.

The recorder's clock is the one that counts (raw files are named by it): "Align with the
recorder" takes the time the recorder shows, stores the difference from this machine's
clock, and every later press is stored on the recorder's clock with that offset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.errors import UserError
from veyedesk.gui.mark.marks_list import KIND_LABELS, MarksList
from veyedesk.gui.player.timeline_paint import MARK_STYLES
from veyedesk.gui.widgets import safe_text
from veyedesk.gui.widgets.screen_fit import fit_to_screen
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.model.kinds import MarkKind
from veyedesk.model.timecode import format_wall
from veyedesk.services import editing
from veyedesk.services.editing import RoomInfo, Talk
from veyedesk.services.identity import Identity


@dataclass(frozen=True)
class MarkKey:
    """Keys that record one kind of mark, and why those keys."""

    kind: MarkKind
    keys: tuple[str, ...]
    why: str


# Presentation clickers send PageUp (back), PageDown (forward) and B or . (blank the
# screen); S/E/C are for a plain keyboard. Letters do not fire while the note is typed.
MARK_KEYS: tuple[MarkKey, ...] = (
    MarkKey(MarkKind.START, ("PgUp", "S"), "clicker ◀ back"),
    MarkKey(MarkKind.END, ("PgDown", "E"), "clicker ▶ forward"),
    MarkKey(MarkKind.CUT, ("B", ".", "C"), "clicker blank-screen button"),
)
OTHER_KEYS: tuple[tuple[str, str], ...] = (
    ("N", "Type a note for the next mark (Enter returns to marking)"),
    ("Ctrl+Z", "Undo the last press or correction"),
    ("Ctrl+Shift+Z / Ctrl+Y", "Redo"),
    ("Del", "Delete the selected mark"),
    ("Ctrl+L", "Align with the recorder's clock"),
    ("F1", "This key map"),
)
TALK_REFRESH_MS = 5 * 60 * 1000


def key_map_lines() -> list[tuple[str, str]]:
    """(keys, action) rows of the Mark window's key map, for the window and its help."""
    native = QKeySequence.SequenceFormat.NativeText
    rows = [
        (
            " / ".join(QKeySequence(k).toString(native) or k for k in entry.keys),
            f"{KIND_LABELS[entry.kind]} ({entry.why})",
        )
        for entry in MARK_KEYS
    ]
    return rows + list(OTHER_KEYS)


class KeyMapDialog(QDialog):
    """Help ▸ Keyboard of the Mark window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mark window keys")
        rows = key_map_lines()
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for n, (keys, text) in enumerate(rows):
            self.table.setItem(n, 0, QTableWidgetItem(keys))
            self.table.setItem(n, 1, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 320)


def _talk_line(prefix: str, talk: Talk | None, empty: str) -> str:
    if talk is None:
        return f"{prefix}: {empty}"
    who = f" — {talk.authors}" if talk.authors else ""
    return f"{prefix} {format_wall(talk.start)}–{format_wall(talk.end)}: {talk.name}{who}"


class MarkWindow(QMainWindow):
    """Live marking for one room of one show."""

    # The room's marks changed (a press, a correction, an undo): its slug. An editor of
    # the same process showing a talk of that room reloads its marks (main_window.py).
    marks_changed = Signal(str)

    def __init__(
        self,
        sessions: SessionFactory,
        identity: Identity,
        room: RoomInfo,
        parent: QWidget | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self.sessions = sessions
        self.identity = identity
        self.room = room
        self.machine = editing.machine_name()
        # This machine's clock as venue wall clock; tests give a clock of their own.
        self.clock = clock or (lambda: editing.venue_now(room.timezone))
        self.offset_s = 0.0
        self.talks: list[Talk] = []
        self._talks_day: date | None = None
        self._reads = BackgroundRunner(self)
        self.setObjectName("mark_window")
        self.setWindowTitle(safe_text.window_title(f"Mark — {room.room_name} — {room.show_name}"))

        self.clock_label = safe_text.plain_label()
        self.clock_label.setObjectName("recorder_clock")
        self.clock_label.setToolTip(safe_text.tooltip("The recorder's clock, as marks store it"))
        big = QFont(self.clock_label.font())
        big.setPointSizeF(big.pointSizeF() * 2.6)
        big.setBold(True)
        self.clock_label.setFont(big)
        self.offset_label = safe_text.plain_label()
        self.offset_label.setObjectName("clock_offset")
        align = QPushButton("Align with the recorder…")
        align.setObjectName("align")
        align.clicked.connect(self.ask_alignment)
        self.now_label = safe_text.plain_label()
        self.now_label.setObjectName("talk_now")
        self.next_label = safe_text.plain_label()
        self.next_label.setObjectName("talk_next")
        for label in (self.now_label, self.next_label):
            label.setWordWrap(True)
        bold = QFont(self.now_label.font())
        bold.setPointSizeF(bold.pointSizeF() * 1.3)
        bold.setBold(True)
        self.now_label.setFont(bold)

        self.kind_buttons: dict[MarkKind, QPushButton] = {}
        buttons = QGridLayout()
        for column, entry in enumerate(MARK_KEYS):
            color = MARK_STYLES[entry.kind][0]
            keys = " / ".join(entry.keys)
            button = QPushButton(f"{KIND_LABELS[entry.kind]}\n{keys}")
            button.setObjectName(f"mark_{entry.kind.value}")
            button.setMinimumHeight(110)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            font = QFont(button.font())
            font.setPointSizeF(font.pointSizeF() * 1.8)
            font.setBold(True)
            button.setFont(font)
            button.setStyleSheet(
                f"QPushButton {{ background: {color.darker(170).name()}; color: white; "
                f"border: 3px solid {color.name()}; border-radius: 8px; }}"
                f"QPushButton:pressed {{ background: {color.name()}; color: black; }}"
                "QPushButton:disabled { background: #444; color: #999; border-color: #666; }"
            )
            button.clicked.connect(lambda _=False, k=entry.kind: self.press(k))
            buttons.addWidget(button, 0, column)
            self.kind_buttons[entry.kind] = button

        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("mark_note")
        self.note_edit.setPlaceholderText(
            "Note for the next mark (optional; N to type, Enter to go back to marking)"
        )
        self.note_edit.returnPressed.connect(self._leave_note)
        self.key_help = safe_text.plain_label(
            "Keys: "
            + " · ".join(f"{keys}: {text}" for keys, text in key_map_lines()[: len(MARK_KEYS)])
        )
        self.key_help.setObjectName("key_help")
        self.key_help.setWordWrap(True)

        self.marks = MarksList(sessions, identity, room.show_id, room.room_id, self.today(), self)
        self.marks.status.connect(self._status)
        self._seen_marks: list[object] | None = None
        self.marks.rows_changed.connect(self._marks_read)

        top = QHBoxLayout()
        top.addWidget(self.clock_label)
        clock_side = QVBoxLayout()
        clock_side.addWidget(safe_text.plain_label(f"{room.room_name} · {room.show_name}"))
        clock_side.addWidget(self.offset_label)
        clock_side.addWidget(align, 0, Qt.AlignmentFlag.AlignLeft)
        top.addLayout(clock_side, 1)
        central = self._central = QWidget()
        # Focus rests here between presses, where every key reaches the shortcuts.
        central.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(self.now_label)
        layout.addWidget(self.next_label)
        layout.addLayout(buttons)
        layout.addWidget(self.note_edit)
        layout.addWidget(self.key_help)
        layout.addWidget(QLabel("Today's marks in this room (recorder clock):"))
        layout.addWidget(self.marks, 1)
        self.setCentralWidget(central)
        self._build_actions()
        if not identity.can("edit"):
            for button in self.kind_buttons.values():
                button.setEnabled(False)
            self._status(f"{identity.name} ({identity.role}) may look at marks but not mark")

        self._tick = QTimer(self)
        self._tick.timeout.connect(self._update_clock)
        self._tick.start(250)
        self._talk_timer = QTimer(self)
        self._talk_timer.timeout.connect(self.reload_talks)
        self._talk_timer.start(TALK_REFRESH_MS)
        self._restore_offset()
        self.reload_talks()
        self._update_clock()
        central.setFocus()
        fit_to_screen(self, 980, 760)  # or less on a small screen

    # -- set-up -------------------------------------------------------------------------
    def _build_actions(self) -> None:
        context = Qt.ShortcutContext.WindowShortcut
        for entry in MARK_KEYS:
            action = QAction(KIND_LABELS[entry.kind], self)
            action.setObjectName(f"press_{entry.kind.value}")
            action.setShortcuts([QKeySequence(k) for k in entry.keys])
            action.setShortcutContext(context)
            action.triggered.connect(lambda _=False, k=entry.kind: self.press(k))
            self.addAction(action)
        undo = self.marks.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence("Ctrl+Z"))
        redo = self.marks.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        note = QAction("Type a &note", self)
        note.setShortcut(QKeySequence("N"))
        note.triggered.connect(self.note_edit.setFocus)
        align = QAction("&Align with the recorder…", self)
        align.setShortcut(QKeySequence("Ctrl+L"))
        align.triggered.connect(self.ask_alignment)
        keys = QAction("&Keyboard", self)
        keys.setShortcut(QKeySequence("F1"))
        keys.triggered.connect(lambda: KeyMapDialog(self).exec())
        close = QAction("&Close", self)
        close.setShortcut(QKeySequence.StandardKey.Close)
        close.triggered.connect(self.close)
        for action in (undo, redo, note, align, keys, close):
            action.setShortcutContext(context)
            self.addAction(action)
        mark_menu = self.menuBar().addMenu("&Mark")
        for action in self.actions()[: len(MARK_KEYS)]:
            mark_menu.addAction(action)
        mark_menu.addSeparator()
        mark_menu.addAction(note)
        mark_menu.addAction(align)
        mark_menu.addSeparator()
        mark_menu.addAction(close)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addAction(undo)
        edit_menu.addAction(redo)
        self.menuBar().addMenu("&Help").addAction(keys)

    def _restore_offset(self) -> None:
        saved = QSettings().value(self._offset_key())
        if saved is not None:
            self.set_offset(float(saved), remember=False)
            return
        room_id, machine = self.room.room_id, self.machine

        def read() -> float | None:
            with self.sessions() as session:
                return editing.last_offset(session, room_id, machine)

        def found(offset: float | None) -> None:
            if offset is not None and QSettings().value(self._offset_key()) is None:
                self.set_offset(offset, remember=False)

        self._reads.submit(read, found, lambda exc: self._status(str(exc)))

    def _offset_key(self) -> str:
        return f"mark/offset/{self.room.client_slug}/{self.room.show_slug}/{self.room.room_slug}"

    # -- clock --------------------------------------------------------------------------
    def recorder_now(self) -> datetime:
        """What the recorder's clock reads now: this machine's clock plus the offset."""
        return self.clock() + timedelta(seconds=self.offset_s)

    def today(self) -> date:
        return self.recorder_now().date()

    def set_offset(self, offset_s: float, remember: bool = True) -> None:
        """Use `offset_s` (recorder − machine) for every later mark, and show it."""
        self.offset_s = offset_s
        if remember:
            QSettings().setValue(self._offset_key(), offset_s)
        if offset_s:
            side = "ahead of" if offset_s > 0 else "behind"
            text = f"Recorder clock is {abs(offset_s):.1f} s {side} this machine's; marks use it."
        else:
            text = "Recorder clock = this machine's clock (not aligned yet)."
        self.offset_label.setText(text)
        self._update_clock()

    def align(self, recorder_shows: str) -> None:
        """The recorder's clock shows `recorder_shows` (HH:MM:SS) right now: store the offset."""
        machine_now = self.clock()  # read first: the moment the volunteer pressed
        try:
            shows = editing.parse_time_of_day(recorder_shows)
        except UserError as exc:
            self._status(str(exc))
            return
        self.set_offset(editing.alignment_offset(shows, machine_now))
        self._status(f"Aligned: recorder clock offset {self.offset_s:+.1f} s")

    def ask_alignment(self) -> None:
        suggested = (self.recorder_now() + timedelta(seconds=10)).strftime("%H:%M:%S")
        text, ok = QInputDialog.getText(
            self,
            "Align with the recorder",
            "Type a time the recorder's on-screen clock will show (HH:MM:SS),\n"
            "then press Enter at the moment it shows it:",
            QLineEdit.EchoMode.Normal,
            suggested,
        )
        if ok:
            self.align(text)

    def _update_clock(self) -> None:
        now = self.recorder_now()
        self.clock_label.setText(format_wall(now))
        if now.date() != self.marks.where.day:
            self.marks.set_day(now.date())
        if now.date() != self._talks_day:
            self.reload_talks()
        current, upcoming = editing.now_and_next(self.talks, now)
        self.now_label.setText(_talk_line("Now", current, "no talk scheduled right now"))
        self.next_label.setText(_talk_line("Next", upcoming, "no more talks today"))

    def reload_talks(self) -> None:
        """Read the room's schedule for today again (it may have been re-imported)."""
        day, show_id, room_id = self.today(), self.room.show_id, self.room.room_id
        self._talks_day = day

        def read() -> list[Talk]:
            with self.sessions() as session:
                return editing.room_talks(session, show_id, room_id, day)

        def found(talks: list[Talk]) -> None:
            self.talks = talks
            self._update_clock()

        self._reads.submit(read, found, lambda exc: self._status(str(exc)))

    # -- marking ------------------------------------------------------------------------
    def press(self, kind: MarkKind) -> None:
        """Record a mark of `kind` now (with the note, which is then cleared)."""
        machine_now = self.clock()
        if not self.identity.can("edit"):
            # services.marking refuses it too; this only says so before trying.
            self._status(f"{self.identity.name} ({self.identity.role}) may not mark")
            return
        note = self.note_edit.text()
        self.note_edit.clear()
        self.marks.record(kind, machine_now, offset_s=self.offset_s, note=note)
        stamp = format_wall(machine_now + timedelta(seconds=self.offset_s))
        self._status(f"{KIND_LABELS[kind]} at {stamp}" + (f" — {note}" if note else ""))

    def _marks_read(self, rows: list[object]) -> None:
        # Every write reads the room-day back; only a real change is news (not the first
        # read, nor a periodic one that found the same rows).
        seen, self._seen_marks = self._seen_marks, list(rows)
        if seen is not None and seen != self._seen_marks:
            self.marks_changed.emit(self.room.room_slug)

    def _leave_note(self) -> None:
        # Back to the window, so the clicker's keys mark again instead of typing.
        self._central.setFocus()

    def _status(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    def wait(self) -> None:
        """Block until pending reads and writes are done (tests, closing)."""
        self._reads.wait()
        self.marks.wait()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._tick.stop()
        self._talk_timer.stop()
        self.marks.wait()  # a press already made must reach the database
        super().closeEvent(event)


def open_for_episode(
    parent: QWidget,
    sessions: SessionFactory,
    identity: Identity,
    episode_id: int,
    on_window: Callable[[MarkWindow], None] | None = None,
) -> BackgroundRunner:
    """Open a Mark window for the room of `episode_id` (Go ▸ Mark this room).

    The room is looked up off the GUI thread; the window opens when it arrives and is
    given to `on_window` (the editor listens to its `marks_changed`). Returns the runner
    doing the look-up (tests wait on it).
    """
    runner = BackgroundRunner(parent)

    def read() -> RoomInfo:
        with sessions() as session:
            return editing.episode_room(session, episode_id)

    def found(room: RoomInfo) -> None:
        runner.deleteLater()
        for window in parent.findChildren(MarkWindow):
            if window.room.room_id == room.room_id and window.isVisible():
                window.raise_()
                window.activateWindow()
                return
        window = MarkWindow(sessions, identity, room, parent)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if on_window is not None:
            on_window(window)
        window.show()

    def failed(exc: Exception) -> None:
        runner.deleteLater()
        safe_text.warn(parent, "Mark this room", str(exc))

    runner.submit(read, found, failed)
    return runner


def run_mark_window(
    app: QApplication, sessions: SessionFactory, identity: Identity, room: RoomInfo
) -> int:
    """Show the Mark window for `room` until it closes."""
    window = MarkWindow(sessions, identity, room)
    window.show()
    return int(app.exec())
