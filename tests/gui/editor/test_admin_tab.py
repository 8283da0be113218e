"""The Admin tab driven with keys and clicks: admin fields, add, split, move, delete."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLineEdit, QSpinBox
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from tests.support.factory import DAY, ShowFixture
from veyedesk.db import session_factory
from veyedesk.gui.editor.admin_tab import EpisodeAdminTab
from veyedesk.model import AuditEntry, EncodeJob, Episode
from veyedesk.services.identity import Identity

ADMIN = Identity("lead", "admin")


def make_tab(qtbot: QtBot, engine: Engine, episode_id: int) -> EpisodeAdminTab:
    tab = EpisodeAdminTab(session_factory(engine), ADMIN)
    qtbot.addWidget(tab)
    tab.resize(470, 820)
    tab.show()
    tab.set_episode(episode_id)
    qtbot.waitUntil(lambda: tab.info is not None and tab.info.episode_id == episode_id)
    return tab


def _type(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _click(qtbot: QtBot, tab: EpisodeAdminTab, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.runner.busy)


def _episode(engine: Engine, episode_id: int) -> Episode | None:
    with session_factory(engine)() as s:
        episode = s.get(Episode, episode_id)
        if episode is not None:
            _ = episode.location, episode.cuts
        return episode


def test_admin_fields_typed_and_applied(
    qtbot: QtBot, engine: Engine, show: ShowFixture, artifacts: Path
) -> None:
    ep = show.episodes[0]
    tab = make_tab(qtbot, engine, ep.id)
    _type(qtbot, tab.edits["slug"], "talk-one")  # type: ignore[arg-type]
    _type(qtbot, tab.edits["conf_url"], "https://pyconf.example/talk/1")  # type: ignore[arg-type]
    sequence = tab.edits["sequence"]
    assert isinstance(sequence, QSpinBox)
    sequence.setFocus()
    qtbot.keyClick(sequence, Qt.Key.Key_Up)
    stop = tab.edits["stop"]
    assert isinstance(stop, QCheckBox)
    stop.setFocus()
    qtbot.keyClick(stop, Qt.Key.Key_Space)
    _click(qtbot, tab, tab.apply_button)
    assert tab.status.text().startswith("Saved"), tab.status.text()
    saved = _episode(engine, ep.id)
    assert saved is not None
    assert (saved.slug, saved.conf_url, saved.sequence, saved.stop) == (
        "talk-one",
        "https://pyconf.example/talk/1",
        2,
        True,
    )
    # A slug that only differs in case from another talk's is refused; nothing written.
    other = make_tab(qtbot, engine, show.episodes[1].id)
    _type(qtbot, other.edits["slug"], "TALK-ONE")  # type: ignore[arg-type]
    _type(qtbot, other.edits["host_url"], "https://host.example/2")  # type: ignore[arg-type]
    _click(qtbot, other, other.apply_button)
    assert "differ only in case" in other.status.text()
    assert _episode(engine, show.episodes[1].id).host_url == ""  # type: ignore[union-attr]
    tab.grab().save(str(artifacts / "admin-tab.png"))


def test_add_split_move_and_delete(qtbot: QtBot, engine: Engine, show: ShowFixture) -> None:
    ep = show.episodes[0]
    tab = make_tab(qtbot, engine, ep.id)
    with session_factory(engine)() as s:
        before = set(s.scalars(select(Episode.id)))

    _type(qtbot, tab.new_name, "Lightning talks")
    _type(qtbot, tab.new_start, "09:35")  # on the open talk's day
    _type(qtbot, tab.new_duration, "10m")
    with qtbot.waitSignal(tab.changed) as added:
        qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    new_id = added.args[0]
    lightning = _episode(engine, new_id)
    assert lightning is not None and lightning.name == "Lightning talks"
    assert (lightning.start, lightning.duration) == (DAY + timedelta(minutes=35), 600.0)
    assert lightning.location is not None and lightning.location.slug == "room_a"
    assert lightning.cuts  # associated with the room's raw files at once

    _type(qtbot, tab.new_name, "Closing")
    _type(qtbot, tab.new_duration, "forever")
    _click(qtbot, tab, tab.add_button)
    assert "duration 'forever' is not a length" in tab.status.text()

    # Split in the middle (the default split time), then move the original to room B.
    _click(qtbot, tab, tab.split_button)
    assert tab.status.text().startswith("Split off episode")
    first = _episode(engine, ep.id)
    assert first is not None and first.duration == 15 * 60
    tab.move_room.setCurrentIndex(tab.move_room.findData("room_b"))
    _click(qtbot, tab, tab.move_button)
    moved = _episode(engine, ep.id)
    assert moved is not None and moved.location is not None and moved.location.slug == "room_b"

    # Delete: refused with an encode unless Force; two clicks.
    with session_factory(engine)() as s, s.begin():
        s.add(EncodeJob(episode_id=ep.id, profile="mp4", status="done", created_at=datetime.now()))
    _click(qtbot, tab, tab.delete_button)
    assert tab.delete_button.text() == "Click again to delete"
    _click(qtbot, tab, tab.delete_button)
    assert "has 1 encode(s)" in tab.status.text()
    assert _episode(engine, ep.id) is not None
    tab.force.setFocus()
    qtbot.keyClick(tab.force, Qt.Key.Key_Space)
    _click(qtbot, tab, tab.delete_button)
    _click(qtbot, tab, tab.delete_button)
    assert tab.status.text().startswith("Deleted episode")
    assert _episode(engine, ep.id) is None
    with session_factory(engine)() as s:
        assert s.scalar(select(AuditEntry.action)) == "episode delete"
        assert len(set(s.scalars(select(Episode.id))) - before) == 2
