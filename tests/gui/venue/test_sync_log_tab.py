"""The editor's Logs tab on the shared database shows which laptop's sync changed a talk."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import select

from tests.gui.editor_support import open_editor, open_episode
from tests.services.venue.support import copy_of, edit, seed_shared, sqlite
from veyedesk.db import make_engine, session_factory
from veyedesk.model import Episode
from veyedesk.services.identity import Identity
from veyedesk.services.venue.syncing import sync


def test_logs_tab_names_the_laptop_and_who_synced(
    qtbot: QtBot, sqlite_url: str, tmp_path: Path, artifacts: Path
) -> None:
    shared = make_engine(sqlite_url)
    with session_factory(shared)() as session:
        talk = seed_shared(session).episodes[0]
    copy_of(sqlite_url, tmp_path / "v.db", who="alice", machine="hall-b-laptop")
    local = sqlite(tmp_path / "v.db")
    edit(local, talk.uuid, name="Retitled in Hall B")
    sync(local, who=Identity("alice", "editor"))

    window, _prompts = open_editor(qtbot, shared)
    open_episode(qtbot, window, talk.id)
    logs = window.form.logs
    window.form.setCurrentWidget(logs)
    rows = [
        [logs.item(r, c).text() if logs.item(r, c) else "" for c in range(logs.columnCount())]
        for r in range(logs.rowCount())
    ]
    assert any(
        row[1] == "alice" and row[4] == "synced from hall-b-laptop by alice" for row in rows
    ), rows
    window.grab().save(str(artifacts / "venue_sync_logs_tab.png"))
    with session_factory(shared)() as s:
        assert s.scalars(select(Episode.name).where(Episode.id == talk.id)).one() == (
            "Retitled in Hall B"
        )
    local.dispose()
    shared.dispose()
