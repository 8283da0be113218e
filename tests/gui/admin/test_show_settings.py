"""The Show settings dialog driven with keys and clicks on a real database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.db import session_factory
from veyedesk.gui.admin.show_settings import ShowSettingsDialog
from veyedesk.model import Client, Location, RawFile, Show
from veyedesk.services.identity import Identity

ADMIN = Identity("lead", "admin")


def make_dialog(qtbot: QtBot, engine: Engine, show: ShowFixture) -> ShowSettingsDialog:
    dialog = ShowSettingsDialog(session_factory(engine), ADMIN, show.show.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.runner.busy and dialog.room_list.count() == 2)
    return dialog


def _type(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _save(qtbot: QtBot, dialog: ShowSettingsDialog) -> None:
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.runner.busy)


def _fresh(engine: Engine, model: type, ident: int):
    with session_factory(engine)() as s:
        return s.get(model, ident)


def test_typing_settings_saves_them_and_a_bad_value_saves_nothing(
    qtbot: QtBot, engine: Engine, show: ShowFixture, tmp_path: Path, artifacts: Path
) -> None:
    dialog = make_dialog(qtbot, engine, show)
    dialog.tabs.setCurrentIndex(1)
    form = dialog.show_form
    _type(qtbot, form.widgets["name"], "PyConf 2026 (Brussels)")  # type: ignore[arg-type]
    _type(qtbot, form.widgets["timezone"], "Mars/Base")  # type: ignore[arg-type]
    _save(qtbot, dialog)
    assert "Nothing saved: show timezone 'Mars/Base' is not a time zone" in dialog.status.text()
    assert _fresh(engine, Show, show.show.id).name == "Pyconf 2026"

    _type(qtbot, form.widgets["timezone"], "Europe/Brussels")  # type: ignore[arg-type]
    _type(qtbot, form.widgets["raw_root"], str(tmp_path))  # type: ignore[arg-type]
    dialog.tabs.setCurrentIndex(0)
    _type(qtbot, dialog.client_form.widgets["license"], "CC BY 4.0")  # type: ignore[arg-type]
    _save(qtbot, dialog)
    assert dialog.status.text().startswith("Saved")
    saved = _fresh(engine, Show, show.show.id)
    assert (saved.name, saved.timezone, saved.raw_root) == (
        "PyConf 2026 (Brussels)",
        "Europe/Brussels",
        str(tmp_path),
    )
    assert _fresh(engine, Client, show.client.id).license == "CC BY 4.0"
    dialog.tabs.setCurrentIndex(1)
    dialog.grab().save(str(artifacts / "settings-show-tab.png"))


def test_room_settings_and_a_new_room(qtbot: QtBot, engine: Engine, show: ShowFixture) -> None:
    dialog = make_dialog(qtbot, engine, show)
    dialog.tabs.setCurrentIndex(2)
    room_a = dialog.room_forms[show.rooms[0].id]
    channelcopy = room_a.widgets["channelcopy"]
    assert isinstance(channelcopy, QComboBox)
    channelcopy.setFocus()
    channelcopy.setCurrentIndex(channelcopy.findData("01"))
    active = room_a.widgets["active"]
    assert isinstance(active, QCheckBox)
    active.setFocus()
    qtbot.keyClick(active, Qt.Key.Key_Space)
    _type(qtbot, dialog.new_room_slug, "hall-b")
    _type(qtbot, dialog.new_room_name, "Hall B")
    _save(qtbot, dialog)
    qtbot.mouseClick(dialog.add_room_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.room_list.count() == 3)
    room = _fresh(engine, Location, show.rooms[0].id)
    assert (room.channelcopy, room.active) == ("01", False)
    with session_factory(engine)() as s:
        assert s.scalar(select(Location.name).where(Location.slug == "hall-b")) == "Hall B"
    # A slug with a space is refused, named, and adds nothing.
    _type(qtbot, dialog.new_room_slug, "hall c")
    qtbot.mouseClick(dialog.add_room_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.runner.busy)
    assert "room slug 'hall c' must be letters" in dialog.status.text()
    assert dialog.room_list.count() == 3


def test_hours_offset_previews_what_moves_then_retimes(
    qtbot: QtBot, engine: Engine, session: Session, show: ShowFixture, artifacts: Path
) -> None:
    room_id = show.rooms[0].id
    before = list(
        session.scalars(
            select(RawFile.start).where(RawFile.location_id == room_id).order_by(RawFile.id)
        )
    )
    dialog = make_dialog(qtbot, engine, show)
    dialog.tabs.setCurrentIndex(2)
    spin = dialog.room_forms[room_id].widgets["hours_offset"]
    assert isinstance(spin, QSpinBox)
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    _save(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.retime_preview is not None and dialog.retime_preview.isVisible())
    preview = dialog.retime_preview
    assert preview is not None
    rows = [preview.rows.item(i).text() for i in range(preview.rows.count())]
    assert rows[0] == "room room_a of show pyconf/pyconf_2026: hours_offset 0 -> 1"
    assert sum(r.strip().startswith("file ") for r in rows) == len(before)
    preview.grab().save(str(artifacts / "settings-retime-preview.png"))
    # Cancel leaves everything as it was.
    qtbot.keyClick(preview, Qt.Key.Key_Escape)
    assert "cancelled" in dialog.status.text()
    _save(qtbot, dialog)
    qtbot.waitUntil(
        lambda: dialog.retime_preview is not preview and dialog.retime_preview.isVisible()
    )  # type: ignore[union-attr]
    qtbot.mouseClick(dialog.retime_preview.apply_button, Qt.MouseButton.LeftButton)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Saved"))
    session.expire_all()
    after = list(
        session.scalars(
            select(RawFile.start).where(RawFile.location_id == room_id).order_by(RawFile.id)
        )
    )
    assert after == [s + timedelta(hours=1) for s in before]  # type: ignore[operator]
    assert session.get(Location, room_id).hours_offset == 1  # type: ignore[union-attr]
