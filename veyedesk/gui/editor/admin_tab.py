"""The episode form's Admin tab (admins): a talk's admin fields and talks by hand.

Fields the editor's form lacks (slug, conference URL, sequence, stop, reviewers, host,
public and archive URLs) with Apply; and actions on talks: add one the schedule lacks,
duplicate, split at a time, move to another room, delete (Force for one with encodes).
Everything goes through services.talks on a pool thread, which checks the permission and
the values; a refusal is shown under the buttons and nothing is written. `changed` tells
the window to re-read the episode list (and which talk to show).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.errors import UserError
from veyedesk.gui.widgets.save_status import run_in_session, show_failed, show_saved, status_line
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.gui.widgets.when_field import WhenField
from veyedesk.services import admin
from veyedesk.services.identity import Identity

LABELS = {
    "slug": "Slug",
    "conf_url": "Conference URL",
    "sequence": "Sequence",
    "stop": "Stop (workers skip it)",
    "reviewers": "Reviewers",
    "host_url": "Host URL",
    "public_url": "Public URL",
    "archive_url": "Archive URL",
}
DELETE, CONFIRM = "Delete talk", "Click again to delete"


class EpisodeAdminTab(QWidget):
    """Admin fields of the open talk, and talks added, split, moved or deleted by hand."""

    changed = Signal(int)  # the episode to show afterwards (0: none)
    reopen = Signal(int)  # the talk's slot or room changed: the editor reloads it

    def __init__(
        self,
        sessions: SessionFactory,
        identity: Identity,
        parent: QWidget | None = None,
        runner: BackgroundRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.sessions = sessions
        self.identity = identity
        self.runner = runner or BackgroundRunner(self)
        self.episode_id: int | None = None
        # Which day a start typed as "10:45" is on: the episode list's day filter when one
        # is picked (list_day), else the show's first day (show_days[0]).
        self.list_day: date | None = None
        self.show_days: list[date] = []
        self.info: admin.AdminInfo | None = None
        # The show new talks go to: the window's current show, open talk or not (a talk
        # open from another show must not decide where a lightning talk lands).
        self.show_id: int | None = None
        # The window closes the open talk (asking about unsaved edits) before it is deleted.
        self.before_delete: Callable[[Callable[[], None]], Any] = lambda then: then()
        layout = QVBoxLayout(self)
        layout.addWidget(self._fields_box())
        layout.addWidget(self._actions_box())
        layout.addWidget(self._add_box())
        self.status = status_line("admin_status")
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.set_episode(None)

    # -- construction -------------------------------------------------------------------
    def _fields_box(self) -> QGroupBox:
        box = QGroupBox("This talk")
        form = QFormLayout(box)
        self.edits: dict[str, QWidget] = {}
        for name, label in LABELS.items():
            widget: QWidget
            if name == "sequence":
                widget = QSpinBox()
                widget.setRange(-9999, 9999)
            elif name == "stop":
                widget = QCheckBox()
            else:
                widget = QLineEdit()
            widget.setObjectName(f"admin_{name}")
            self.edits[name] = widget
            form.addRow(label, widget)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("admin_apply")
        self.apply_button.clicked.connect(self.apply)
        form.addRow(self.apply_button)
        return box

    def _actions_box(self) -> QGroupBox:
        box = QGroupBox("Duplicate, split, move, delete")
        form = QFormLayout(box)
        self.duplicate_button = QPushButton("Duplicate")
        self.duplicate_button.setObjectName("admin_duplicate")
        self.duplicate_button.clicked.connect(lambda: self._duplicate(None))
        self.split_at = WhenField("split time")
        self.split_at.setObjectName("admin_split_at")
        self.split_button = QPushButton("Split here")
        self.split_button.setObjectName("admin_split")
        self.split_button.clicked.connect(self.split)
        form.addRow(self.duplicate_button)
        split_row = QHBoxLayout()
        split_row.addWidget(self.split_at, 1)
        split_row.addWidget(self.split_button)
        form.addRow("Second talk starts", split_row)
        self.move_room = QComboBox()
        self.move_room.setObjectName("admin_move_room")
        self.move_button = QPushButton("Move")
        self.move_button.setObjectName("admin_move")
        self.move_button.clicked.connect(self.move_talk)
        move_row = QHBoxLayout()
        move_row.addWidget(self.move_room, 1)
        move_row.addWidget(self.move_button)
        form.addRow("Room", move_row)
        self.force = QCheckBox("Force (even with encodes)")
        self.force.setObjectName("admin_force")
        self.delete_button = QPushButton(DELETE)
        self.delete_button.setObjectName("admin_delete")
        self.delete_button.setStyleSheet("color: #b00020")
        self.delete_button.clicked.connect(self.delete)
        delete_row = QHBoxLayout()
        delete_row.addWidget(self.delete_button)
        delete_row.addWidget(self.force)
        form.addRow(delete_row)
        return box

    def _add_box(self) -> QGroupBox:
        box = QGroupBox("Add a talk (e.g. lightning talks)")
        form = QFormLayout(box)
        self.new_name = QLineEdit()
        self.new_name.setObjectName("admin_new_name")
        self.new_room = QComboBox()
        self.new_room.setObjectName("admin_new_room")
        self.new_start = WhenField("start")
        self.new_start.setObjectName("admin_new_start")
        self.new_duration = QLineEdit("5m")
        self.new_duration.setObjectName("admin_new_duration")
        self.new_duration.setPlaceholderText("5m, 00:05:00 or seconds")
        self.add_button = QPushButton("Add talk")
        self.add_button.setObjectName("admin_add")
        self.add_button.clicked.connect(self.add)
        form.addRow("Title", self.new_name)
        form.addRow("Room", self.new_room)
        form.addRow("Start", self.new_start)
        form.addRow("", self.new_start.day_label)  # under it: the dock is narrow
        form.addRow("Duration", self.new_duration)
        form.addRow(self.add_button)
        return box

    # -- data ---------------------------------------------------------------------------
    def _run(self, work: Callable[[Any], Any], done: Callable[[Any], None], commit: bool) -> None:
        run_in_session(self.runner, self.sessions, work, done, self._failed, commit=commit)

    def _failed(self, exc: Exception) -> None:
        show_failed(self.status, exc)

    def _ok(self, text: str) -> None:
        show_saved(self.status, text)

    def set_day(self, day: date | None) -> None:
        """The day the episode list shows (None: all days): a start typed alone is on it."""
        self.list_day = day
        self._default_day()

    def _default_day(self) -> None:
        day = self.list_day or (self.show_days[0] if self.show_days else None)
        if day is not None or not self.new_start.text():
            self.new_start.set_day(day)

    def set_show(self, show_id: int | None) -> None:
        """The show Add puts talks in; its rooms fill the Room box (no talk needs to be open)."""
        self.show_id = show_id
        self.add_button.setEnabled(show_id is not None)
        if show_id is None:
            return

        def work(session: Any) -> tuple[list[tuple[str, str]], list[date]]:
            return admin.show_rooms(session, show_id), admin.show_days(session, show_id)

        def loaded(found: tuple[list[tuple[str, str]], list[date]]) -> None:
            if show_id != self.show_id:
                return  # another show was picked meanwhile
            rooms, self.show_days = found
            self._default_day()
            chosen = self.new_room.currentData()
            self.new_room.clear()
            for slug, name in rooms:
                self.new_room.addItem(f"{name} ({slug})", slug)
            self.new_room.setCurrentIndex(max(self.new_room.findData(chosen), 0))

        self._run(work, loaded, commit=False)

    def set_episode(self, episode_id: int | None) -> None:
        """Show this talk's admin fields (None: no talk open; only Add works)."""
        self.episode_id = episode_id
        for widget in (
            *self.edits.values(),
            self.apply_button,
            self.duplicate_button,
            self.split_button,
            self.move_button,
            self.delete_button,
        ):
            widget.setEnabled(episode_id is not None)
        if episode_id is not None:
            self._run(lambda s: admin.admin_info(s, episode_id), self._loaded, commit=False)

    def _loaded(self, info: admin.AdminInfo) -> None:
        if info.episode_id != self.episode_id:
            return  # another talk was opened meanwhile
        self.delete_button.setText(DELETE)
        self.info = info
        for name, widget in self.edits.items():
            value = info.values[name]
            if isinstance(widget, QSpinBox):
                widget.setValue(int(value or 0))
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QLineEdit):
                widget.setText(value or "")
        self.move_room.clear()
        for slug, name in info.rooms:
            self.move_room.addItem(f"{name} ({slug})", slug)
        self.move_room.setCurrentIndex(max(self.move_room.findData(info.room), 0))
        same_show = self.show_id in (None, info.show_id)
        if same_show:
            self.show_id = info.show_id
            self.new_room.clear()
            for slug, name in info.rooms:
                self.new_room.addItem(f"{name} ({slug})", slug)
            self.new_room.setCurrentIndex(max(self.new_room.findData(info.room), 0))
        if info.start is not None:
            middle = info.start + timedelta(seconds=(info.duration or 0) / 2)
            self.split_at.set_moment(middle.replace(microsecond=0))
            if same_show:
                self.new_start.set_moment(info.end or info.start)
        self.delete_button.setToolTip(
            f"has {info.encodes} encode(s): tick Force to delete" if info.encodes else ""
        )

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, widget in self.edits.items():
            if isinstance(widget, QSpinBox):
                out[name] = widget.value()
            elif isinstance(widget, QCheckBox):
                out[name] = widget.isChecked()
            elif isinstance(widget, QLineEdit):
                out[name] = widget.text()
        return out

    # -- actions ------------------------------------------------------------------------
    def apply(self) -> None:
        episode_id, values = self.episode_id, self.values()
        if episode_id is None:
            return

        def done(changes: list[tuple[str, Any, Any]]) -> None:
            self._ok(f"Saved: {', '.join(c[0] for c in changes)}" if changes else "No change.")
            self.changed.emit(episode_id)

        self._run(lambda s: admin.set_talk(s, self.identity, episode_id, values), done, True)

    def split(self) -> None:
        try:
            at = self.split_at.moment()
        except UserError as exc:
            self._failed(exc)  # nothing is split
            return
        self._duplicate(at)

    def _duplicate(self, at: datetime | None) -> None:
        episode_id = self.episode_id
        if episode_id is None:
            return

        def work(session: Any) -> int:
            copy = admin.duplicate_talk(session, self.identity, episode_id, split_at=at)
            return copy.id

        def done(new_id: int) -> None:
            self._ok(f"{'Split off' if at else 'Duplicated as'} episode {new_id}.")
            self.changed.emit(episode_id)
            if at is not None:
                self.reopen.emit(episode_id)

        self._run(work, done, True)

    def move_talk(self) -> None:
        episode_id, room = self.episode_id, self.move_room.currentData()
        if episode_id is None or room is None:
            return

        def done(_: Any) -> None:
            self._ok(f"Moved to room {room}.")
            self.changed.emit(episode_id)
            self.reopen.emit(episode_id)

        self._run(lambda s: admin.move_talk(s, self.identity, episode_id, room).id, done, True)

    def delete(self) -> None:
        episode_id, force = self.episode_id, self.force.isChecked()
        if episode_id is None:
            return
        # Two clicks, not a modal question: a stray click deletes nothing.
        if self.delete_button.text() != CONFIRM:
            self.delete_button.setText(CONFIRM)
            return
        self.delete_button.setText(DELETE)

        def done(slug: str) -> None:
            self._ok(f"Deleted episode {episode_id} ({slug}).")
            self.set_episode(None)
            self.changed.emit(0)

        self._run(
            lambda s: admin.delete_talk(s, self.identity, episode_id, force=force), done, True
        )

    def add(self) -> None:
        show_id = self.show_id
        name, room = self.new_name.text(), self.new_room.currentData()
        duration = self.new_duration.text()
        if show_id is None:
            self._failed(Exception("pick a show first: the new talk goes in the current show"))
            return
        try:
            start = self.new_start.moment()
        except UserError as exc:
            self._failed(exc)  # nothing is added
            return
        if room is None:
            self._failed(Exception("the show has no rooms yet: add one in Admin ▸ Show settings"))
            return

        def work(session: Any) -> int:
            return admin.add_talk_to(session, self.identity, show_id, name, room, start, duration)

        def done(new_id: int) -> None:
            self._ok(f"Added episode {new_id}.")
            self.new_name.clear()
            self.changed.emit(new_id)

        self._run(work, done, True)
