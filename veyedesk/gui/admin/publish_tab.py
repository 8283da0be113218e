"""Show settings ▸ Publishing: the show's publish targets (list, add, edit, remove).

A target is a name, a kind (`veyedesk.publish.base.TargetKind`) and the kind's plain
options (a PeerTube URL, an rclone remote, …); passwords and tokens never go here: they
live on each machine (`veyedesk publish login NAME`), so the table says where THIS machine
lacks one. Every change goes through services.publishing (which checks that the acting
user is an admin) on a pool thread; for anyone else the tab is read-only. All text from
targets (names, URLs, errors) is shown as plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.safe_text import message_box, plain_label, tooltip, window_title
from veyedesk.gui.widgets.save_status import (
    FAILED_STYLE,
    run_in_session,
    show_failed,
    show_saved,
    status_line,
)
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.publish.base import NEEDS_LOGIN, VIDEO_KINDS, TargetKind
from veyedesk.services import publishing
from veyedesk.services.identity import Identity

# The option keys each kind reads from its settings, in the order the form asks for them:
# the ones a crew sets, as each kind's module documents them (veyedesk/publish/<kind>.py).
# A key a target has beyond these is kept and shown.
OPTION_KEYS: dict[TargetKind, tuple[str, ...]] = {
    TargetKind.RCLONE: ("remote", "public_url", "config"),
    TargetKind.PEERTUBE: ("url", "channel", "username", "category"),
    TargetKind.YOUTUBE: ("client_id", "playlist", "category"),
    TargetKind.ARCHIVE: ("collection", "identifier_prefix"),
    TargetKind.VOCTOWEB: ("acronym", "url", "folder", "recording_base_url"),
    TargetKind.MASTODON: ("url", "visibility", "language"),
    TargetKind.WEBHOOK: ("url",),
}

# The one option the table shows per kind: what tells two targets of a kind apart.
MAIN_OPTION: dict[TargetKind, str] = {
    TargetKind.RCLONE: "remote",
    TargetKind.PEERTUBE: "url",
    TargetKind.YOUTUBE: "playlist",
    TargetKind.ARCHIVE: "collection",
    TargetKind.VOCTOWEB: "acronym",
    TargetKind.MASTODON: "url",
    TargetKind.WEBHOOK: "url",
}

# (label, placeholder) per option key; OPTION_TEXT_OF_KIND where a kind reads it otherwise.
OPTION_TEXT: dict[str, tuple[str, str]] = {
    "remote": ("Remote", "an rclone remote:path, or a local folder"),
    "public_url": ("Public URL", "https://… where the files are served (prefix)"),
    "config": ("rclone.conf", "blank: rclone's own; or the path of another"),
    "url": ("Server URL", "https://…"),
    "channel": ("Channel", "the channel's name (handle)"),
    "username": ("User name", "the account that uploads"),
    "client_id": ("OAuth client ID", "the installed app's client ID"),
    "playlist": ("Playlist", "playlist ID (added at make public)"),
    "category": ("Category", "category number, e.g. 15"),
    "collection": ("Collection", "archive.org collection, e.g. opensource_movies"),
    "identifier_prefix": ("Identifier prefix", "prefix of each talk's item identifier"),
    "acronym": ("Conference", "the conference's acronym on media.ccc.de"),
    "folder": ("Folder", "the recordings' folder, blank: h264-hd"),
    "recording_base_url": ("Recording base URL", "https://… where the files are served"),
    "visibility": ("Visibility", "public (blank) or unlisted"),
    "language": ("Language", "two letters, e.g. en; blank: the talk's"),
}
OPTION_TEXT_OF_KIND: dict[tuple[TargetKind | None, str], tuple[str, str]] = {
    (TargetKind.YOUTUBE, "category"): ("Category", "YouTube category number, blank: 28"),
    (TargetKind.PEERTUBE, "category"): ("Category", "PeerTube category number, e.g. 15"),
    (TargetKind.VOCTOWEB, "url"): ("API URL", "blank: https://api.media.ccc.de"),
}

KIND_VALUES = frozenset(kind.value for kind in TargetKind)
COLUMNS = ("Name", "Kind", "Role", "Where", "On this machine")


@dataclass(frozen=True)
class TargetLine:
    """One target as the table shows it."""

    name: str
    kind: str
    options: dict[str, str]
    secret: bool | None  # this machine has its secret; None: could not tell
    secret_error: str = ""

    @property
    def role(self) -> str:
        return "video" if self.kind in VIDEO_KINDS else "announce"

    @property
    def main_option(self) -> str:
        key = MAIN_OPTION.get(TargetKind(self.kind), "") if self.kind in KIND_VALUES else ""
        return self.options.get(key, "")

    @property
    def machine(self) -> str:
        """What this machine lacks (or has) to run the target."""
        if self.secret is None:
            return f"cannot tell: {self.secret_error}"
        if self.secret:
            return "secret stored"
        if self.kind in NEEDS_LOGIN:
            return f"login needed on this machine (veyedesk publish login {self.name})"
        return "no secret needed"


def target_lines(session: Any, show_id: int) -> list[TargetLine]:
    """The show's targets and whether this machine holds each one's secret."""
    lines = []
    for row in publishing.list_targets(session, show_id):
        try:
            secret: bool | None = publishing.has_login(row.name, row.kind)
            error = ""
        except Exception as exc:  # a keyring that cannot be read must not hide the targets
            secret, error = None, f"{type(exc).__name__}: {exc}"
        lines.append(TargetLine(row.name, row.kind, dict(row.options), secret, error))
    return lines


HEAD_ROWS = 2  # Name and Kind, above the kind's options


class TargetDialog(QDialog):
    """Name, kind and the kind's options of one target (new, or one to edit)."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None, line: TargetLine | None = None) -> None:
        super().__init__(parent)
        self.editing = line
        self.setObjectName("publish_target_dialog")
        title = f"Publish target {line.name}" if line else "New publish target"
        self.setWindowTitle(window_title(title))
        layout = QVBoxLayout(self)
        head = QFormLayout()
        self.name = QLineEdit(line.name if line else "")
        self.name.setObjectName("target_name")
        self.name.setPlaceholderText("e.g. peertube or archive (unique in the show)")
        self.name.setReadOnly(line is not None)  # a target is known by its name
        head.addRow("Name", self.name)
        self.kind = QComboBox()
        self.kind.setObjectName("target_kind")
        for kind in TargetKind:
            role = "video" if kind in VIDEO_KINDS else "announce"
            self.kind.addItem(f"{kind.value} ({role})", kind.value)
        if line is not None:
            if line.kind not in KIND_VALUES:  # a kind a newer veyedesk added: shown, kept
                self.kind.addItem(line.kind, line.kind)
            self.kind.setCurrentIndex(self.kind.findData(line.kind))
            self.kind.setEnabled(False)  # a new kind is a new target
        head.addRow("Kind", self.kind)
        # The kind's options follow in the same form (aligned with Name and Kind).
        self.options_form = head
        layout.addLayout(head)
        note = plain_label(
            "Passwords, tokens and keys are not set here: run `veyedesk publish login NAME` "
            "on each machine that publishes."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555")
        layout.addWidget(note)
        layout.addStretch(1)
        self.status = status_line("target_status")
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("target_save")
        self.save_button.clicked.connect(self.submitted)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.fields: dict[str, QLineEdit] = {}
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.resize(520, 360)

    def _kind_changed(self, *_args: object) -> None:
        typed = {key: edit.text() for key, edit in self.fields.items()}
        while self.options_form.rowCount() > HEAD_ROWS:
            self.options_form.removeRow(HEAD_ROWS)
        self.fields = {}
        value = self.kind.currentData()
        kind = TargetKind(value) if value in KIND_VALUES else None
        known = OPTION_KEYS[kind] if kind is not None else ()
        stored = self.editing.options if self.editing else {}
        keys = list(known) + sorted(k for k in stored if k not in known)
        for key in keys:
            label, hint = OPTION_TEXT_OF_KIND.get((kind, key), OPTION_TEXT.get(key, (key, "")))
            edit = QLineEdit(typed.get(key, stored.get(key, "")))
            edit.setObjectName(f"target_option_{key}")
            edit.setPlaceholderText(hint)
            edit.setToolTip(tooltip(f"option {key}"))
            self.fields[key] = edit
            self.options_form.addRow(label, edit)

    def values(self) -> tuple[str, str, dict[str, str]]:
        """(name, kind, options) to save.

        A new target: the options filled in (blank ones left out). A target edited: only
        what changed, a cleared option as "" (services.publishing.set_target merges them
        into the stored options and removes a key given as "").
        """
        typed = {k: e.text().strip() for k, e in self.fields.items()}
        if self.editing is None:
            options = {k: v for k, v in typed.items() if v}
        else:
            stored = self.editing.options
            options = {k: v for k, v in typed.items() if v != stored.get(k, "")}
        return self.name.text().strip(), str(self.kind.currentData()), options


class PublishTab(QWidget):
    """The show's publish targets; admins add, edit and remove them."""

    changed = Signal()

    def __init__(
        self,
        sessions: SessionFactory,
        identity: Identity,
        show_id: int,
        runner: BackgroundRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.sessions, self.identity, self.show_id, self.runner = (
            sessions,
            identity,
            show_id,
            runner,
        )
        self.lines: list[TargetLine] = []
        self.dialog: TargetDialog | None = None
        self.confirm: QMessageBox | None = None
        self.setObjectName("publish_tab")
        layout = QVBoxLayout(self)
        intro = plain_label(
            "Where this show's talks go: video targets get the encoded file (uploaded "
            "unlisted at post, made public at make public); announce targets post about it. "
            "Changes here are saved at once."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("publish_targets")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for col in range(3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda *_: self.edit())
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add…")
        self.add_button.setObjectName("publish_add")
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setObjectName("publish_edit")
        self.edit_button.clicked.connect(self.edit)
        self.remove_button = QPushButton("Remove…")
        self.remove_button.setObjectName("publish_remove")
        self.remove_button.clicked.connect(self.remove)
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.read_only_note = plain_label("Only admins change publish targets.")
        self.read_only_note.setObjectName("publish_read_only")
        self.read_only_note.setVisible(not identity.can("admin"))
        layout.addWidget(self.read_only_note)
        self.status = status_line("publish_status")
        layout.addWidget(self.status)
        self._selection_changed()

    # -- reading ------------------------------------------------------------------------
    def _run(
        self,
        work: Callable[[Any], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None],
        commit: bool,
    ) -> None:
        run_in_session(self.runner, self.sessions, work, done, failed, commit=commit)

    def reload(self, *, keep_status: bool = False) -> None:
        show_id = self.show_id
        self._run(
            lambda s: target_lines(s, show_id),
            lambda lines: self._loaded(lines, keep_status),
            self._load_failed,
            commit=False,
        )

    def _load_failed(self, exc: Exception) -> None:
        self.status.setStyleSheet("color: #b00020")
        self.status.setText(f"Could not read the publish targets: {exc}")

    def _loaded(self, lines: list[TargetLine], keep_status: bool) -> None:
        selected = self.selected()
        self.lines = lines
        self.table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            cells = (line.name, line.kind, line.role, line.main_option, line.machine)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)  # items are plain text
                if col == 4 and line.kind in NEEDS_LOGIN and line.secret is False:
                    item.setForeground(QColor("#b00020"))
                if col in (3, 4):
                    item.setToolTip(tooltip(text))
                self.table.setItem(row, col, item)
            if selected is not None and line.name == selected.name:
                self.table.selectRow(row)
        if not keep_status:
            self.status.setStyleSheet("")
            self.status.setText("" if lines else "No publish targets yet.")
        self._selection_changed()

    def selected(self) -> TargetLine | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.lines):
            return None
        return self.lines[rows[0].row()]

    def _selection_changed(self) -> None:
        admin = self.identity.can("admin")
        self.add_button.setEnabled(admin)
        chosen = self.selected() is not None
        self.edit_button.setEnabled(admin and chosen)
        self.remove_button.setEnabled(admin and chosen)

    # -- changing -----------------------------------------------------------------------
    def add(self) -> None:
        self._open_dialog(None)

    def edit(self) -> None:
        line = self.selected()
        if line is not None and self.identity.can("admin"):
            self._open_dialog(line)

    def _open_dialog(self, line: TargetLine | None) -> None:
        dialog = TargetDialog(self, line)
        self.dialog = dialog
        dialog.submitted.connect(lambda: self._submit(dialog))
        dialog.open()

    def _submit(self, dialog: TargetDialog) -> None:
        name, kind, options = dialog.values()
        who, show_id = self.identity, self.show_id
        if dialog.editing is None and any(line.name == name for line in self.lines):
            # Said here in the dialog's words (the service's refusal names the CLI).
            dialog.status.setStyleSheet(FAILED_STYLE)
            dialog.status.setText(
                f"Nothing saved: the show already has a target {name!r}; pick another name, "
                "or close this and edit that one."
            )
            return
        if dialog.editing is None:

            def work(s: Any) -> Any:
                return publishing.add_target(s, who, show_id, name, kind, options)

            said = f"Saved: publish target {name} added."
        else:

            def work(s: Any) -> Any:
                return publishing.set_target(s, who, show_id, name, options)

            said = f"Saved: publish target {name} changed."

        def done(_row: Any) -> None:
            dialog.accept()
            show_saved(self.status, said)
            self.changed.emit()
            self.reload(keep_status=True)

        def failed(exc: Exception) -> None:
            dialog.save_button.setEnabled(True)
            show_failed(dialog.status, exc)

        dialog.save_button.setEnabled(False)
        self._run(work, done, failed, commit=True)

    def remove(self) -> None:
        line = self.selected()
        if line is None or not self.identity.can("admin"):
            return
        box = message_box(
            self,
            QMessageBox.Icon.Question,
            "Remove publish target?",
            f"Remove the publish target {line.name} ({line.kind}) from this show?",
            "",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        box.setObjectName("publish_remove_confirm")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirm = box
        box.finished.connect(
            lambda answer: (
                self._remove(line.name)
                if answer == QMessageBox.StandardButton.Yes
                else self.status.setText("Not removed.")
            )
        )
        box.open()

    def _remove(self, name: str) -> None:
        who, show_id = self.identity, self.show_id

        def done(_none: Any) -> None:
            show_saved(self.status, f"Saved: publish target {name} removed.")
            self.changed.emit()
            self.reload(keep_status=True)

        self._run(
            lambda s: publishing.remove_target(s, who, show_id, name),
            done,
            lambda exc: show_failed(self.status, exc),
            commit=True,
        )
