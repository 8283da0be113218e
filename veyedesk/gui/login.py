"""Login dialog (Veyepar's "Admin Login: Username / Password"), shown when users exist."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from veyedesk.gui.widgets.safe_text import plain_label
from veyedesk.services.errors import AuthenticationFailed
from veyedesk.services.identity import Identity


class LoginDialog(QDialog):
    """Asks for user name and password; `authenticate(name, password)` checks them."""

    def __init__(
        self,
        authenticate: Callable[[str, str], Identity],
        default_name: str = "",
        database: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("veyedesk — log in")
        self._authenticate = authenticate
        self.identity: Identity | None = None
        self.name = QLineEdit(default_name)
        self.name.setObjectName("login_name")
        self.password = QLineEdit()
        self.password.setObjectName("login_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = plain_label()
        self.message.setObjectName("login_message")
        self.message.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow("User name", self.name)
        form.addRow("Password", self.password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Log in")
        buttons.accepted.connect(self._try_login)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if database:
            layout.addWidget(plain_label(f"Database: {database}"))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password if default_name else self.name).setFocus()

    def _try_login(self) -> None:
        try:
            self.identity = self._authenticate(self.name.text().strip(), self.password.text())
        except AuthenticationFailed as exc:
            self.message.setText(str(exc))
            self.password.selectAll()
            self.password.setFocus()
            return
        self.accept()
