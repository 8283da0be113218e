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


def test_the_diff_shows_whole_values_removals_wait_for_a_tick_and_the_open_talk_reloads(
    qtbot: QtBot, engine: Engine, session: Session, tmp_path: Path
) -> None:
    """Issue 19 item 6: a cut-off diff hid a change, and blank cells wiped descriptions."""
    from tests.gui.editor_support import open_episode
    from veyedesk.gui.ingest.import_dialog import CHANGE_ROLE
    from veyedesk.services.ingest.schedule_import import import_schedule

    catalog.add_client(session, "vk")
    show = catalog.add_show(session, "vk", "vk26", "VK 26")
    session.commit()
    head = "name,room,start,duration,description,conf_key\n"
    intro = "An introduction that goes on for a while. " * 4
    tail = " Then the details follow, at length, <b>as typed</b>." * 3
    old, new = intro + "Bring a laptop." + tail, intro + "Bring a tablet." + tail

    def csv(first: str, second: str) -> bytes:
        return (
            head
            + f'Talk one,Main Hall,2026-03-01 10:00,1800,"{first}",k0\n'
            + f'Talk two,Main Hall,2026-03-01 11:00,1800,"{second}",k1\n'
        ).encode()

    import_schedule(session, show, csv(old, "Keep this description."), "talks.csv")
    session.commit()
    ids = {e.conf_key: e.id for e in show.episodes}
    window = open_window(qtbot, engine, watch=False)
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() == 2, timeout=10000)
    open_episode(qtbot, window, ids["k0"])
    path = tmp_path / "talks.csv"
    path.write_bytes(csv(new, ""))
    window.ingest.import_action.trigger()
    dialog = window.ingest.dialog
    assert dialog is not None
    _preview(qtbot, dialog, path)
    items = _group_items(dialog)
    line = items["changed"].child(0).child(0)
    shown_old, shown_new = line.text(1).split(" → ")
    assert shown_old != shown_new and "laptop" in shown_old and "tablet" in shown_new
    assert "tablet" in line.toolTip(1) and "&lt;b&gt;as typed" in line.toolTip(1)
    dialog.tree.setCurrentItem(line)
    assert dialog.compare.isVisible()
    assert (dialog.old_text.toPlainText(), dialog.new_text.toPlainText()) == (old, new)
    assert isinstance(line.data(0, CHANGE_ROLE).new, str)
    removal = items["removals"].child(0).child(0)
    assert items["removals"].text(0) == "Blank in the schedule: tick to erase (1)"
    assert removal.checkState(0) == Qt.CheckState.Unchecked

    with qtbot.waitSignal(window.ingest.imported, timeout=10000):
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    with Session(engine) as s:
        descriptions = dict(s.execute(select(Episode.conf_key, Episode.description)).all())
    assert descriptions == {"k0": new, "k1": "Keep this description."}
    prompts = window.prompts
    assert not [a for a in prompts.asked if a.startswith("removals")]  # type: ignore[attr-defined]
    # The open talk (no unsaved edits) shows what the import wrote.
    qtbot.waitUntil(
        lambda: (
            window.editing.document is not None
            and window.editing.document.draft.fields.get("description") == new
        ),
        timeout=10000,
    )

    window.ingest.import_action.trigger()
    dialog = window.ingest.dialog
    assert dialog is not None
    _preview(qtbot, dialog, path)
    removal = _group_items(dialog)["removals"].child(0).child(0)
    removal.setCheckState(0, Qt.CheckState.Checked)
    assert dialog.ticked_removals() == [(ids["k1"], "description", "Talk two")]
    with qtbot.waitSignal(window.ingest.imported, timeout=10000):
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert prompts.asked[-1] == "removals: “Talk two”: description"  # type: ignore[attr-defined]
    with Session(engine) as s:
        gone = s.scalars(select(Episode.description).where(Episode.conf_key == "k1")).one()
    assert gone == ""
