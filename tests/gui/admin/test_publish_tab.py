"""Show settings ▸ Publishing driven with keys and clicks, on real targets in the database.

Every change goes through services.publishing into the test's database (SQLite and
PostgreSQL); "on this machine" reads veyedesk.publish.secrets from the per-test secrets
file (tests/gui/conftest.py), where the tests store what `publish login` would.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.support.factory import ShowFixture
from veyedesk.db import session_factory
from veyedesk.gui.admin.publish_tab import OPTION_KEYS, PublishTab, TargetDialog
from veyedesk.gui.admin.show_settings import ShowSettingsDialog
from veyedesk.model import PublishTarget
from veyedesk.publish.base import TargetKind
from veyedesk.publish.secrets import FileSecrets
from veyedesk.services import publishing
from veyedesk.services.identity import Identity

ADMIN = Identity("lead", "admin")
EDITOR = Identity("ed", "editor")


def open_tab(
    qtbot: QtBot, engine: Engine, show: ShowFixture, who: Identity = ADMIN
) -> tuple[ShowSettingsDialog, PublishTab]:
    dialog = ShowSettingsDialog(session_factory(engine), who, show.show.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.runner.busy and dialog.room_list.count() == 2)
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    dialog.tabs.setCurrentIndex(titles.index("Publishing"))
    return dialog, dialog.publish_tab


def stored(engine: Engine, show: ShowFixture) -> list[tuple[str, str, dict[str, str]]]:
    """The show's targets as the database holds them now."""
    with session_factory(engine)() as s:
        return [(r.name, r.kind, r.options) for r in publishing.list_targets(s, show.show.id)]


def add_target(engine: Engine, show: ShowFixture, name: str, kind: str, **options: str) -> None:
    """A target made beforehand: through the service, or (a kind the service does not know,
    as a newer veyedesk sharing the database would write it) as a row."""
    with session_factory(engine)() as s, s.begin():
        if kind in {k.value for k in TargetKind}:
            publishing.add_target(s, ADMIN, show.show.id, name, kind, options)
        else:
            s.add(PublishTarget(show_id=show.show.id, name=name, kind=kind,
                                options=json.dumps(options)))  # fmt: skip


def _type(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _click(qtbot: QtBot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _dialog(qtbot: QtBot, tab: PublishTab) -> TargetDialog:
    qtbot.waitUntil(lambda: tab.dialog is not None and tab.dialog.isVisible())
    assert tab.dialog is not None
    return tab.dialog


def _cells(tab: PublishTab) -> list[list[str]]:
    table = tab.table
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def _edit_row(qtbot: QtBot, tab: PublishTab, row: int) -> TargetDialog:
    tab.table.selectRow(row)
    _click(qtbot, tab.edit_button)
    return _dialog(qtbot, tab)


def _add(qtbot: QtBot, tab: PublishTab, kind: TargetKind, name: str, **options: str) -> None:
    _click(qtbot, tab.add_button)
    dialog = _dialog(qtbot, tab)
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind.value))
    assert list(dialog.fields) == list(OPTION_KEYS[kind])  # the kind's own options
    _type(qtbot, dialog.name, name)
    for key, value in options.items():
        _type(qtbot, dialog.fields[key], value)
    _click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: not tab.runner.busy)


def test_an_admin_adds_edits_and_removes_targets(
    qtbot: QtBot, engine: Engine, show: ShowFixture, artifacts: Path
) -> None:
    FileSecrets().set("tube", "password", "what publish login stored")
    dialog, tab = open_tab(qtbot, engine, show)
    qtbot.waitUntil(lambda: tab.status.text() == "No publish targets yet.")

    _add(qtbot, tab, TargetKind.PEERTUBE, "tube", url="https://tube.example.org",
         channel="conf", username="crew")  # fmt: skip
    assert not tab.dialog or not tab.dialog.isVisible()
    assert tab.status.text() == "Saved: publish target tube added."
    _add(qtbot, tab, TargetKind.RCLONE, "mirror", remote="s3:videos/2026",
         public_url="https://cdn.example.org/2026/")  # fmt: skip
    _add(qtbot, tab, TargetKind.MASTODON, "toot", url="https://social.example.org")
    qtbot.waitUntil(lambda: tab.table.rowCount() == 3)
    assert stored(engine, show) == [
        ("tube", "peertube",
         {"url": "https://tube.example.org", "channel": "conf", "username": "crew"}),
        ("mirror", "rclone",
         {"remote": "s3:videos/2026", "public_url": "https://cdn.example.org/2026/"}),
        ("toot", "mastodon", {"url": "https://social.example.org"}),  # blank ones left out
    ]  # fmt: skip
    assert _cells(tab) == [
        ["tube", "peertube", "video", "https://tube.example.org", "secret stored"],
        ["mirror", "rclone", "video", "s3:videos/2026", "no secret needed"],
        ["toot", "mastodon", "announce", "https://social.example.org",
         "login needed on this machine (veyedesk publish login toot)"],
    ]  # fmt: skip
    dialog.resize(760, 640)
    dialog.grab().save(str(artifacts / "settings-publishing-tab.png"))

    # A name the show has already: refused, the dialog stays open saying why.
    _click(qtbot, tab.add_button)
    adding = _dialog(qtbot, tab)
    _type(qtbot, adding.name, "tube")
    adding.grab().save(str(artifacts / "settings-publishing-add.png"))
    _click(qtbot, adding.save_button)
    qtbot.waitUntil(lambda: adding.status.text().startswith("Nothing saved"))
    assert "already has a target 'tube'" in adding.status.text()
    assert adding.isVisible() and len(stored(engine, show)) == 3
    # A name the service refuses: its reason, in the dialog.
    _type(qtbot, adding.name, "two words")
    _click(qtbot, adding.save_button)
    qtbot.waitUntil(lambda: "use letters, digits" in adding.status.text())
    assert adding.isVisible() and adding.save_button.isEnabled()
    adding.reject()

    # Edit: the name and kind stay, the options change; one cleared is removed.
    editing = _edit_row(qtbot, tab, 0)
    assert editing.name.isReadOnly() and not editing.kind.isEnabled()
    assert editing.fields["channel"].text() == "conf"
    _type(qtbot, editing.fields["channel"], "talks")
    editing.fields["username"].clear()
    _click(qtbot, editing.save_button)
    qtbot.waitUntil(lambda: tab.status.text() == "Saved: publish target tube changed.")
    assert stored(engine, show)[0][2] == {"url": "https://tube.example.org", "channel": "talks"}

    # Remove asks first: No keeps it, Yes removes it.
    tab.table.selectRow(1)
    _click(qtbot, tab.remove_button)
    qtbot.waitUntil(lambda: tab.confirm is not None and tab.confirm.isVisible())
    assert tab.confirm is not None and "mirror (rclone)" in tab.confirm.text()
    _click(qtbot, tab.confirm.button(QMessageBox.StandardButton.No))
    assert tab.status.text() == "Not removed." and len(stored(engine, show)) == 3
    tab.table.selectRow(1)
    _click(qtbot, tab.remove_button)
    qtbot.waitUntil(lambda: tab.confirm is not None and tab.confirm.isVisible())
    _click(qtbot, tab.confirm.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: tab.status.text() == "Saved: publish target mirror removed.")
    qtbot.waitUntil(lambda: [r[0] for r in _cells(tab)] == ["tube", "toot"])  # read again
    assert [r[0] for r in stored(engine, show)] == ["tube", "toot"]


def test_this_machine_s_login_per_kind(qtbot: QtBot, engine: Engine, show: ShowFixture) -> None:
    add_target(engine, show, "yt", "youtube", client_id="1234.apps")
    add_target(engine, show, "ia", "archive", collection="opensource_movies")
    add_target(engine, show, "ccc", "voctoweb", acronym="conf26")
    add_target(engine, show, "hook", "webhook", url="https://example.org/hook")
    secrets = FileSecrets()
    secrets.set("yt", "client_secret", "s")  # the refresh token is still missing
    secrets.set("ia", "access", "a")
    secrets.set("ia", "secret", "b")
    secrets.set("ccc", "api_key", "k")
    secrets.set("hook", "token", "t")  # optional for a webhook
    _, tab = open_tab(qtbot, engine, show)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 4)
    assert [row[3:] for row in _cells(tab)] == [
        ["", "login needed on this machine (veyedesk publish login yt)"],
        ["opensource_movies", "secret stored"],
        ["conf26", "secret stored"],
        ["https://example.org/hook", "secret stored"],
    ]


def test_editing_keeps_options_the_form_does_not_know(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    add_target(engine, show, "tube", "peertube", url="https://t.example", chunk_mb="4")
    _, tab = open_tab(qtbot, engine, show)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    editing = _edit_row(qtbot, tab, 0)
    assert list(editing.fields) == ["url", "channel", "username", "category", "chunk_mb"]
    _type(qtbot, editing.fields["channel"], "conf")
    _click(qtbot, editing.save_button)
    qtbot.waitUntil(lambda: "changed" in tab.status.text())
    assert stored(engine, show)[0][2] == {
        "url": "https://t.example",
        "chunk_mb": "4",
        "channel": "conf",
    }


def test_a_kind_this_version_does_not_know_is_shown_and_kept(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    add_target(engine, show, "sky", "bluesky", handle="@c")
    _, tab = open_tab(qtbot, engine, show)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    assert _cells(tab)[0][:4] == ["sky", "bluesky", "announce", ""]
    editing = _edit_row(qtbot, tab, 0)
    assert editing.kind.currentData() == "bluesky" and list(editing.fields) == ["handle"]
    _type(qtbot, editing.fields["handle"], "@conf")
    _click(qtbot, editing.save_button)
    qtbot.waitUntil(lambda: "changed" in tab.status.text())
    assert stored(engine, show) == [("sky", "bluesky", {"handle": "@conf"})]


def test_others_see_the_targets_read_only(qtbot: QtBot, engine: Engine, show: ShowFixture) -> None:
    add_target(engine, show, "tube", "peertube", url="https://t.example")
    _, tab = open_tab(qtbot, engine, show, EDITOR)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    tab.table.selectRow(0)
    assert tab.read_only_note.isVisible()
    assert not any(b.isEnabled() for b in (tab.add_button, tab.edit_button, tab.remove_button))
    tab.table.doubleClicked.emit(tab.table.model().index(0, 0))
    assert tab.dialog is None  # no editor opens either


def test_target_text_is_shown_as_typed(qtbot: QtBot, engine: Engine, show: ShowFixture) -> None:
    hostile = '<img src="/dev/zero"><b>x</b>'
    add_target(engine, show, "t1", "webhook", url=hostile, note="<i>n</i>")
    _, tab = open_tab(qtbot, engine, show)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    assert _cells(tab)[0][:4] == ["t1", "webhook", "announce", hostile]
    assert "&lt;img" in tab.table.item(0, 3).toolTip()  # the tooltip escapes it
    editing = _edit_row(qtbot, tab, 0)
    assert editing.fields["note"].text() == "<i>n</i>"
