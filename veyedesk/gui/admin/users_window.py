"""Users window (admins): list logins, add one, change a role, reset a password, disable.

The same rules as `veyedesk user …`, because both call services.users (the first user is
an admin, passwords of at least 8 characters, nobody disables their own login or the last
enabled admin). Work runs on a pool thread; a refusal is shown under the table and nothing
is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.safe_text import plain_label
from veyedesk.gui.widgets.save_status import run_in_session, show_failed, show_saved, status_line
from veyedesk.gui.widgets.screen_fit import fit_to_screen
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.model.states import ROLES
from veyedesk.services import admin
from veyedesk.services.admin import UserRow
from veyedesk.services.errors import InvalidInput
from veyedesk.services.identity import Identity

COLUMNS = ("User", "Role", "Enabled", "Created")


def _password_edit(name: str, placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


class UsersWindow(QDialog):
    """Logins of this database, managed by an admin."""

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
        self.rows: list[UserRow] = []
        self.setWindowTitle("Users")
        self.setObjectName("users_window")
        layout = QVBoxLayout(self)
        # Shown while the database has no logins: then nobody signs in and whoever opens it
        # acts as admin under their OS name (services.identity), which the crew must know.
        self.no_users = plain_label(
            "This database has no users yet: everyone who opens it acts as an admin, under "
            "their computer login. Add an admin first (the first user must be one); after "
            "that everyone signs in with a name and password."
        )
        self.no_users.setObjectName("users_none")
        self.no_users.setWordWrap(True)
        self.no_users.setStyleSheet("color: #8a5a00")
        self.no_users.hide()
        layout.addWidget(self.no_users)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("users_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)
        layout.addWidget(self._selected_box())
        layout.addWidget(self._add_box())
        self.status = status_line("users_status")
        layout.addWidget(self.status)
        fit_to_screen(self, 640, 620)  # or less on a small screen
        self.reload()

    def _selected_box(self) -> QGroupBox:
        box = QGroupBox("Selected user")
        form = QFormLayout(box)
        self.role = QComboBox()
        self.role.setObjectName("user_role")
        self.role.addItems(ROLES)
        self.role_button = QPushButton("Change role")
        self.role_button.setObjectName("user_role_apply")
        self.role_button.clicked.connect(self.change_role)
        row = QHBoxLayout()
        row.addWidget(self.role, 1)
        row.addWidget(self.role_button)
        form.addRow("Role", row)
        self.reset_password = _password_edit("user_reset_password", "new password (8+ characters)")
        self.reset_button = QPushButton("Reset password")
        self.reset_button.setObjectName("user_reset")
        self.reset_button.clicked.connect(self.reset)
        row = QHBoxLayout()
        row.addWidget(self.reset_password, 1)
        row.addWidget(self.reset_button)
        form.addRow("Password", row)
        self.active_button = QPushButton("Disable")
        self.active_button.setObjectName("user_active")
        self.active_button.clicked.connect(self.toggle_active)
        form.addRow(self.active_button)
        return box

    def _add_box(self) -> QGroupBox:
        box = QGroupBox("Add a user")
        form = QFormLayout(box)
        self.new_name = QLineEdit()
        self.new_name.setObjectName("new_user_name")
        self.new_role = QComboBox()
        self.new_role.setObjectName("new_user_role")
        self.new_role.addItems(ROLES)
        self.new_role.setCurrentText("admin")  # until the list shows there are users
        self.new_password = _password_edit("new_user_password", "8+ characters")
        self.new_again = _password_edit("new_user_again", "again")
        self.add_button = QPushButton("Add user")
        self.add_button.setObjectName("new_user_add")
        self.add_button.clicked.connect(self.add)
        form.addRow("Name", self.new_name)
        form.addRow("Role", self.new_role)
        form.addRow("Password", self.new_password)
        form.addRow("Again", self.new_again)
        form.addRow(self.add_button)
        return box

    # -- data ---------------------------------------------------------------------------
    def _run(self, work: Callable[[Any], Any], done: Callable[[Any], None]) -> None:
        run_in_session(self.runner, self.sessions, work, done, self._failed, commit=True)

    def _failed(self, exc: Exception) -> None:
        show_failed(self.status, exc)

    def _ok(self, text: str) -> None:
        show_saved(self.status, text)
        self.reload()

    def reload(self) -> None:
        self._run(lambda s: admin.user_rows(s, self.identity), self._loaded)

    def _loaded(self, rows: list[UserRow]) -> None:
        selected = self.selected_name()
        was_empty = not self.rows
        self.rows = rows
        self.no_users.setVisible(not rows)
        # The first user must be an admin (add_user refuses anything else); after that new
        # logins are mostly editors.
        if not rows:
            self.new_role.setCurrentText("admin")
        elif was_empty and self.new_role.currentText() == "admin":
            self.new_role.setCurrentText("editor")
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            created = f"{row.created:%Y-%m-%d %H:%M}" if row.created else ""
            cells = (row.name, row.role, "yes" if row.active else "no — disabled", created)
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))  # items are plain text
        names = [row.name for row in rows]
        if selected in names:
            self.table.selectRow(names.index(selected))
        self._selected()

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.rows[rows[0].row()].name if rows else None

    def _selected(self) -> None:
        name = self.selected_name()
        row = next((r for r in self.rows if r.name == name), None)
        for widget in (self.role, self.role_button, self.reset_password, self.reset_button):
            widget.setEnabled(row is not None)
        self.active_button.setEnabled(row is not None)
        if row is not None:
            self.role.setCurrentText(row.role)
            self.active_button.setText("Disable" if row.active else "Enable")

    # -- actions ------------------------------------------------------------------------
    def add(self) -> None:
        name, role = self.new_name.text().strip(), self.new_role.currentText()
        password, again = self.new_password.text(), self.new_again.text()
        if password != again:
            self._failed(InvalidInput("the two passwords differ"))
            return

        def done(_: Any) -> None:
            for edit in (self.new_name, self.new_password, self.new_again):
                edit.clear()
            self._ok(f"User {name} added ({role}).")

        self._run(lambda s: admin.create_user(s, self.identity, name, role, password).id, done)

    def change_role(self) -> None:
        name, role = self.selected_name(), self.role.currentText()
        if name is not None:
            self._run(
                lambda s: admin.set_role(s, self.identity, name, role).id,
                lambda _: self._ok(f"{name} is now {role}."),
            )

    def reset(self) -> None:
        name, password = self.selected_name(), self.reset_password.text()
        if name is None:
            return

        def done(_: Any) -> None:
            self.reset_password.clear()
            self._ok(f"Password of {name} reset.")

        self._run(lambda s: admin.reset_password(s, self.identity, name, password), done)

    def toggle_active(self) -> None:
        name = self.selected_name()
        row = next((r for r in self.rows if r.name == name), None)
        if row is None:
            return
        active = not row.active
        self._run(
            lambda s: admin.set_active(s, self.identity, row.name, active).id,
            lambda _: self._ok(f"{row.name} {'enabled' if active else 'disabled'}."),
        )
