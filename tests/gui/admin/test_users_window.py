"""The users window driven with keys and clicks: add, role, reset password, disable."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from veyedesk.db import session_factory
from veyedesk.gui.admin.users_window import UsersWindow
from veyedesk.model import User
from veyedesk.services.admin.users import add_user, authenticate
from veyedesk.services.errors import AuthenticationFailed
from veyedesk.services.identity import Identity

BOSS = Identity("boss", "admin", authenticated=True)


def _type(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _click(qtbot: QtBot, window: UsersWindow, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runner.busy)


def _select(qtbot: QtBot, window: UsersWindow, name: str) -> None:
    names = [r.name for r in window.rows]
    window.table.setFocus()
    window.table.selectRow(names.index(name))
    assert window.selected_name() == name


def _users(engine: Engine) -> list[tuple[str, str, bool]]:
    with session_factory(engine)() as s:
        return [(u.name, u.role, u.active) for u in s.scalars(select(User).order_by(User.name))]


def test_an_admin_manages_logins_from_the_window(
    qtbot: QtBot, engine: Engine, session: Session, artifacts: Path
) -> None:
    add_user(session, "boss", "admin", "boss-password")
    session.commit()
    window = UsersWindow(session_factory(engine), BOSS)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.table.rowCount() == 1)

    _type(qtbot, window.new_name, "ed")
    window.new_role.setCurrentText("editor")
    _type(qtbot, window.new_password, "short")
    _type(qtbot, window.new_again, "short")
    _click(qtbot, window, window.add_button)
    assert "at least 8 characters" in window.status.text()
    assert _users(engine) == [("boss", "admin", True)]
    _type(qtbot, window.new_password, "ed-password")
    _type(qtbot, window.new_again, "ed-passwort")
    _click(qtbot, window, window.add_button)
    assert "the two passwords differ" in window.status.text()
    _type(qtbot, window.new_again, "ed-password")
    _click(qtbot, window, window.add_button)
    qtbot.waitUntil(lambda: window.table.rowCount() == 2)
    assert _users(engine) == [("boss", "admin", True), ("ed", "editor", True)]

    _select(qtbot, window, "ed")
    window.role.setCurrentText("reviewer")
    _click(qtbot, window, window.role_button)
    _type(qtbot, window.reset_password, "new-ed-password")
    _click(qtbot, window, window.reset_button)
    assert window.status.text() == "Password of ed reset."
    with session_factory(engine)() as s:
        assert authenticate(s, "ed", "new-ed-password").role == "reviewer"

    _select(qtbot, window, "ed")
    assert window.active_button.text() == "Disable"
    _click(qtbot, window, window.active_button)
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert _users(engine) == [("boss", "admin", True), ("ed", "reviewer", False)]
    with session_factory(engine)() as s, pytest.raises(AuthenticationFailed):
        authenticate(s, "ed", "new-ed-password")

    # The same rules as the CLI: boss cannot disable their own login.
    _select(qtbot, window, "boss")
    _click(qtbot, window, window.active_button)
    assert "cannot disable your own login" in window.status.text()
    assert _users(engine)[0] == ("boss", "admin", True)
    _select(qtbot, window, "ed")
    window.grab().save(str(artifacts / "users-window.png"))


def test_a_reviewer_gets_nothing(qtbot: QtBot, engine: Engine, session: Session) -> None:
    add_user(session, "boss", "admin", "boss-password")
    session.commit()
    window = UsersWindow(session_factory(engine), Identity("rita", "reviewer", True))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert "may not admin" in window.status.text() and window.table.rowCount() == 0


def test_with_no_users_the_window_says_everyone_is_admin_and_adds_an_admin(
    qtbot: QtBot, engine: Engine
) -> None:
    # No logins yet: the OS user acts as admin (services.identity), and the window says so.
    window = UsersWindow(session_factory(engine), Identity("crew", "admin"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert window.no_users.isVisible()
    assert "everyone who opens it acts as an admin" in window.no_users.text()
    assert window.new_role.currentText() == "admin"  # the first user must be one

    _type(qtbot, window.new_name, "boss")
    window.new_role.setCurrentText("editor")  # refused, in the window's words
    _type(qtbot, window.new_password, "boss-password")
    _type(qtbot, window.new_again, "boss-password")
    _click(qtbot, window, window.add_button)
    message = window.status.text()
    assert "first user must be an admin" in message
    assert "--" not in message and "`" not in message  # no command-line flags in a window
    assert _users(engine) == []

    window.new_role.setCurrentText("admin")
    _click(qtbot, window, window.add_button)
    qtbot.waitUntil(lambda: window.table.rowCount() == 1)
    assert _users(engine) == [("boss", "admin", True)]
    assert not window.no_users.isVisible()
    assert window.new_role.currentText() == "editor"  # later logins are mostly editors


def test_an_existing_name_is_refused_without_command_line_hints(
    qtbot: QtBot, engine: Engine, session: Session
) -> None:
    add_user(session, "boss", "admin", "boss-password")
    session.commit()
    window = UsersWindow(session_factory(engine), BOSS)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.table.rowCount() == 1)
    assert not window.no_users.isVisible()
    _type(qtbot, window.new_name, "boss")
    _type(qtbot, window.new_password, "other-password")
    _type(qtbot, window.new_again, "other-password")
    _click(qtbot, window, window.add_button)
    assert "exists" in window.status.text() and "`" not in window.status.text()
