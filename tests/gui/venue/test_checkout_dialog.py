"""File ▸ Check out for the venue… in the editor, and File ▸ Sync only on a venue copy."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import select

from tests.gui.editor_support import open_editor
from tests.services.venue.support import seed_shared, sqlite
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.venue.checkout_dialog import CheckoutDialog
from veyedesk.model import Episode
from veyedesk.services.identity import Identity


def test_a_shared_database_checks_out_a_venue_copy_that_syncs(
    qtbot: QtBot, sqlite_url: str, tmp_path: Path
) -> None:
    shared = make_engine(sqlite_url)
    with session_factory(shared)() as session:
        seed_shared(session)
    window, _ = open_editor(qtbot, shared, Identity("ed", "admin"))
    # Not a venue copy: Sync is off and says why (the check runs off the GUI thread).
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10000)
    assert "this database is not one" in window.sync_action.toolTip()
    assert not window.sync_action.isEnabled()
    assert "Check out for the venue" in window.sync_action.toolTip()
    texts = [a.text() for a in window.file_menu.actions()]
    assert "Check &out for the venue…" in texts

    window.checkout_action.trigger()
    dialog = window.findChild(CheckoutDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.go_button.isEnabled(), timeout=10000)
    assert dialog.room_box.count() > 1 and dialog.day_box.itemText(0) == "All days"
    dialog.room_box.setCurrentIndex(1)
    room = dialog.room_box.currentData()
    target = tmp_path / "venue.db"
    dialog.output.setText(str(target))
    with qtbot.waitSignal(dialog.checked_out, timeout=30000) as done:
        dialog.go_button.click()
    result = done.args[0]
    assert target.is_file() and result.episode_ids
    assert "Checked out" in dialog.status.text() and str(target) in dialog.status.text()
    with session_factory(shared)() as session:  # locked on the shared database for the copy
        held = list(session.scalars(select(Episode.locked_by).where(Episode.id.in_(result.locked))))
        assert result.locked and all(held)
    local = sqlite(target)
    with session_factory(local)() as session:
        rooms = {e.location.slug for e in session.scalars(select(Episode))}
    assert rooms == {room}
    dialog.close()

    # The same file again is refused, in words a window can show.
    dialog.go_button.click()
    qtbot.waitUntil(lambda: "Not checked out" in dialog.status.text(), timeout=30000)
    assert "exists" in dialog.status.text()

    venue_window, _ = open_editor(qtbot, local, Identity("ed", "editor"))
    qtbot.waitUntil(venue_window.sync_action.isEnabled, timeout=10000)
    shared.dispose()
    local.dispose()
