"""Show settings dialog: tabs Client, Show, Rooms, Publishing (and whatever `add_tab` adds).

Every field of services.settings' CLIENT/SHOW/ROOM_FIELDS gets the widget its kind asks
for. Save sends only what changed to `services.settings.save_show_settings` on a pool
thread; the services validate everything, so a bad value anywhere is shown under the tabs
("Nothing saved: …") and nothing is written. A room whose hours offset changed is first
previewed (the raw files and talks that would move, in a list) and re-timed only when the
user confirms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.gui.admin.publish_tab import PublishTab
from veyedesk.gui.widgets.safe_text import plain_label, tooltip, window_title
from veyedesk.gui.widgets.save_status import run_in_session, show_failed, show_saved, status_line
from veyedesk.gui.widgets.screen_fit import fit_to_screen
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.model.slug import slugify
from veyedesk.model.states import CHANNELCOPY
from veyedesk.services import admin
from veyedesk.services.admin import Field
from veyedesk.services.identity import Identity


class FieldForm(QWidget):
    """A form of settings fields; `changed()` gives the fields whose value differs from load."""

    def __init__(self, fields: tuple[Field, ...], prefix: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.fields = fields
        self.widgets: dict[str, QWidget] = {}
        self._loaded: dict[str, Any] = {}
        outer = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(form)
        outer.addStretch(1)  # fields packed at the top, not spread over the tab
        for f in fields:
            widget = self._widget(f)
            widget.setObjectName(f"{prefix}_{f.name}")
            if f.help:
                widget.setToolTip(tooltip(f.help))
            self.widgets[f.name] = widget
            form.addRow(f.label, self._with_browse(f, widget))

    def _widget(self, f: Field) -> QWidget:
        if f.kind == "bool":
            return QCheckBox()
        if f.kind == "int":
            spin = QSpinBox()
            spin.setRange(-9999, 9999)
            return spin
        if f.kind == "text":
            text = QPlainTextEdit()
            text.setFixedHeight(70)
            return text
        if f.kind == "choice":
            box = QComboBox()
            box.addItem("(none)", "")
            for code, meaning in CHANNELCOPY.items():
                box.addItem(f"{code}: {meaning}", code)
            return box
        edit = QLineEdit()
        if f.kind == "zone":
            completer = QCompleter(sorted(available_timezones()), edit)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            edit.setCompleter(completer)
            edit.setPlaceholderText("blank = this machine's zone")
        elif f.kind == "url":
            edit.setPlaceholderText("https://…")
        elif f.kind in ("file", "folder"):
            edit.setPlaceholderText(f.help)
        return edit

    def _with_browse(self, f: Field, widget: QWidget) -> QWidget:
        if f.kind not in ("file", "folder") or not isinstance(widget, QLineEdit):
            return widget
        row = QWidget()
        # A bare QWidget grows in height; the row must stay one line edit tall.
        row.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(widget, 1)
        button = QPushButton("Browse…")
        button.setObjectName(f"{widget.objectName()}_browse")

        def browse() -> None:
            if f.kind == "folder":
                path = QFileDialog.getExistingDirectory(self, f.label, widget.text())
            else:
                path, _ = QFileDialog.getOpenFileName(self, f.label, widget.text(), "SVG (*.svg)")
            if path:
                widget.setText(path)

        button.clicked.connect(browse)
        layout.addWidget(button)
        return row

    def load(self, values: dict[str, Any]) -> None:
        self._loaded = dict(values)
        for name, value in values.items():
            widget = self.widgets[name]
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value or 0))
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(value or "")
            elif isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(widget.findData(value or ""), 0))
            elif isinstance(widget, QLineEdit):
                widget.setText("" if value is None else str(value))

    def value(self, name: str) -> Any:
        widget = self.widgets[name]
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QSpinBox):
            return widget.value()
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText()
        if isinstance(widget, QComboBox):
            return widget.currentData()
        assert isinstance(widget, QLineEdit)
        return widget.text()

    def changed(self) -> dict[str, Any]:
        """Fields whose widget differs from the loaded value (floats compared as text)."""
        out = {}
        for f in self.fields:
            now, then = self.value(f.name), self._loaded.get(f.name)
            if f.kind == "float":
                same = now.strip() == ("" if then is None else str(then))
            else:
                same = now == (then if then is not None else "")
            if not same:
                out[f.name] = now
        return out


class RetimePreview(QDialog):
    """What re-timing would move, as a list; Re-time does it, Cancel leaves everything."""

    def __init__(self, lines: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Re-time raw files?")
        self.setObjectName("retime_preview")
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "The room's clock offset changed. These raw files move and these unedited "
                "talks get their cuts made again; edited talks keep theirs.",
                self,
            )
        )
        self.rows = QListWidget()
        self.rows.setObjectName("retime_rows")
        self.rows.addItems(lines)  # QListWidget items are plain text
        layout.addWidget(self.rows, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.addButton(
            "Re-time and save", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.apply_button.setObjectName("retime_apply")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 420)


class ShowSettingsDialog(QDialog):
    """Client, show and room settings of one show, saved through services.settings."""

    saved = Signal()
    retimed = Signal()  # raw files moved: an open talk's timeline is stale

    def __init__(
        self,
        sessions: SessionFactory,
        identity: Identity,
        show_id: int,
        parent: QWidget | None = None,
        runner: BackgroundRunner | None = None,
        files_root: str = "",
    ) -> None:
        super().__init__(parent)
        self.sessions = sessions
        self.identity = identity
        self.show_id = show_id
        self.files_root = files_root  # templates under it are stored relative to it
        self.runner = runner or BackgroundRunner(self)
        self.retime_preview: RetimePreview | None = None
        self.setWindowTitle("Show settings")
        self.setObjectName("show_settings")
        self.tabs = QTabWidget()
        self.client_form = FieldForm(admin.CLIENT_FIELDS, "client", self)
        self.show_form = FieldForm(admin.SHOW_FIELDS, "show", self)
        self.tabs.addTab(self.client_form, "Client")
        self.tabs.addTab(self.show_form, "Show")
        self.tabs.addTab(self._rooms_page(), "Rooms")
        self.status = status_line("settings_status", "Loading…")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("settings_save")
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        fit_to_screen(self, 760, 640)  # or less on a small screen
        self.room_forms: dict[int, FieldForm] = {}
        self.room_ids: list[int] = []
        # Publish targets save themselves (each change at once, through the services).
        self.publish_tab = PublishTab(sessions, identity, show_id, self.runner, self)
        self.add_tab(self.publish_tab, "Publishing")
        self.reload()
        self.publish_tab.reload()

    def add_tab(self, widget: QWidget, title: str) -> None:
        """Room for more tabs (a pipeline tab); they save themselves."""
        self.tabs.addTab(widget, title)

    def _rooms_page(self) -> QWidget:
        page = QWidget()
        layout = QHBoxLayout(page)
        left = QVBoxLayout()
        self.room_list = QListWidget()
        self.room_list.setObjectName("room_list")
        self.room_stack = QStackedWidget()
        self.room_list.currentRowChanged.connect(self.room_stack.setCurrentIndex)
        left.addWidget(self.room_list, 1)
        self.new_room_slug = QLineEdit()
        self.new_room_slug.setObjectName("new_room_slug")
        self.new_room_slug.setPlaceholderText("new room slug")
        self.new_room_name = QLineEdit()
        self.new_room_name.setObjectName("new_room_name")
        self.new_room_name.setPlaceholderText("its name")
        self.add_room_button = QPushButton("Add room")
        self.add_room_button.setObjectName("add_room")
        self.add_room_button.clicked.connect(self.add_room)
        # The slug follows the name typed until the user types a slug of their own (as in
        # Admin ▸ New show), so "Hörsaal 1" alone is enough to add a room.
        self._slug_typed = False
        self.new_room_slug.textEdited.connect(lambda text: self._room_slug_typed(bool(text)))
        self.new_room_name.textEdited.connect(self._suggest_room_slug)
        for widget in (self.new_room_slug, self.new_room_name, self.add_room_button):
            left.addWidget(widget)
        layout.addLayout(left, 1)
        layout.addWidget(self.room_stack, 3)
        return page

    def _room_slug_typed(self, typed: bool) -> None:
        self._slug_typed = typed

    def _suggest_room_slug(self, name: str) -> None:
        if not self._slug_typed:
            self.new_room_slug.setText(slugify(name, "").lower())

    # -- loading ------------------------------------------------------------------------
    def _run(self, work: Callable[[Any], Any], done: Callable[[Any], None], commit: bool) -> None:
        self.save_button.setEnabled(False)
        run_in_session(
            self.runner,
            self.sessions,
            work,
            lambda r: self._finish(done, r),
            self._failed,
            commit=commit,
        )

    def _finish(self, done: Callable[[Any], None], result: Any) -> None:
        self.save_button.setEnabled(True)
        done(result)

    def _failed(self, exc: Exception) -> None:
        self.save_button.setEnabled(True)
        show_failed(self.status, exc)

    def reload(self, *, keep_status: bool = False) -> None:
        """Read the settings again; `keep_status` keeps what the last save said."""
        self._run(
            lambda s: admin.load_show_settings(s, self.show_id),
            lambda data: self._loaded(data, keep_status),
            commit=False,
        )

    def _loaded(self, data: admin.ShowSettings, keep_status: bool = False) -> None:
        self.client_form.load(data.client)
        self.show_form.load(data.show)
        self.setWindowTitle(window_title(f"Show settings — {data.show['name']}"))
        current = self.room_list.currentRow()
        self.room_list.clear()
        while (old := self.room_stack.widget(0)) is not None:
            self.room_stack.removeWidget(old)
            old.deleteLater()
        self.room_forms, self.room_ids = {}, []
        for room in data.rooms:
            form = FieldForm(admin.ROOM_FIELDS, f"room_{room.slug}", self)
            form.load(room.values)
            self.room_forms[room.id] = form
            self.room_ids.append(room.id)
            self.room_stack.addWidget(form)
            self.room_list.addItem(f"{room.values['name']} ({room.slug})")
        if data.rooms:
            self.room_list.setCurrentRow(min(max(current, 0), len(data.rooms) - 1))
        if not keep_status:
            self.status.setStyleSheet("")
            self.status.setText("")

    # -- saving -------------------------------------------------------------------------
    def pending(
        self,
    ) -> tuple[dict[str, Any], dict[str, Any], dict[int, dict[str, Any]], dict[int, int]]:
        """(client, show, rooms, offsets): what the user changed."""
        rooms: dict[int, dict[str, Any]] = {}
        offsets: dict[int, int] = {}
        for room_id, form in self.room_forms.items():
            changed = form.changed()
            if "hours_offset" in changed:
                offsets[room_id] = int(changed.pop("hours_offset"))
            if changed:
                rooms[room_id] = changed
        return self.client_form.changed(), self.show_form.changed(), rooms, offsets

    def save(self) -> None:
        client, show, rooms, offsets = self.pending()
        if not (client or show or rooms or offsets):
            self.status.setText("Nothing to save.")
            return
        if offsets:
            self._run(
                lambda s: admin.retime_preview(s, self.show_id, offsets),
                lambda lines: self._confirm_retime(lines, (client, show, rooms, offsets)),
                commit=False,
            )
            return
        self._save(client, show, rooms, {})

    def _confirm_retime(self, lines: list[str], values: tuple[Any, ...]) -> None:
        preview = RetimePreview(lines, self)
        self.retime_preview = preview
        preview.accepted.connect(lambda: self._save(*values))
        preview.rejected.connect(lambda: self.status.setText("Not saved: re-timing cancelled."))
        preview.open()

    def _save(self, client: dict, show: dict, rooms: dict, offsets: dict) -> None:
        def work(session: Any) -> list[str]:
            return admin.save_show_settings(
                session,
                self.identity,
                self.show_id,
                client,
                show,
                rooms,
                offsets,
                files_root=self.files_root,
            )

        def done(lines: list[str]) -> None:
            show_saved(self.status, f"Saved: {len(lines)} change(s).")
            self.status.setToolTip(tooltip("\n".join(lines)))
            self.saved.emit()
            if offsets:
                self.retimed.emit()
            self.reload(keep_status=True)

        self._run(work, done, commit=True)

    def add_room(self) -> None:
        slug, name = self.new_room_slug.text(), self.new_room_name.text()

        def done(_room_id: int) -> None:
            self.new_room_slug.clear()
            self.new_room_name.clear()
            self._slug_typed = False
            show_saved(self.status, f"Saved: room {slug} added.")
            self.saved.emit()
            self.reload(keep_status=True)

        self._run(
            lambda s: admin.add_show_room(s, self.identity, self.show_id, slug, name),
            done,
            commit=True,
        )
