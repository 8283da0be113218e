"""Show settings ▸ Publishing driven with keys and clicks.

The target services come from tests/gui/publish_fake.py until pubcore's real ones are
merged (then the fake goes and these tests run on real targets in the database).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.gui.publish_fake import FakePublishing, TargetRow, fake_publishing
from tests.support.factory import ShowFixture
from veyedesk.db import session_factory
from veyedesk.gui.admin.publish_tab import OPTION_KEYS, PublishTab, TargetDialog
from veyedesk.gui.admin.show_settings import ShowSettingsDialog
from veyedesk.publish.base import TargetKind
from veyedesk.services.identity import Identity

__all__ = ["fake_publishing"]  # the fixture, imported for pytest

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
    qtbot: QtBot,
    engine: Engine,
    show: ShowFixture,
    fake_publishing: FakePublishing,
    artifacts: Path,
) -> None:
    fake_publishing.secrets.add("tube")
    dialog, tab = open_tab(qtbot, engine, show)
    qtbot.waitUntil(lambda: tab.status.text() == "No publish targets yet.")

    _add(qtbot, tab, TargetKind.PEERTUBE, "tube", url="https://tube.example.org",
         channel="conf", username="crew")  # fmt: skip
    assert not tab.dialog or not tab.dialog.isVisible()
    assert tab.status.text() == "Saved: publish target tube added."
    _add(qtbot, tab, TargetKind.RCLONE, "mirror", remote="s3:videos/2026",
         public_url="https://cdn.example.org/2026/")  # fmt: skip
    _add(qtbot, tab, TargetKind.MASTODON, "toot", url="https://social.example.org")
    rows = fake_publishing.targets[show.show.id]
    assert [(r.name, r.kind, r.options) for r in rows] == [
        ("tube", "peertube",
         {"url": "https://tube.example.org", "channel": "conf", "username": "crew"}),
        ("mirror", "rclone",
         {"remote": "s3:videos/2026", "public_url": "https://cdn.example.org/2026/"}),
        ("toot", "mastodon", {"url": "https://social.example.org"}),  # blank visibility left out
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
    assert "already has a publish target 'tube'" in adding.status.text()
    assert adding.isVisible() and len(fake_publishing.targets[show.show.id]) == 3
    adding.reject()

    # Edit: the name and kind stay, the options change.
    tab.table.selectRow(0)
    _click(qtbot, tab.edit_button)
    editing = _dialog(qtbot, tab)
    assert editing.name.isReadOnly() and not editing.kind.isEnabled()
    assert editing.fields["channel"].text() == "conf"
    _type(qtbot, editing.fields["channel"], "talks")
    _click(qtbot, editing.save_button)
    qtbot.waitUntil(lambda: tab.status.text() == "Saved: publish target tube changed.")
    assert rows[0].options["channel"] == "talks"
    assert "set tube" in fake_publishing.calls

    # Remove asks first: No keeps it, Yes removes it.
    tab.table.selectRow(1)
    _click(qtbot, tab.remove_button)
    qtbot.waitUntil(lambda: tab.confirm is not None and tab.confirm.isVisible())
    assert tab.confirm is not None and "mirror (rclone)" in tab.confirm.text()
    _click(qtbot, tab.confirm.button(QMessageBox.StandardButton.No))
    assert tab.status.text() == "Not removed." and "remove mirror" not in fake_publishing.calls
    tab.table.selectRow(1)
    _click(qtbot, tab.remove_button)
    qtbot.waitUntil(lambda: tab.confirm is not None and tab.confirm.isVisible())
    _click(qtbot, tab.confirm.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: tab.status.text() == "Saved: publish target mirror removed.")
    assert [r[0] for r in _cells(tab)] == ["tube", "toot"]


def test_editing_keeps_options_the_form_does_not_know(
    qtbot: QtBot, engine: Engine, show: ShowFixture, fake_publishing: FakePublishing
) -> None:
    fake_publishing.targets[show.show.id] = [
        TargetRow(1, "tube", "peertube", {"url": "https://t.example", "licence": "1"})
    ]
    _, tab = open_tab(qtbot, engine, show)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    tab.table.selectRow(0)
    _click(qtbot, tab.edit_button)
    editing = _dialog(qtbot, tab)
    assert list(editing.fields) == ["url", "channel", "username", "licence"]
    _click(qtbot, editing.save_button)
    qtbot.waitUntil(lambda: "changed" in tab.status.text())
    assert fake_publishing.targets[show.show.id][0].options == {
        "url": "https://t.example",
        "licence": "1",
    }


def test_a_kind_this_version_does_not_know_is_shown_and_kept(
    qtbot: QtBot, engine: Engine, show: ShowFixture, fake_publishing: FakePublishing
) -> None:
    fake_publishing.targets[show.show.id] = [TargetRow(1, "sky", "bluesky", {"handle": "@c"})]
    _, tab = open_tab(qtbot, engine, show)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    assert _cells(tab)[0][:4] == ["sky", "bluesky", "announce", ""]
    tab.table.selectRow(0)
    _click(qtbot, tab.edit_button)
    editing = _dialog(qtbot, tab)
    assert editing.kind.currentData() == "bluesky" and list(editing.fields) == ["handle"]
    _type(qtbot, editing.fields["handle"], "@conf")
    _click(qtbot, editing.save_button)
    qtbot.waitUntil(lambda: "changed" in tab.status.text())
    assert fake_publishing.targets[show.show.id][0].options == {"handle": "@conf"}


def test_others_see_the_targets_read_only(
    qtbot: QtBot, engine: Engine, show: ShowFixture, fake_publishing: FakePublishing
) -> None:
    fake_publishing.targets[show.show.id] = [
        TargetRow(1, "tube", "peertube", {"url": "https://t.example"})
    ]
    _, tab = open_tab(qtbot, engine, show, EDITOR)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    tab.table.selectRow(0)
    assert tab.read_only_note.isVisible()
    assert not any(b.isEnabled() for b in (tab.add_button, tab.edit_button, tab.remove_button))
    tab.table.doubleClicked.emit(tab.table.model().index(0, 0))
    assert tab.dialog is None  # no editor opens either


def test_target_text_is_shown_as_typed(
    qtbot: QtBot, engine: Engine, show: ShowFixture, fake_publishing: FakePublishing
) -> None:
    hostile = '<img src="/dev/zero"><b>x</b>'
    fake_publishing.targets[show.show.id] = [TargetRow(1, "t<b>1</b>", "webhook", {"url": hostile})]
    _, tab = open_tab(qtbot, engine, show)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    assert _cells(tab)[0][:4] == ["t<b>1</b>", "webhook", "announce", hostile]
    assert "&lt;img" in tab.table.item(0, 3).toolTip()  # the tooltip escapes it
