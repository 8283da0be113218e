"""The player panel with real libmpv on a real (Xvfb) display: keys, frames, boundaries, undo."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from tests.support.raw_day import RawDay, make_clips, make_raw_day
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.document.episode import EpisodeDocument
from veyedesk.gui.player.keymap import KEYMAP
from veyedesk.gui.player.panel import PlayerPanel
from veyedesk.services.editing.draft import load_draft

FRAME = 0.04


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_clips(tmp_path_factory.mktemp("parts"), 3, 4.0)


@pytest.fixture
def day(sqlite_url: str, tmp_path: Path, parts: list[Path]) -> Iterator[tuple[RawDay, Session]]:
    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        yield make_raw_day(session, tmp_path / "raw", parts), session
    engine.dispose()


class Host(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.panel = PlayerPanel(self)
        QVBoxLayout(self).addWidget(self.panel)
        self.panel.install_shortcuts(self)
        self.resize(900, 600)


@pytest.fixture
def host(qtbot: QtBot, day: tuple[RawDay, Session]) -> Iterator[Host]:
    raw_day, session = day
    draft = load_draft(session, raw_day.episode_id, str(raw_day.root))
    widget = Host()
    qtbot.addWidget(widget)
    document = EpisodeDocument(draft, widget)
    widget.panel.load(document)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    qtbot.waitUntil(lambda: widget.panel.video.frames_drawn > 0, timeout=10000)
    yield widget
    widget.panel.shutdown()


def time_pos(host: Host) -> float:
    return float(host.panel.player.mpv.time_pos or -1.0)


def wait_at(qtbot: QtBot, host: Host, seconds: float) -> None:
    qtbot.waitUntil(lambda: abs(time_pos(host) - seconds) < 1e-6, timeout=5000)


def press(
    qtbot: QtBot,
    host: Host,
    key: Qt.Key,
    mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    qtbot.keyClick(host, key, mods)


def test_i_and_o_at_known_frames_set_exactly_those_offsets_and_undo_restores(
    qtbot: QtBot, host: Host, day: tuple[RawDay, Session]
) -> None:
    raw_day, _ = day
    first = raw_day.raw_file_ids[0]
    panel = host.panel
    panel.seek_to(first, 1.0)
    wait_at(qtbot, host, 1.0)
    for _ in range(3):
        press(qtbot, host, Qt.Key.Key_Right)
    wait_at(qtbot, host, 1.12)
    press(qtbot, host, Qt.Key.Key_I)
    doc = panel.document
    assert doc is not None
    assert [(c.raw_file_id, c.start, c.end) for c in doc.draft.cuts] == [(first, 1.12, None)]
    panel.seek_to(first, 3.0)
    wait_at(qtbot, host, 3.0)
    press(qtbot, host, Qt.Key.Key_Left)
    wait_at(qtbot, host, 2.96)
    press(qtbot, host, Qt.Key.Key_O)
    assert (doc.draft.cuts[0].start, doc.draft.cuts[0].end) == (1.12, 2.96)
    press(qtbot, host, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert (doc.draft.cuts[0].start, doc.draft.cuts[0].end) == (1.12, None)
    press(qtbot, host, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.draft.cuts == []
    press(
        qtbot,
        host,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert doc.draft.cuts[0].start == 1.12
    # Shift+I goes back to the in point; X clears both bounds.
    press(qtbot, host, Qt.Key.Key_I, Qt.KeyboardModifier.ShiftModifier)
    wait_at(qtbot, host, 1.12)
    press(qtbot, host, Qt.Key.Key_X)
    assert (doc.draft.cuts[0].start, doc.draft.cuts[0].end) == (None, None)


def test_arrows_and_comma_period_move_exactly_one_frame(qtbot: QtBot, host: Host) -> None:
    panel = host.panel
    panel._seek(2.0)
    wait_at(qtbot, host, 2.0)
    for key, expected in (
        (Qt.Key.Key_Right, 2.04),
        (Qt.Key.Key_Right, 2.08),
        (Qt.Key.Key_Left, 2.04),
        (Qt.Key.Key_Period, 2.08),
        (Qt.Key.Key_Comma, 2.04),
    ):
        press(qtbot, host, key)
        wait_at(qtbot, host, expected)
        assert panel.position().offset == pytest.approx(expected)


def test_moving_across_a_raw_file_boundary_lands_in_the_next_file(
    qtbot: QtBot, host: Host, day: tuple[RawDay, Session]
) -> None:
    raw_day, _ = day
    panel = host.panel
    panel._seek(3.52)
    wait_at(qtbot, host, 3.52)
    press(qtbot, host, Qt.Key.Key_BracketRight)
    wait_at(qtbot, host, 4.0)
    pos = panel.position()
    assert (pos.raw_file_id, pos.offset) == (raw_day.raw_file_ids[1], 0.0)
    assert pos.wall == raw_day.starts[1]
    press(qtbot, host, Qt.Key.Key_Left)
    wait_at(qtbot, host, 3.96)
    assert panel.position().raw_file_id == raw_day.raw_file_ids[0]
    press(qtbot, host, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    wait_at(qtbot, host, 4.96)
    pos = panel.position()
    assert (pos.raw_file_id, pos.offset) == (raw_day.raw_file_ids[1], pytest.approx(0.96))
    # Clicking the third file's block on the timeline seeks into it.
    view = host.panel.timeline_view
    view.fit_day()
    block = view.blocks[2]
    x = round(view.view().x(block.start + 1.0))
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(x, 40))
    qtbot.waitUntil(lambda: panel.position().raw_file_id == raw_day.raw_file_ids[2], timeout=5000)
    assert panel.position().offset == pytest.approx(1.0, abs=view.spp + FRAME)


def test_j_k_l_change_the_shuttle_speed(qtbot: QtBot, host: Host) -> None:
    panel = host.panel
    player = panel.player
    panel._seek(6.0)
    wait_at(qtbot, host, 6.0)
    press(qtbot, host, Qt.Key.Key_L)
    assert player.shuttle_speed == 1.0 and player.mpv.speed == 1.0
    press(qtbot, host, Qt.Key.Key_L)
    assert player.shuttle_speed == 2.0 and player.mpv.speed == 2.0
    qtbot.waitUntil(lambda: time_pos(host) > 6.2, timeout=5000)
    press(qtbot, host, Qt.Key.Key_K)
    assert player.shuttle_speed == 0.0 and player.mpv.pause is True
    at = time_pos(host)
    press(qtbot, host, Qt.Key.Key_J)
    assert player.shuttle_speed == -1.0
    qtbot.waitUntil(lambda: time_pos(host) < at - 0.2, timeout=5000)
    press(qtbot, host, Qt.Key.Key_J)
    assert player.shuttle_speed == -2.0
    press(qtbot, host, Qt.Key.Key_K)
    assert player.shuttle_speed == 0.0
    qtbot.waitUntil(lambda: panel.speed_label.text() == "", timeout=3000)


def test_keyboard_help_lists_every_binding_of_the_map(qtbot: QtBot, host: Host) -> None:
    dialog = host.panel.keyboard_help()
    qtbot.addWidget(dialog)
    rows = dialog.rows()  # type: ignore[attr-defined]
    assert len(rows) == len(KEYMAP)
    assert ("Space / K", KEYMAP[0].text) in rows
    assert set(host.panel.actions_by_name) == {b.action for b in KEYMAP}


def test_typed_times_marks_and_split_from_the_keyboard(
    qtbot: QtBot, host: Host, day: tuple[RawDay, Session]
) -> None:
    raw_day, _ = day
    panel = host.panel
    panel.goto_text("00:00:02:10")  # SMPTE file offset in the current (first) file
    wait_at(qtbot, host, 2.4)
    panel.goto_text("1.6")  # decimal seconds, not frames
    wait_at(qtbot, host, 1.6)
    panel.goto_text("30f")  # a frame count
    wait_at(qtbot, host, 1.2)
    panel.goto_text("09:00:07")  # wall clock: one second into the second file
    wait_at(qtbot, host, 5.0)
    notices: list[str] = []
    panel.notice.connect(notices.append)
    panel.goto_text("not a time")
    assert notices and "not a timecode" in notices[-1]
    # Marks: the host stores them; < and > jump between them.
    requested: list[object] = []
    panel.mark_requested.connect(requested.append)
    press(qtbot, host, Qt.Key.Key_M)
    assert requested == [raw_day.starts[1] + _sec(1)]
    panel.set_marks([raw_day.starts[0] + _sec(1), raw_day.starts[2] + _sec(2)])
    press(qtbot, host, Qt.Key.Key_Greater)
    wait_at(qtbot, host, 10.0)
    press(qtbot, host, Qt.Key.Key_Less)
    wait_at(qtbot, host, 1.0)
    # S splits the cut under the playhead into two at that frame.
    press(qtbot, host, Qt.Key.Key_I)
    panel.seek_to(raw_day.raw_file_ids[0], 2.0)
    wait_at(qtbot, host, 2.0)
    press(qtbot, host, Qt.Key.Key_S)
    doc = panel.document
    assert doc is not None
    assert [(c.start, c.end) for c in doc.draft.cuts] == [(1.0, 2.0), (2.0, None)]


def _sec(n: float) -> timedelta:
    return timedelta(seconds=n)
