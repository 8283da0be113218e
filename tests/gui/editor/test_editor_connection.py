"""A dropped database connection while saving: edits stay (memory + journal), the save retries."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.gui.editor_support import open_editor, open_episode, type_text
from tests.support.factory import make_show
from tests.support.postgres import PostgresServer
from veyedesk.db import make_engine, session_factory
from veyedesk.model import Episode
from veyedesk.services.editing.journal import pending_journals


@pytest.mark.postgres
def test_save_survives_the_server_refusing_connections_and_retries(
    qtbot: QtBot, pg_server: PostgresServer, pg_url: str
) -> None:
    engine: Engine = make_engine(pg_url)
    with session_factory(engine)() as s:
        fixture = make_show(s)
        s.commit()
        episode_id = fixture.episodes[0].id
    window, prompts = open_editor(qtbot, engine)
    window.editing.retry_ms = 300
    open_episode(qtbot, window, episode_id)
    name = window.form.lines["name"]
    name.selectAll()
    type_text(qtbot, name, "Saved after the outage")

    messages: list[str] = []
    window.editing.status.connect(messages.append)
    database = engine.url.database
    pg_server.psql_admin(f"ALTER DATABASE {database} ALLOW_CONNECTIONS false")
    pg_server.psql_admin(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
    )
    try:
        window.save()
        qtbot.waitUntil(lambda: "unreachable" in window.connection_label.text(), timeout=15000)
        assert any("edits are kept" in m for m in messages)
        assert window.windowTitle().startswith("*")
        # The journal is written 300 ms after typing stops, on its own thread; the outage
        # can be noticed sooner than that.
        qtbot.waitUntil(lambda: len(pending_journals(window.settings.db)) == 1, timeout=5000)
        [entry] = pending_journals(window.settings.db)
        assert entry.name == "Saved after the outage"
        assert prompts.errors == []  # no modal error while it retries
    finally:
        pg_server.psql_admin(f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
    qtbot.waitUntil(lambda: not window.windowTitle().startswith("*"), timeout=20000)
    assert window.connection_label.text() == ""
    with session_factory(engine)() as s:
        row = s.get(Episode, episode_id)
        assert row is not None and row.name == "Saved after the outage"
    assert pending_journals(window.settings.db) == []
    window.close()
    engine.dispose()
