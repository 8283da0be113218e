"""What the crew lead's path (test_crew_lead_path.py) found broken, one test each."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.gui.editor_support import ScriptedPrompts
from tests.gui.ingest_support import open_window
from tests.support.factory import ShowFixture
from veyedesk.config import load_settings
from veyedesk.db import session_factory
from veyedesk.gui.editor.admin_tab import EpisodeAdminTab
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.model import Episode
from veyedesk.services import catalog
from veyedesk.services.demo import DemoPlan
from veyedesk.services.identity import Identity

ADMIN = Identity("lead", "admin")


def _mnemonics(menu: QMenu) -> list[str]:
    keys = []
    for action in menu.actions():
        text = action.text().replace("&&", "")
        if "&" in text and action.isVisible() and not action.isSeparator():
            keys.append(text[text.index("&") + 1].lower())
    return keys


def test_every_menu_item_has_a_mnemonic_of_its_own(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    # Two items on one letter: the key only moves between them and opens neither, so
    # File ▸ Import schedule and Scan recordings could not be reached by keyboard.
    window = open_window(qtbot, engine, ADMIN, watch=False)
    for bar_action in window.menuBar().actions():
        menu = bar_action.menu()
        assert isinstance(menu, QMenu)
        keys = _mnemonics(menu)
        doubled = sorted({k for k in keys if keys.count(k) > 1})
        assert doubled == [], f"{bar_action.text()}: {doubled} open more than one item"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_admin_tab_adds_a_talk_to_the_current_show_with_no_talk_open(
    qtbot: QtBot, engine: Engine, session: Session
) -> None:
    catalog.add_client(session, "crew")
    show = catalog.add_show(session, "crew", "crew26", "Crew 26")
    catalog.add_room(session, show, "hall", "Hall")
    session.commit()
    window = open_window(qtbot, engine, ADMIN, watch=False)
    tab = window.admin_tab
    assert tab is not None
    qtbot.waitUntil(lambda: tab.new_room.findData("hall") >= 0, timeout=10000)
    tab.new_name.setFocus()
    qtbot.keyClicks(tab.new_name, "Lightning talks")
    tab.new_start.setFocus()
    qtbot.keyClicks(tab.new_start, "2026-02-01 17:00")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() == 1, timeout=10000)
    with session_factory(engine)() as s:
        talk = s.scalars(select(Episode)).one()
        assert (talk.name, talk.show_id, talk.start) == (
            "Lightning talks",
            show.id,
            datetime(2026, 2, 1, 17, 0),
        )


def test_a_talk_open_from_another_show_does_not_decide_where_a_new_talk_goes(
    qtbot: QtBot, engine: Engine, show: ShowFixture, session: Session
) -> None:
    from tests.gui.editor_support import open_episode

    other = catalog.add_show(session, show.show.client.slug, "other26", "Other 26")
    catalog.add_room(session, other, "other_hall", "Other hall")
    session.commit()
    window = open_window(qtbot, engine, ADMIN, watch=False)
    window.select_show(show.show.id)
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() == 6, timeout=10000)
    open_episode(qtbot, window, show.episodes[0].id)
    window.select_show(other.id)  # the talk stays open; the list shows the other show
    tab = window.admin_tab
    assert isinstance(tab, EpisodeAdminTab)
    qtbot.waitUntil(lambda: tab.new_room.findData("other_hall") >= 0, timeout=10000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10000)
    assert tab.new_room.findData("other_hall") >= 0  # the open talk's rooms did not return
    tab.new_name.setFocus()
    qtbot.keyClicks(tab.new_name, "Added to the other show")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.status.text().startswith(("Added", "Nothing")), timeout=10000)
    with session_factory(engine)() as s:
        talk = s.scalar(select(Episode).where(Episode.name == "Added to the other show"))
        assert talk is not None and talk.show_id == other.id


@pytest.mark.media
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_demo_seeded_meanwhile_does_not_take_over_a_show_the_lead_made(
    qtbot: QtBot, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty database gets the demo show in the background (ffmpeg renders it, seconds);
    # a crew lead who made a show meanwhile must not be switched to the demo under them.
    monkeypatch.setenv("VEYEDESK_DATA_DIR", str(tmp_path / "data"))
    settings = load_settings(flags={"db": engine.url.render_as_string(hide_password=False)})
    prompts = ScriptedPrompts()
    window = MainWindow(
        session_factory(engine),
        settings,
        ADMIN,
        prompts=prompts,
        demo_plan=DemoPlan(files_per_room=2, file_seconds=6.0, talks_per_room=2),
    )
    prompts.parent = window
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.runner.busy, timeout=5000)  # the demo is being made
    dialog = window.open_new_show()
    qtbot.keyClicks(dialog.edits["client_name"], "Crew")
    qtbot.keyClicks(dialog.edits["show_name"], "Crew 26")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.show_box.currentText() == "crew / Crew 26", timeout=10000)
    qtbot.waitUntil(lambda: window.show_box.count() == 2, timeout=120000)  # the demo is done
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    assert window.show_box.currentText() == "crew / Crew 26"
    assert window.editing.document is None  # no demo talk opened under the lead either


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_room_is_added_by_its_name_alone_the_slug_suggested(
    qtbot: QtBot, engine: Engine, session: Session
) -> None:
    from veyedesk.gui.admin.show_settings import ShowSettingsDialog
    from veyedesk.model import Location

    catalog.add_client(session, "crew")
    show = catalog.add_show(session, "crew", "crew26", "Crew 26")
    session.commit()
    dialog = ShowSettingsDialog(session_factory(engine), ADMIN, show.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.windowTitle().endswith("Crew 26"), timeout=10000)
    dialog.new_room_name.setFocus()
    qtbot.keyClicks(dialog.new_room_name, "Main Hall 2")
    assert dialog.new_room_slug.text() == "main_hall_2"
    qtbot.mouseClick(dialog.add_room_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.room_list.count() == 1, timeout=10000)
    # A slug typed by hand wins over the name's.
    qtbot.keyClicks(dialog.new_room_slug, "annex")
    qtbot.keyClicks(dialog.new_room_name, "The Annex")
    assert dialog.new_room_slug.text() == "annex"
    with session_factory(engine)() as s:
        assert s.scalars(select(Location.slug)).all() == ["main_hall_2"]
