"""Two venue copies and an online editor on PostgreSQL; the last conflict chosen in the dialog.

Laptop A edits talk 1's title and cuts, laptop B edits talk 1's description and adds marks,
someone online edits talk 2; whatever the order of the syncs, every edit ends up
everywhere. Then A and B both retitle talk 3: exactly one conflict, which B resolves in
File ▸ Sync's dialog. (The 20 killed syncs are tests/services/venue/test_crash.py.)
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QRadioButton
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from tests.services.venue.support import copy_of, dump, edit, edit_cuts, seed_shared, sqlite
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.venue.sync_dialog import SyncDialog
from veyedesk.model import Episode
from veyedesk.services.editing.open_save import add_mark
from veyedesk.services.identity import Identity
from veyedesk.services.venue.syncing import pending_conflicts, sync

# Every order of laptop A's sync, laptop B's sync and the online editor's save.
ORDERS = list(itertools.permutations(("A", "B", "online")))


def _b_marks(engine: Engine, talk: str) -> None:
    """Laptop B's volunteer marks talk 1's start and a cut (stored on B's copy at once)."""
    with session_factory(engine)() as s, s.begin():
        ep = s.scalars(select(Episode).where(Episode.uuid == talk)).one()
        assert ep.start is not None
        who = Identity("bob", "editor")
        assert add_mark(s, ep.id, ep.start + timedelta(seconds=41), who)
        assert add_mark(s, ep.id, ep.start + timedelta(minutes=12), who)


def _a_cuts(draft: Any) -> None:
    draft.cuts[0].start = 95.0
    draft.cuts[-1].end = 400.0


def _sync_in_dialog(qtbot: QtBot, url: str, artifacts: Path) -> SyncDialog:
    dialog = SyncDialog(url)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.busy, timeout=30000)
    return dialog


@pytest.mark.postgres
@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
def test_two_laptops_and_an_online_editor_merge_every_edit(
    qtbot: QtBot, pg_url: str, tmp_path: Path, artifacts: Path, order: tuple[str, ...]
) -> None:
    shared = make_engine(pg_url)
    with session_factory(shared)() as session:
        talks = [e.uuid for e in seed_shared(session).episodes]
    copy_of(pg_url, tmp_path / "a.db", who="alice", machine="laptop-a")
    copy_of(pg_url, tmp_path / "b.db", who="bob", machine="laptop-b")
    a, b = sqlite(tmp_path / "a.db"), sqlite(tmp_path / "b.db")

    edit(a, talks[0], name="Talk 1, as titled at the venue")
    edit_cuts(a, talks[0], _a_cuts)
    edit(b, talks[0], description="Described by laptop B")
    _b_marks(b, talks[0])
    steps = {
        "A": lambda: sync(a, source=shared),
        "B": lambda: sync(b, source=shared),
        "online": lambda: edit(shared, talks[1], name="Talk 2, fixed online", authors="Online"),
    }
    for step in order:
        report = steps[step]()
        assert report is None or report.conflicts == []
    for laptop in (a, b):  # a last round so each laptop also has the other's edits
        assert sync(laptop, source=shared).conflicts == []

    everywhere = dump(shared)
    t1, t2 = everywhere["episode"][talks[0]], everywhere["episode"][talks[1]]
    assert t1["name"] == "Talk 1, as titled at the venue"
    assert t1["description"] == "Described by laptop B"
    assert (t2["name"], t2["authors"]) == ("Talk 2, fixed online", "Online")
    cuts = sorted(
        (c["sequence"], c["start"], c["end"])
        for c in everywhere["cut"].values()
        if c["episode"] == talks[0]
    )
    assert cuts[0][1] == 95.0 and cuts[-1][2] == 400.0
    assert len(everywhere["mark"]) == 6 + 2
    for laptop in (a, b):
        mine = dump(laptop)
        for kind in ("episode", "cut", "mark", "tombstone", "log"):
            assert mine[kind] == everywhere[kind], kind

    # Both laptops retitle talk 3: A syncs first, B gets exactly one conflict.
    edit(a, talks[2], name="Talk 3 by A")
    edit(b, talks[2], name="Talk 3 by B")
    assert sync(a, source=shared).conflicts == []
    dialog = _sync_in_dialog(qtbot, f"sqlite:///{tmp_path / 'b.db'}", artifacts)
    assert dialog.report is not None
    assert [(c.field, c.mine, c.theirs) for c in dialog.report.conflicts] == [
        ("name", "Talk 3 by B", "Talk 3 by A")
    ]
    choice = dialog.conflict_dialog
    assert choice is not None
    qtbot.waitUntil(choice.isVisible)
    theirs = choice.findChild(QRadioButton, "theirs_c1")
    mine = choice.findChild(QRadioButton, "mine_c1")
    assert (theirs.text(), mine.text()) == ("Talk 3 by A", "Talk 3 by B")
    if order == ORDERS[0]:
        dialog.grab().save(str(artifacts / "venue_sync_dialog.png"))
        choice.grab().save(str(artifacts / "venue_sync_conflict.png"))
    mine.click()  # B keeps its title
    choice.accept()
    qtbot.waitUntil(
        lambda: not dialog.busy and dialog.report is not None and dialog.report.resolved == 1,
        timeout=30000,
    )
    assert dialog.report.conflicts == []
    assert "1 conflicts resolved" in dialog.status.text()
    assert dump(shared)["episode"][talks[2]]["name"] == "Talk 3 by B"
    with session_factory(b)() as s:
        assert pending_conflicts(s) == []
    assert sync(a, source=shared).conflicts == []
    assert dump(a)["episode"][talks[2]]["name"] == "Talk 3 by B"
    for engine in (a, b, shared):
        engine.dispose()


def test_sync_of_a_database_that_is_no_venue_copy_says_so(qtbot: QtBot, sqlite_url: str) -> None:
    dialog = _sync_in_dialog_error(qtbot, sqlite_url)
    assert "not a venue copy" in dialog.status.text()
    assert dialog.start_button.isEnabled() and dialog.bar.value() == 0


def _sync_in_dialog_error(qtbot: QtBot, url: str) -> SyncDialog:
    dialog = SyncDialog(url)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.start_button.isEnabled(), timeout=30000)
    return dialog


def test_file_menu_sync_on_an_open_venue_copy(
    qtbot: QtBot, sqlite_url: str, tmp_path: Path, artifacts: Path
) -> None:
    from tests.gui.editor_support import open_editor

    shared = make_engine(sqlite_url)
    with session_factory(shared)() as session:
        talks = [e.uuid for e in seed_shared(session).episodes]
    copy_of(sqlite_url, tmp_path / "venue.db")
    local = sqlite(tmp_path / "venue.db")
    edit(shared, talks[4], name="Renamed on the shared database")
    window, _prompts = open_editor(qtbot, local)
    menu_texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "S&ync with the shared database…" in menu_texts
    qtbot.waitUntil(window.sync_action.isEnabled, timeout=10000)  # a venue copy: it syncs
    assert "not one" not in window.sync_action.toolTip()
    window.sync_action.trigger()
    dialog = window.sync_dialog
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.busy, timeout=30000)
    assert dialog.report is not None and dialog.report.pulled == 1
    assert dialog.bar.value() == 100 and "1 pulled" in dialog.status.text()
    # The list reloads from the copy: the talk shows its new title.
    qtbot.waitUntil(
        lambda: any(
            "Renamed on the shared database" in str(window.episodes.proxy.index(r, c).data())
            for r in range(window.episodes.proxy.rowCount())
            for c in range(window.episodes.proxy.columnCount())
        ),
        timeout=10000,
    )
    window.grab().save(str(artifacts / "venue_sync_window.png"))
    dialog.close()
    window.sync_action.trigger()  # the same dialog again, with its last result
    assert window.sync_dialog is dialog and dialog.isVisible()
    shared.dispose()
