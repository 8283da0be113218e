"""New show dialog (admins): a client (picked or new) and a show, then its settings open.

A crew lead with an empty database starts here instead of a terminal: Admin ▸ New show…
creates the client when its slug is new and the show under it through
services.settings.create_show, which checks the slugs; a refusal is shown in the dialog
and nothing is written.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.safe_text import plain_label
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.model.slug import slugify
from veyedesk.services import admin
from veyedesk.services.identity import Identity


class NewShowDialog(QDialog):
    """Client slug and name, show slug and name; Create makes them."""

    created = Signal(int)  # the new show's id

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
        self.setWindowTitle("New show")
        self.setObjectName("new_show")
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        for name, label, hint in (
            ("client_name", "Client", "e.g. PyCon Example"),
            ("client_slug", "Client slug", "letters, digits, _ and -; existing or new"),
            ("show_name", "Show", "e.g. PyCon Example 2026"),
            ("show_slug", "Show slug", "letters, digits, _ and -"),
        ):
            edit = QLineEdit()
            edit.setObjectName(f"new_{name}")
            edit.setPlaceholderText(hint)
            self.edits[name] = edit
            form.addRow(label, edit)
        # A slug follows its name until the user types one of their own.
        for source in ("client", "show"):
            self.edits[f"{source}_name"].textEdited.connect(
                lambda text, s=source: self._suggest(s, text)
            )
        self._typed: set[str] = set()
        for source in ("client", "show"):
            self.edits[f"{source}_slug"].textEdited.connect(
                lambda _text, s=source: self._typed.add(s)
            )
        self.status = plain_label()
        self.status.setObjectName("new_show_status")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = buttons.addButton("Create", QDialogButtonBox.ButtonRole.ApplyRole)
        self.create_button.setObjectName("new_show_create")
        self.create_button.clicked.connect(self.create_show)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(520, 220)

    def _suggest(self, source: str, text: str) -> None:
        if source not in self._typed:
            self.edits[f"{source}_slug"].setText(slugify(text, "").lower())

    def create_show(self) -> None:
        values = {name: edit.text() for name, edit in self.edits.items()}

        def work() -> int:
            with self.sessions() as session, session.begin():
                return admin.create_show(
                    session,
                    self.identity,
                    values["client_slug"],
                    values["client_name"],
                    values["show_slug"],
                    values["show_name"],
                )

        def failed(exc: Exception) -> None:
            self.status.setStyleSheet("color: #b00020")
            self.status.setText(f"Nothing saved: {exc}")

        def done(show_id: int) -> None:
            self.created.emit(show_id)
            self.accept()

        self.runner.submit(work, done, failed)
