"""File ▸ Sync asks for the shared database's password, masked, and keeps it in memory only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy.engine import make_url

from tests.services.venue.support import copy_of, dump, edit, seed_shared, sqlite
from tests.support.pg_password import password_login
from tests.support.postgres import PostgresServer
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.venue.sync_dialog import SyncDialog, forget_passwords, remembered_password

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _no_remembered_passwords() -> Iterator[None]:
    forget_passwords()
    yield
    forget_passwords()


def _click_sync(qtbot: QtBot, dialog: SyncDialog) -> None:
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.start_button.isEnabled(), timeout=30000)


def test_sync_asks_for_the_password_retries_and_keeps_it_for_the_session(
    qtbot: QtBot, pg_server: PostgresServer, pg_url: str, tmp_path: Path, artifacts: Path
) -> None:
    shared = make_engine(pg_url)
    with session_factory(shared)() as session:
        talks = [e.uuid for e in seed_shared(session).episodes]
    login_url, password = password_login(pg_server, pg_url)
    with_password = make_url(login_url).set(password=password)
    copy_of(with_password.render_as_string(hide_password=False), tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    edit(local, talks[0], name="Titled at the venue")
    local.dispose()
    venue_url = f"sqlite:///{tmp_path / 'v.db'}"

    dialog = SyncDialog(venue_url)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.password_row.isVisible()
    _click_sync(qtbot, dialog)
    assert dialog.report is None and dialog.password_row.isVisible()
    field = dialog.findChild(QLineEdit, "sync_password")
    assert field is dialog.password
    assert field.echoMode() == QLineEdit.EchoMode.Password
    assert "wants a password for user pw_" in dialog.password_prompt.text()
    dialog.grab().save(str(artifacts / "venue_sync_password.png"))

    qtbot.keyClicks(field, "not the password")
    _click_sync(qtbot, dialog)
    assert dialog.report is None and "refused the password" in dialog.password_prompt.text()
    assert field.text() == "" and remembered_password(venue_url) is None
    dialog.grab().save(str(artifacts / "venue_sync_password_wrong.png"))

    qtbot.keyClicks(field, password)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.busy, timeout=30000)
    assert dump(shared)["episode"][talks[0]]["name"] == "Titled at the venue"
    assert not dialog.password_row.isVisible() and field.text() == ""
    assert remembered_password(venue_url) == password
    # Never written to the copy (nor its URL): the file holds no trace of it.
    assert password.encode() not in (tmp_path / "v.db").read_bytes()

    # Another sync this session (a new dialog) uses it without asking.
    edit(shared, talks[1], name="Renamed online")
    again = SyncDialog(venue_url)
    qtbot.addWidget(again)
    again.show()
    _click_sync(qtbot, again)
    assert again.report is not None and again.report.pulled == 1
    assert not again.password_row.isVisible()
    shared.dispose()
