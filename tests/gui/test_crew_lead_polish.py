"""Three rough edges of the crew lead's path: typed start times, cut-off status, Start column.

Each test drives the real widget (keys typed, a real status bar, the real table) and saves a
screenshot to tests/artifacts/polish_*.png for a person to look at.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMainWindow, QStyle, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.gui.ingest_support import open_window
from tests.support.factory import ShowFixture
from veyedesk.db import session_factory
from veyedesk.gui.editor.admin_tab import EpisodeAdminTab
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.gui.widgets.safe_text import tooltip
from veyedesk.gui.widgets.status_bar import EditorStatusBar
from veyedesk.model import Episode
from veyedesk.services.admin import talks
from veyedesk.services.identity import Identity

ADMIN = Identity("lead", "admin")
DAY_TWO = datetime(2026, 2, 2, 9, 0)
OCR_OFF = (
    "OCR is off: `tesseract` is not installed (apt install tesseract-ocr tesseract-ocr-deu, "
    "then restart veyedesk); recording sheets are attached without their text"
)


def _admin_tab(qtbot: QtBot, engine: Engine) -> tuple[MainWindow, EpisodeAdminTab]:
    window = open_window(qtbot, engine, ADMIN, watch=False)
    tab = window.admin_tab
    assert tab is not None
    qtbot.waitUntil(lambda: tab.new_room.findData("room_a") >= 0, timeout=10000)
    qtbot.waitUntil(lambda: not tab.runner.busy, timeout=10000)
    return window, tab


def _type(qtbot: QtBot, edit: QWidget, text: str) -> None:
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _add(qtbot: QtBot, tab: EpisodeAdminTab, name: str, start: str) -> None:
    _type(qtbot, tab.new_name, name)
    _type(qtbot, tab.new_start, start)
    _type(qtbot, tab.new_duration, "5m")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.runner.busy, timeout=10000)


def _start_of(engine: Engine, name: str) -> datetime | None:
    with session_factory(engine)() as s:
        return s.scalar(select(Episode.start).where(Episode.name == name))


def test_a_start_typed_as_hh_mm_is_that_time_on_the_shows_day(
    qtbot: QtBot, engine: Engine, show: ShowFixture, artifacts: Path
) -> None:
    # No talk open: "10:45" is 10:45 on the show's first day (not 10:00:45, not today).
    _window, tab = _admin_tab(qtbot, engine)
    _add(qtbot, tab, "Lightning talks", "10:45")
    assert tab.status.text().startswith("Added episode"), tab.status.text()
    assert _start_of(engine, "Lightning talks") == datetime(2026, 2, 1, 10, 45)
    # A full date and time with seconds is read as written.
    _add(qtbot, tab, "Closing", "2026-02-01 17:30:15")
    assert _start_of(engine, "Closing") == datetime(2026, 2, 1, 17, 30, 15)
    tab.window().grab().save(str(artifacts / "polish_admin_start.png"))


def test_a_start_that_is_not_a_time_is_refused_and_nothing_is_added(
    qtbot: QtBot, engine: Engine, show: ShowFixture, artifacts: Path
) -> None:
    _window, tab = _admin_tab(qtbot, engine)
    with session_factory(engine)() as s:
        before = s.scalar(select(func.count()).select_from(Episode))
    for typed in ("25:61", "half past ten", ""):
        _add(qtbot, tab, f"Bad {typed}", typed)
        assert tab.status.text().startswith("Nothing saved: start"), (typed, tab.status.text())
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Episode)) == before
    tab.grab().save(str(artifacts / "polish_admin_refused.png"))


def test_a_time_typed_alone_is_on_the_day_the_episode_list_shows(
    qtbot: QtBot, engine: Engine, show: ShowFixture, session: Session
) -> None:
    talks.add_talk_to(session, ADMIN, show.show.id, "Day two keynote", "room_a", DAY_TWO, "30m")
    session.commit()
    window, tab = _admin_tab(qtbot, engine)
    days = window.episodes.day_box
    qtbot.waitUntil(lambda: days.count() == 3, timeout=10000)  # All days, Feb 1, Feb 2
    assert days.itemData(2) == DAY_TWO.date()
    days.setCurrentIndex(2)  # the editor looks at day two
    _add(qtbot, tab, "Day two lightning", "9:05")
    assert _start_of(engine, "Day two lightning") == datetime(2026, 2, 2, 9, 5)
    # The new talk opens: Start offers its end, and a time alone is on its day.
    qtbot.waitUntil(lambda: tab.new_start.text() == "2026-02-02 09:10", timeout=10000)
    assert "Mon 02 Feb 2026" in tab.new_start.day_label.text()
    assert days.currentData() == DAY_TWO.date()  # the list was re-read; its filter stays
    # All days shown: the show's first day again.
    days.setCurrentIndex(0)
    assert "Sun 01 Feb 2026" in tab.new_start.day_label.text()
    _add(qtbot, tab, "Day one lightning", "9:05")
    assert _start_of(engine, "Day one lightning") == datetime(2026, 2, 1, 9, 5)


def test_a_long_status_message_can_be_read_whole(qtbot: QtBot, artifacts: Path) -> None:
    window = QMainWindow()
    url = "postgresql+psycopg://editor:secret@video-db.conference-venue.example.org:5432/veyepar"
    bar = EditorStatusBar("lead", "admin", url, window)
    window.setStatusBar(bar)
    window.setCentralWidget(QWidget())
    qtbot.addWidget(window)
    window.resize(1100, 300)
    window.show()
    qtbot.waitExposed(window)
    bar.show_queue({"running": 1, "queued": 4})
    bar.say(OCR_OFF)
    qtbot.wait(100)  # the labels' layout catches up with their new text
    window.grab().save(str(artifacts / "polish_status_bar.png"))
    # Hovering the bar shows all of it (the end says what to do).
    assert bar.toolTip() == tooltip(OCR_OFF)  # escaped: a message is never rich text
    # What is drawn fits left of the permanent labels, and says it was shortened.
    shown = bar.shown_message()
    room = bar.message_rect().width()
    assert bar.fontMetrics().horizontalAdvance(shown) <= room
    assert shown.endswith("…") and OCR_OFF.startswith(shown[:-1])
    # The database URL gave way (elided in the middle); its tooltip keeps it whole.
    assert "…" in bar.db_label.text() and "/veyepar</p>" in bar.db_label.toolTip()
    assert "secret" not in bar.db_label.toolTip()
    # Wide enough, the whole message is drawn; cleared, the tooltip goes too.
    window.resize(2600, 300)
    qtbot.waitUntil(lambda: bar.shown_message() == OCR_OFF)
    bar.say("")
    assert bar.toolTip() == ""


def test_the_start_column_shows_the_time(
    qtbot: QtBot, engine: Engine, show: ShowFixture, artifacts: Path
) -> None:
    window = open_window(qtbot, engine, ADMIN, watch=False)
    panel = window.episodes
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=10000)
    table = panel.table
    for row in range(panel.model.rowCount()):
        index = panel.model.index(row, 0)
        text = index.data()
        start = panel.model.row_at(row).start
        assert start is not None
        assert start.strftime("%H:%M") in text, text
        margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
        needed = table.fontMetrics().horizontalAdvance(text) + 2 * margin
        assert table.horizontalHeader().sectionSize(0) >= needed, (text, needed)
        assert "2026" in index.data(Qt.ItemDataRole.ToolTipRole)  # the full date
    assert isinstance(panel.search, QLineEdit)
    panel.grab().save(str(artifacts / "polish_episode_list.png"))


def test_a_status_message_with_markup_is_shown_as_typed(qtbot: QtBot) -> None:
    bar = EditorStatusBar("ed", "editor", "sqlite:////tmp/<b>x</b>.db")
    qtbot.addWidget(bar)
    bar.showMessage("Saved <b>Keynote</b> & more")
    # Qt guesses rich text per tooltip: the text must arrive escaped, never interpreted.
    assert "&lt;b&gt;Keynote&lt;/b&gt; &amp; more" in bar.toolTip()
    assert "&lt;b&gt;x&lt;/b&gt;" in bar.db_label.toolTip()
