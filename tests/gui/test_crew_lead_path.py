"""A new crew lead's path, from an empty database, with the mouse and keyboard only (issue 14).

Create the client, show and rooms in the dialog, import a schedule with its diff, scan the
raw folder and see the files appear, fix a room's recorder clock, add a lightning talk,
attach a recording sheet, trim and save. Every step goes through the real MainWindow with
key and mouse clicks (menus by their Alt mnemonics); the database is only read, after each
step. One screenshot per step lands in tests/artifacts/crew_lead_NN_<step>.png, and in
$CREW_LEAD_SHOTS too when set (`tests/support/crew_lead_screens.py` runs this test for that).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QFont, QImage, QPainter
from PySide6.QtWidgets import QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.gui.editor_support import ScriptedPrompts, type_text
from tests.support.media import make_clip
from tests.support.schedules import frab_xml
from veyedesk.config import load_settings
from veyedesk.db import session_factory
from veyedesk.gui.admin.show_settings import ShowSettingsDialog
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.model import Cut, Episode, ImageFile, Location, RawFile, Show
from veyedesk.services.demo import DemoPlan
from veyedesk.services.identity import Identity

pytestmark = [pytest.mark.media, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

DAY = "2026-02-01"
# The window seeds a demo show into an empty database; a tiny one keeps the test quick.
TINY_DEMO = DemoPlan(files_per_room=1, file_seconds=2.0, gap_seconds=1.0, talks_per_room=1)


class Shots:
    """One PNG per step: tests/artifacts, and $CREW_LEAD_SHOTS when set."""

    def __init__(self, artifacts: Path) -> None:
        self.folders = [artifacts]
        extra = os.environ.get("CREW_LEAD_SHOTS")
        if extra:
            self.folders.append(Path(extra))
            Path(extra).mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    def __call__(self, number: int, step: str, widget: QWidget) -> None:
        QApplication.processEvents()
        image = widget.grab()
        for folder in self.folders:
            path = folder / f"crew_lead_{number:02d}_{step}.png"
            assert image.save(str(path)), path
            self.taken.append(path)


def _menu(qtbot: QtBot, window: MainWindow, menu: str, item: str) -> None:
    """Alt+<menu mnemonic>, then the item's mnemonic: the keyboard's way through a menu."""
    window.activateWindow()  # back from a dialog, the user's eyes (and keys) are here again
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, menu, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=5000)
    popup = QApplication.activePopupWidget()
    assert popup is not None
    qtbot.keyClick(popup, item)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=5000)


def _click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _type_into(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Click into a field, select what is there, type over it."""
    _click(qtbot, widget)
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    type_text(qtbot, widget, text)


def _drop_file(target: QWidget, path: Path) -> None:
    """Drag a file from a file manager and drop it on `target` (the mouse's way in)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    where = QPointF(target.rect().center())
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(where.toPoint(), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted(), "the window refused the dragged file"
    drop = QDropEvent(where, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, drop)


def _sheet_image(path: Path) -> Path:
    """A photographed paper sheet, as far as a test needs one: a white page with writing."""
    image = QImage(900, 1200, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setFont(QFont("DejaVu Sans", 40))
    for n, line in enumerate(("Hörsaal 1", "2026-02-01", "10:00 Eröffnung", "start 10:00:02")):
        painter.drawText(QPoint(60, 150 + 110 * n), line)
    painter.end()
    assert image.save(str(path))
    return path


@pytest.fixture
def raw_folder(tmp_path: Path) -> Path:
    """The show's raw folder as the recorders wrote it; Hörsaal 1's clock is an hour behind."""
    root = tmp_path / "raw"
    hall = root / "dv" / "hoersaal-1" / DAY
    hall.mkdir(parents=True)
    for n, name in enumerate(("09_00_00.dv", "09_00_06.dv")):
        make_clip(hall / name, "dv", 5.0, left_hz=440 + 110 * n)
    ada = root / "dv" / "saal_ada" / DAY
    ada.mkdir(parents=True)
    make_clip(ada / "11_00_00.mp4", "mp4", 5.0)
    return root


def _db(engine: Engine) -> Session:
    return session_factory(engine)()


def test_a_new_crew_lead_runs_a_show_from_an_empty_database(
    qtbot: QtBot,
    engine: Engine,
    tmp_path: Path,
    raw_folder: Path,
    artifacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VEYEDESK_DATA_DIR", str(tmp_path / "data"))
    shot = Shots(artifacts)
    schedule = tmp_path / "schedule.xml"
    schedule.write_bytes(frab_xml())
    sheet = _sheet_image(tmp_path / "2026-02-01_10-00_hoersaal.png")

    settings = load_settings(flags={"db": engine.url.render_as_string(hide_password=False)})
    prompts = ScriptedPrompts()
    prompts.unsaved_answer = "discard"
    window = MainWindow(
        session_factory(engine),
        settings,
        Identity("lead", "admin"),
        prompts=prompts,
        demo_plan=TINY_DEMO,
    )
    prompts.parent = window
    qtbot.addWidget(window)
    window.resize(1600, 960)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    # An empty database: the window makes the demo show and opens its first talk.
    qtbot.waitUntil(
        lambda: window.editing.context is not None and not window.runner.busy, timeout=120000
    )
    assert window.show_box.currentText() == "demo / Demo Conference"
    shot(0, "empty_database_demo", window)

    # -- 1. client, show and rooms in the dialog ----------------------------------------
    _menu(qtbot, window, "a", "n")  # Admin ▸ New show…
    dialog = QApplication.activeModalWidget() or QApplication.activeWindow()
    new_show = window.findChild(QWidget, "new_show")
    assert new_show is not None and new_show.isVisible(), dialog
    edits = new_show.edits  # type: ignore[attr-defined]
    _type_into(qtbot, edits["client_name"], "Democon e.V.")
    qtbot.keyClick(edits["client_name"], Qt.Key.Key_Tab)
    _type_into(qtbot, edits["client_slug"], "democon")
    _type_into(qtbot, edits["show_name"], "Democon 2026")
    _type_into(qtbot, edits["show_slug"], "democon-2026")
    shot(1, "new_show", new_show)
    _click(qtbot, new_show.create_button)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: window.new_show_settings is not None, timeout=10000)
    settings_dialog = window.new_show_settings
    assert settings_dialog is not None
    qtbot.waitUntil(lambda: settings_dialog.windowTitle().endswith("Democon 2026"), timeout=10000)
    for slug, name in (("hoersaal-1", "Hörsaal 1"), ("workshop", "Workshop-Raum")):
        _type_into(qtbot, settings_dialog.new_room_slug, slug)
        _type_into(qtbot, settings_dialog.new_room_name, name)
        count = settings_dialog.room_list.count()
        _click(qtbot, settings_dialog.add_room_button)
        qtbot.waitUntil(lambda c=count: settings_dialog.room_list.count() == c + 1, timeout=10000)
    # The show's raw folder, typed on the Show tab.
    settings_dialog.tabs.tabBar().setFocus()
    _click_tab(qtbot, settings_dialog.tabs, "Show")
    _type_into(qtbot, settings_dialog.show_form.widgets["raw_root"], str(raw_folder))
    _click(qtbot, settings_dialog.save_button)
    qtbot.waitUntil(lambda: settings_dialog.status.text() == "Saved: 1 change(s).", timeout=10000)
    qtbot.waitUntil(settings_dialog.save_button.isEnabled, timeout=10000)
    _click_tab(qtbot, settings_dialog.tabs, "Rooms")
    shot(2, "rooms", settings_dialog)
    settings_dialog.close()
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=60000)
    assert window.show_box.currentText() == "democon / Democon 2026", window.show_box.currentText()
    with _db(engine) as s:
        show = s.scalar(select(Show).where(Show.slug == "democon-2026"))
        assert show is not None and show.client.name == "Democon e.V."
        assert show.raw_root == str(raw_folder)
        assert [(r.slug, r.name) for r in show.locations] == [
            ("hoersaal-1", "Hörsaal 1"),
            ("workshop", "Workshop-Raum"),
        ]
        show_id = show.id

    # -- 2. import the schedule, diff first ----------------------------------------------
    _menu(qtbot, window, "f", "i")  # File ▸ Import schedule…
    importer = window.ingest.dialog
    assert importer is not None and importer.isVisible()
    _type_into(qtbot, importer.path, str(schedule))
    qtbot.keyClick(importer.path, Qt.Key.Key_Return)  # Enter shows the diff
    qtbot.waitUntil(lambda: importer.apply_button.isEnabled(), timeout=20000)
    shot(3, "import_diff", importer)
    with _db(engine) as s:
        assert s.scalars(select(Episode).where(Episode.show_id == show_id)).all() == []
    _click(qtbot, importer.apply_button)
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() == 7, timeout=20000)
    shot(4, "imported", window)
    with _db(engine) as s:
        shown = s.get(Show, show_id)
        assert shown is not None
        names = [r.name for r in shown.locations]
        assert "Saal „Ada“" in names  # the one room the schedule added
        assert len(s.scalars(select(Episode).where(Episode.show_id == show_id)).all()) == 7

    # -- 3. scan, and see the files appear ------------------------------------------------
    with qtbot.waitSignal(window.ingest.scanned, timeout=60000):
        _menu(qtbot, window, "f", "e")  # File ▸ Scan recordings
    qtbot.keyClick(window, Qt.Key.Key_D, _ctrl_shift())  # Go ▸ Raw files by room-day
    room_day = window.ingest.room_day
    assert room_day is not None
    qtbot.waitUntil(lambda: room_day.table.rowCount() > 0, timeout=20000)
    _pick(qtbot, room_day.picker, "Hörsaal 1")
    qtbot.waitUntil(lambda: room_day.table.rowCount() == 2, timeout=20000)
    shot(5, "scanned_room_day", room_day)
    with _db(engine) as s:
        starts = sorted(
            s.scalars(
                select(RawFile.start).join(Location).where(Location.slug == "hoersaal-1")
            ).all()
        )
        assert starts == [datetime(2026, 2, 1, 9, 0, 0), datetime(2026, 2, 1, 9, 0, 6)]
    room_day.close()

    # -- 4. fix Hörsaal 1's recorder clock: one hour ahead ---------------------------------
    _menu(qtbot, window, "a", "s")  # Admin ▸ Show settings…
    qtbot.waitUntil(lambda: _visible_settings(window) is not None, timeout=5000)
    dialog = _visible_settings(window)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.room_list.count() == 3, timeout=10000)
    _click_tab(qtbot, dialog.tabs, "Rooms")
    hall = dialog.room_list.findItems("Hörsaal 1 (hoersaal-1)", Qt.MatchFlag.MatchExactly)[0]
    rect = dialog.room_list.visualItemRect(hall)
    qtbot.mouseClick(dialog.room_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    hall_id = dialog.room_ids[dialog.room_list.currentRow()]
    _type_into(qtbot, dialog.room_forms[hall_id].widgets["hours_offset"], "1")
    _click(qtbot, dialog.save_button)
    qtbot.waitUntil(
        lambda: dialog.retime_preview is not None and dialog.retime_preview.isVisible(),
        timeout=10000,
    )
    preview = dialog.retime_preview
    assert preview is not None and preview.rows.count() > 0
    shot(6, "clock_offset_preview", preview)
    _click(qtbot, preview.apply_button)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Saved"), timeout=20000)
    dialog.close()
    with _db(engine) as s:
        room = s.scalar(select(Location).where(Location.slug == "hoersaal-1"))
        assert room is not None and room.hours_offset == 1
        starts = sorted(s.scalars(select(RawFile.start).where(RawFile.location_id == room.id)))
        assert starts == [datetime(2026, 2, 1, 10, 0, 0), datetime(2026, 2, 1, 10, 0, 6)]
        opening = s.scalar(select(Episode).where(Episode.name == "Eröffnung & Begrüßung"))
        assert opening is not None
        opening_id = opening.id
        assert len(s.scalars(select(Cut).where(Cut.episode_id == opening_id)).all()) == 2

    # -- 5. a lightning talk the schedule never had (no talk of this show open) ---------
    tab = window.admin_tab
    assert tab is not None
    _click_tab(qtbot, window.form, "Admin")
    qtbot.waitUntil(lambda: tab.new_room.findData("hoersaal-1") >= 0, timeout=10000)
    _type_into(qtbot, tab.new_name, "Lightning: 5 minutes of “Hörsaal” fame")
    _pick(qtbot, tab.new_room, "Hörsaal 1")
    _type_into(qtbot, tab.new_start, "10:45")  # on the show's first day
    _type_into(qtbot, tab.new_duration, "5m")
    shot(7, "lightning_talk", window)
    _click(qtbot, tab.add_button)
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() == 8, timeout=20000)
    assert tab.status.text().startswith("Added episode"), tab.status.text()
    with _db(engine) as s:
        lightning = s.scalar(select(Episode).where(Episode.name.like("Lightning: 5%")))
        assert lightning is not None and lightning.show_id == show_id
        assert lightning.location is not None and lightning.location.slug == "hoersaal-1"
        assert lightning.start == datetime(2026, 2, 1, 10, 45)
        assert lightning.duration == 300

    # -- 6. open the opening talk; attach its recording sheet -----------------------------
    window.episodes.table.setFocus()
    window.episodes.select_episode(opening_id)
    qtbot.keyClick(window.episodes.table, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            window.editing.context is not None and window.editing.context.episode_id == opening_id
        ),
        timeout=20000,
    )
    panel = window.player.panel
    assert panel is not None
    qtbot.waitUntil(lambda: len(panel.timeline_view.blocks) == 2, timeout=20000)
    # The recorder goes on: a new file in the raw folder joins the open timeline by itself
    # (the watch started when the raw folder was set; no restart, no menu).
    assert window.ingest.watch.root == raw_folder
    hall = raw_folder / "dv" / "hoersaal-1" / DAY
    make_clip(tmp_path / "late.dv", "dv", 5.0, left_hz=770)
    (tmp_path / "late.dv").rename(hall / "09_00_12.dv")  # appears whole, as a copy ends
    qtbot.waitUntil(lambda: len(panel.timeline_view.blocks) == 3, timeout=30000)
    with _db(engine) as s:
        late = s.scalar(select(RawFile).where(RawFile.filename.like("%09_00_12.dv")))
        assert late is not None and late.start == datetime(2026, 2, 1, 10, 0, 12)
    _click_tab(qtbot, window.form, "Sheets")
    sheets = window.sheets
    qtbot.waitUntil(sheets.attach_button.isEnabled, timeout=10000)
    _drop_file(window, sheet)  # dragged from the file manager onto the window
    qtbot.waitUntil(lambda: sheets.list.count() == 1, timeout=20000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    shot(8, "sheet_attached", window)
    with _db(engine) as s:
        image = s.scalars(select(ImageFile)).one()
        assert [e.id for e in image.episodes] == [opening_id]
        assert image.taken == datetime(2026, 2, 1, 10, 0)  # from its file name

    # -- 7. trim and save ------------------------------------------------------------------
    qtbot.waitUntil(lambda: panel.player.mpv.time_pos is not None, timeout=20000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    panel.setFocus()
    first_raw, _ = window.player.playhead()
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.player.playhead()[1] >= 0.99, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_I)
    doc = window.editing.document
    assert doc is not None and doc.unsaved
    shot(9, "trimmed", window)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.windowTitle().startswith("*"), timeout=20000)
    shot(10, "saved", window)
    with _db(engine) as s:
        cut = s.scalars(
            select(Cut).where(Cut.episode_id == opening_id, Cut.raw_file_id == first_raw)
        ).one()
        assert cut.start == pytest.approx(1.0, abs=0.05)
    assert prompts.errors == []


def _visible_settings(window: MainWindow) -> ShowSettingsDialog | None:
    found = [d for d in window.findChildren(ShowSettingsDialog) if d.isVisible()]
    return found[-1] if found else None


def _ctrl_shift() -> Qt.KeyboardModifier:
    return Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _click_tab(qtbot: QtBot, tabs: object, title: str) -> None:
    bar = tabs.tabBar()  # type: ignore[attr-defined]
    for index in range(bar.count()):
        if bar.tabText(index) == title:
            qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
            return
    raise AssertionError(f"no tab {title!r}")


def _pick(qtbot: QtBot, box: object, text: str) -> None:
    """Choose a combo box entry by keyboard: focus, then arrow keys until it shows."""
    _click(qtbot, box)  # type: ignore[arg-type]
    popup = QApplication.activePopupWidget()
    if popup is not None:
        qtbot.keyClick(popup, Qt.Key.Key_Escape)
    for _ in range(box.count() + 1):  # type: ignore[attr-defined]
        if text in box.currentText():  # type: ignore[attr-defined]
            return
        qtbot.keyClick(box, Qt.Key.Key_Down)  # type: ignore[arg-type]
    for _ in range(box.count() + 1):  # type: ignore[attr-defined]
        if text in box.currentText():  # type: ignore[attr-defined]
            return
        qtbot.keyClick(box, Qt.Key.Key_Up)  # type: ignore[arg-type]
    raise AssertionError(f"no entry {text!r} in {box}")
