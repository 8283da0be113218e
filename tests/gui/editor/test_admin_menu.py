"""The main window gives admins an Admin menu and an Admin tab; editors get neither."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.support.factory import ShowFixture
from veyedesk.config import load_settings
from veyedesk.db import session_factory
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.services.identity import Identity


def _window(qtbot: QtBot, engine: Engine, role: str) -> MainWindow:
    settings = load_settings(flags={"db": str(engine.url)})
    window = MainWindow(session_factory(engine), settings, Identity("ed@laptop", role))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() > 0, timeout=5000)
    return window


def _menus(window: MainWindow) -> list[str]:
    return [a.text() for a in window.menuBar().actions()]


def test_admin_menu_and_tab_for_admins_only(
    qtbot: QtBot, engine: Engine, show: ShowFixture, artifacts: Path
) -> None:
    editor = _window(qtbot, engine, "editor")
    assert "&Admin" not in _menus(editor) and editor.admin_tab is None
    tabs = [editor.form.tabText(i) for i in range(editor.form.count())]
    assert "Admin" not in tabs
    editor.close()

    admin = _window(qtbot, engine, "admin")
    assert "&Admin" in _menus(admin) and admin.admin_tab is not None
    assert "Admin" in [admin.form.tabText(i) for i in range(admin.form.count())]
    assert not admin.admin_tab.apply_button.isEnabled()  # no talk open yet
    dialog = admin.open_show_settings()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.room_list.count() == 2)
    dialog.tabs.setCurrentIndex(2)
    dialog.grab().save(str(artifacts / "settings-rooms-tab.png"))
    dialog.tabs.setCurrentIndex(0)
    dialog.grab().save(str(artifacts / "settings-client-tab.png"))
    users = admin.open_users()
    qtbot.waitUntil(lambda: not admin.runner.busy)
    assert "no user" not in users.status.text()
    dialog.close()
    users.close()


def test_splitting_the_open_talk_reloads_it_in_the_editor(
    qtbot: QtBot, engine: Engine, show: ShowFixture, artifacts: Path
) -> None:
    from PySide6.QtCore import Qt

    from tests.gui.editor_support import open_editor, open_episode

    window, prompts = open_editor(qtbot, engine, Identity("lead", "admin"))
    ep = show.episodes[0]
    open_episode(qtbot, window, ep.id)
    tab = window.admin_tab
    assert tab is not None
    window.form.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.info is not None and tab.info.episode_id == ep.id)
    window.grab().save(str(artifacts / "admin-tab-in-window.png"))
    rows_before = window.episodes.proxy.rowCount()
    qtbot.mouseClick(tab.split_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() == rows_before + 1, timeout=10000)
    # The editor reopened the talk: its draft has the shorter slot.
    qtbot.waitUntil(
        lambda: (
            window.editing.document is not None
            and window.editing.document.draft.fields["duration"] == 15 * 60
        ),
        timeout=10000,
    )
    assert prompts.errors == []


def test_a_new_show_from_the_window_then_its_rooms(
    qtbot: QtBot, engine: Engine, show: ShowFixture, artifacts: Path
) -> None:
    from PySide6.QtCore import Qt
    from sqlalchemy import select

    from veyedesk.model import Client, Location, Show

    window = _window(qtbot, engine, "admin")
    dialog = window.open_new_show()
    qtbot.waitUntil(dialog.isVisible)
    qtbot.keyClicks(dialog.edits["client_name"], "Democon Org")
    qtbot.keyClicks(dialog.edits["show_name"], "Democon 2026")
    assert dialog.edits["show_slug"].text() == "democon_2026"  # suggested from the name
    dialog.edits["show_slug"].clear()
    qtbot.keyClicks(dialog.edits["show_slug"], "pretalx democon")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "show slug 'pretalx democon'" in dialog.status.text())
    dialog.edits["show_slug"].clear()
    qtbot.keyClicks(dialog.edits["show_slug"], "pretalx-democon")
    dialog.grab().save(str(artifacts / "new-show.png"))
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.new_show_settings is not None, timeout=5000)
    settings = window.new_show_settings
    assert settings is not None
    qtbot.waitUntil(lambda: not settings.runner.busy and settings.windowTitle().endswith("2026"))
    qtbot.keyClicks(settings.new_room_slug, "hall-a")
    qtbot.keyClicks(settings.new_room_name, "Hall A")
    qtbot.mouseClick(settings.add_room_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settings.room_list.count() == 1)
    qtbot.waitUntil(lambda: window.show_box.currentText() == "democon_org / Democon 2026")
    with session_factory(engine)() as s:
        new = s.scalar(select(Show).where(Show.slug == "pretalx-democon"))
        assert new is not None and new.client.name == "Democon Org"
        assert [r.slug for r in new.locations] == ["hall-a"]
        assert s.scalar(select(Client.slug).where(Client.id == new.client_id)) == "democon_org"
        assert s.scalar(select(Location.name).where(Location.slug == "hall-a")) == "Hall A"


def test_retiming_the_open_talk_s_room_reloads_its_files(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    from datetime import timedelta

    from PySide6.QtCore import Qt

    from tests.gui.editor_support import open_editor, open_episode

    window, prompts = open_editor(qtbot, engine, Identity("lead", "admin"))
    ep = show.episodes[2]  # room A, 10:30: files of room A still cover it an hour later
    open_episode(qtbot, window, ep.id)
    doc = window.editing.document
    assert doc is not None
    before = {r.id: r.start for r in doc.draft.raw_files.values()}
    dialog = window.open_show_settings()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.room_list.count() == 2)
    dialog.tabs.setCurrentIndex(2)
    spin = dialog.room_forms[show.rooms[0].id].widgets["hours_offset"]
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.retime_preview is not None and dialog.retime_preview.isVisible())
    qtbot.mouseClick(dialog.retime_preview.apply_button, Qt.MouseButton.LeftButton)  # type: ignore[union-attr]
    qtbot.waitUntil(
        lambda: (
            window.editing.document is not None
            and window.editing.document is not doc
            and window.editing.context is not None
        ),
        timeout=10000,
    )
    after = {r.id: r.start for r in window.editing.document.draft.raw_files.values()}  # type: ignore[union-attr]
    moved = [rid for rid in before if rid in after]
    assert moved and all(after[r] == before[r] + timedelta(hours=1) for r in moved)  # type: ignore[operator]
    assert prompts.errors == []


def test_an_admins_window_fits_a_laptop_screen(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    # Every dock and tab is in; the form dock is as tall as its tallest tab, so a tall tab
    # that does not scroll would push the window past a 1366x768 laptop's screen.
    admin = _window(qtbot, engine, "admin")
    needed = admin.minimumSizeHint()
    assert needed.width() <= 1366 and needed.height() <= 700, needed
