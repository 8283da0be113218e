"""File ▸ Import schedule…: the diff is shown first, nothing is written until Apply."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.gui.ingest_support import open_window
from tests.support.schedules import TALKS, frab_xml, moved
from veyedesk.gui.ingest.import_dialog import ImportDialog
from veyedesk.model import Episode
from veyedesk.services import catalog


def _group_items(dialog: ImportDialog) -> dict[str, QTreeWidgetItem]:
    tree = dialog.tree
    out = {}
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        assert item is not None
        out[str(item.data(0, Qt.ItemDataRole.UserRole) or "")] = item
    return out


def _groups(dialog: ImportDialog) -> dict[str, str]:
    return {name: item.text(0) for name, item in _group_items(dialog).items()}


def _count(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Episode)) or 0)


def _preview(qtbot: QtBot, dialog: ImportDialog, path: Path) -> None:
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, str(path))
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_shown is not None and not dialog.busy, timeout=10000)


def test_import_shows_the_diff_writes_nothing_until_apply_then_writes(
    qtbot: QtBot, engine: Engine, session: Session, tmp_path: Path, artifacts: Path
) -> None:
    catalog.add_client(session, "vk")
    catalog.add_show(session, "vk", "vk26", "VK 26")
    session.commit()
    window = open_window(qtbot, engine, watch=False)
    xml = tmp_path / "schedule.xml"
    xml.write_bytes(frab_xml())

    window.ingest.import_action.trigger()  # File ▸ Import schedule…
    dialog = window.ingest.dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.apply_button.isEnabled()
    _preview(qtbot, dialog, xml)
    groups = _groups(dialog)
    assert groups["added"] == "Added (7)"
    assert groups["rooms"] == "Rooms to create (3)"
    assert groups["changed"] == "Changed (0)"
    assert "7 added" in dialog.summary.text() and "nothing written yet" in dialog.summary.text()
    assert _count(engine) == 0  # the diff wrote nothing
    assert dialog.apply_button.isEnabled()

    with qtbot.waitSignal(window.ingest.imported, timeout=10000):
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert _count(engine) == 7
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() == 7, timeout=10000)

    # A re-import: one talk moved, one title edited in veyedesk meanwhile.
    with Session(engine) as s:
        edited = s.scalars(select(Episode).where(Episode.conf_key.endswith("101"))).one()
        edited.name = "Opening (edited here)"
        s.commit()
    xml.write_bytes(frab_xml(moved(TALKS, 103, "11:30")))
    window.ingest.import_action.trigger()
    dialog = window.ingest.dialog
    assert dialog is not None
    assert dialog.path.text() == str(xml)  # the last schedule of this show is offered
    _preview(qtbot, dialog, xml)
    groups = _groups(dialog)
    assert groups["changed"] == "Changed (1)"
    assert groups["kept"] == "Kept because edited in veyedesk (1)"
    assert groups["added"] == "Added (0)"
    talk = _group_items(dialog)["changed"].child(0)
    assert talk.child(0).text(0) == "start"
    assert talk.child(0).text(1) == "2026-02-01T11:00:00 → 2026-02-01T11:30:00"
    dialog.grab().save(str(artifacts / "import_dialog.png"))
    with Session(engine) as s:
        start = s.scalars(select(Episode.start).where(Episode.conf_key.endswith("103"))).one()
    assert start.hour == 11 and start.minute == 0  # still not written

    with qtbot.waitSignal(window.ingest.imported, timeout=10000):
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    with Session(engine) as s:
        start = s.scalars(select(Episode.start).where(Episode.conf_key.endswith("103"))).one()
        name = s.scalars(select(Episode.name).where(Episode.conf_key.endswith("101"))).one()
    assert (start.hour, start.minute) == (11, 30)
    assert name == "Opening (edited here)"


def test_apply_refuses_when_the_talks_changed_since_the_diff(
    qtbot: QtBot, engine: Engine, session: Session, tmp_path: Path
) -> None:
    catalog.add_client(session, "vk")
    catalog.add_show(session, "vk", "vk26", "VK 26")
    session.commit()
    window = open_window(qtbot, engine, watch=False)
    xml = tmp_path / "schedule.xml"
    xml.write_bytes(frab_xml())
    window.ingest.import_action.trigger()
    dialog = window.ingest.dialog
    assert dialog is not None
    _preview(qtbot, dialog, xml)
    # Someone else imports the same schedule while the diff is on screen.
    from veyedesk.services.ingest.schedule_import import import_schedule

    with Session(engine) as s:
        show = catalog.get_show(s, "vk", "vk26")
        import_schedule(s, show, frab_xml(), "other.xml")
        s.commit()
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Not written" in dialog.summary.text(), timeout=10000)
    assert dialog.isVisible()
    assert _groups(dialog)["added"] == "Added (0)"  # the new diff is shown
    assert _count(engine) == 7  # the other import's talks, none twice


def test_a_broken_schedule_is_named_and_nothing_is_written(
    qtbot: QtBot, engine: Engine, session: Session, tmp_path: Path
) -> None:
    catalog.add_client(session, "vk")
    catalog.add_show(session, "vk", "vk26", "VK 26")
    session.commit()
    window = open_window(qtbot, engine, watch=False)
    xml = tmp_path / "schedule.xml"
    xml.write_bytes(frab_xml()[:-40])
    window.ingest.import_action.trigger()
    dialog = window.ingest.dialog
    assert dialog is not None
    dialog.path.setText(str(xml))
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Not imported" in dialog.summary.text(), timeout=10000)
    assert "schedule.xml: line" in dialog.summary.text()
    assert not dialog.apply_button.isEnabled()
    assert _count(engine) == 0


def test_the_schedule_can_come_from_the_conference_url(
    qtbot: QtBot, engine: Engine, session: Session
) -> None:
    from tests.support.http_server import serving

    catalog.add_client(session, "vk")
    catalog.add_show(session, "vk", "vk26", "VK 26")
    session.commit()
    window = open_window(qtbot, engine, watch=False)
    window.ingest.import_action.trigger()
    dialog = window.ingest.dialog
    assert dialog is not None
    with serving({"/conf/schedule.xml": (200, {}, frab_xml())}) as base:
        dialog.path.clear()
        qtbot.keyClicks(dialog.path, f"{base}/conf/schedule.xml")
        qtbot.keyClick(dialog.path, Qt.Key.Key_Return)  # Enter shows the diff
        qtbot.waitUntil(lambda: dialog.result_shown is not None and not dialog.busy, timeout=10000)
    assert _groups(dialog)["added"] == "Added (7)"
    assert _count(engine) == 0
    with qtbot.waitSignal(window.ingest.imported, timeout=10000):
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert _count(engine) == 7
