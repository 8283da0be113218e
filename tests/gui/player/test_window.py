"""`veyedesk play`'s window on a real room-day: waveform, thumbnails, marks, saving, screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.gui.editor_support import assert_fitted_to_talk
from tests.support.raw_day import RawDay, make_clips, make_raw_day
from veyedesk.config import Settings
from veyedesk.db import session_factory
from veyedesk.gui.player.window import PlayerWindow
from veyedesk.model import Cut, Episode, Mark
from veyedesk.services.identity import Identity

EDITOR = Identity("tester", "editor")
REVIEWER = Identity("rita", "reviewer", authenticated=True)


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_clips(tmp_path_factory.mktemp("parts"), 3, 4.0)


@pytest.fixture
def window(
    qtbot: QtBot, engine: Engine, session: Session, tmp_path: Path, parts: list[Path]
) -> Iterator[tuple[PlayerWindow, RawDay]]:
    day = make_raw_day(session, tmp_path / "raw", parts, with_cut=True)
    win = _shown(qtbot, engine, day, EDITOR)
    yield win, day
    win.panel.shutdown()


def _shown(qtbot: QtBot, engine: Engine, day: RawDay, who: Identity) -> PlayerWindow:
    """`veyedesk play` for `who` on the room-day: open, shown, active, video decoding."""
    settings = Settings(db=str(engine.url), raw_root=str(day.root))
    win = PlayerWindow(session_factory(engine), settings, who)
    qtbot.addWidget(win)
    win.open_episode(day.episode_id)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.waitUntil(lambda: win.panel.player.mpv.time_pos is not None, timeout=10000)
    return win


def _media_complete(win: PlayerWindow) -> bool:
    view = win.panel.timeline_view
    peaks_done = len(view.peaks) == 3 and all(p.complete for p in view.peaks.values())
    thumbs_done = len(view.thumbs) == 3 and all(t.complete for t in view.thumbs.values())
    return peaks_done and thumbs_done


def test_window_shows_video_timeline_waveform_thumbnails_and_saves_marks_and_cuts(
    qtbot: QtBot,
    window: tuple[PlayerWindow, RawDay],
    session: Session,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    win, day = window
    panel = win.panel
    # Opens at the first cut's in point (1.00 s into the first file).
    qtbot.waitUntil(lambda: abs(panel.player.mpv.time_pos - 1.0) < 1e-6, timeout=5000)
    qtbot.waitUntil(lambda: _media_complete(win), timeout=60000)
    view = panel.timeline_view
    assert all(len(t.times) == 1 for t in view.thumbs.values())  # one per 10 s: 4-s files
    # M stores a mark in the room at the playhead's wall-clock time.
    qtbot.keyClick(win, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: len(view.marks) == 1, timeout=5000)
    session.expire_all()
    clicks = list(session.scalars(select(Mark.click)))
    assert [c.replace(microsecond=0) for c in clicks] == [day.starts[0].replace(second=1)]
    # Out point in the second file: a new cut there; Ctrl+S writes both cuts.
    panel.seek_to(day.raw_file_ids[1], 2.0)
    qtbot.waitUntil(lambda: abs(panel.player.mpv.time_pos - 6.0) < 1e-6, timeout=5000)
    qtbot.waitUntil(lambda: "09_00_06" in panel.position_label.text())
    qtbot.keyClick(win, Qt.Key.Key_O)
    assert win.windowTitle().startswith("*")
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not win.windowTitle().startswith("*")
    session.expire_all()
    cuts = sorted((c.raw_file_id, c.start, c.end) for c in session.scalars(select(Cut)))
    assert cuts == [(day.raw_file_ids[0], 1.0, None), (day.raw_file_ids[1], None, 2.0)]
    # The frame on screen, full size, and the whole window for a person to look at.
    frame = tmp_path / "frame.png"
    panel.screenshot(frame)
    assert frame.read_bytes()[:4] == b"\x89PNG"
    view.fit_day()
    qtbot.waitUntil(lambda: panel.video.frames_drawn > 2)
    win.grab().save(str(artifacts / "player_window.png"))
    view.fit_talk()
    assert view.last_paint_ms >= 0


def test_play_command_routes_to_the_player_window_and_a_missing_episode_is_named(
    qtbot: QtBot, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QApplication

    from veyedesk import cli
    from veyedesk.gui.player import window as player_window

    ns = cli.parse(["play", "999"])
    assert (ns.gui, ns.episode_id) == ("play", 999)
    shown: list[str] = []
    monkeypatch.setattr(
        player_window.safe_text, "critical", lambda _p, _t, text: shown.append(text)
    )
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    code = player_window.run_player(
        app, session_factory(engine), Settings(db=str(engine.url)), EDITOR, 999
    )
    assert code == 1
    assert shown and "episode 999" in shown[0]


def test_the_play_window_opens_with_the_timeline_fitted_to_the_talk(
    qtbot: QtBot, window: tuple[PlayerWindow, RawDay]
) -> None:
    """`veyedesk play` used to open zoomed out with the talk squeezed into its first pixels."""
    win, _day = window
    view = win.panel.timeline_view
    qtbot.waitUntil(lambda: view.width() > 600)  # laid out in the shown window
    assert_fitted_to_talk(view)
    # Resizing the window before the user zooms keeps the talk fitted.
    width = view.width()
    win.resize(win.width() + 300, win.height())
    qtbot.waitUntil(lambda: view.width() > width)
    assert_fitted_to_talk(view)


def test_the_play_window_shows_a_hostile_title_exactly(
    qtbot: QtBot,
    engine: Engine,
    session: Session,
    tmp_path: Path,
    parts: list[Path],
    artifacts: Path,
) -> None:
    """A title with markup and Qt's "[*]" placeholder reads exactly so in the title bar."""
    day = make_raw_day(session, tmp_path / "raw", parts, with_cut=True)
    title = 'Why <template> matters [*] <b>really</b> <img src="/dev/zero">'
    episode = session.get(Episode, day.episode_id)
    assert episode is not None
    episode.name = title
    session.commit()
    settings = Settings(db=str(engine.url), raw_root=str(day.root))
    win = PlayerWindow(session_factory(engine), settings, EDITOR)
    qtbot.addWidget(win, before_close_func=lambda w: w.panel.shutdown())
    win.open_episode(day.episode_id)
    win.show()
    qtbot.waitExposed(win)
    handle = win.windowHandle()
    assert handle is not None
    assert handle.title() == f"{title} — veyedesk play"  # what the window manager shows
    qtbot.waitUntil(lambda: win.panel.player.mpv.time_pos is not None, timeout=10000)
    win.grab().save(str(artifacts / "player_window_hostile.png"))


def test_a_reviewers_play_window_changes_no_cut_and_no_mark(
    qtbot: QtBot,
    engine: Engine,
    session: Session,
    tmp_path: Path,
    parts: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`veyedesk play` as a reviewer: keys and Ctrl+S write nothing, and say why."""
    from veyedesk.gui.player import window as player_window

    day = make_raw_day(session, tmp_path / "raw", parts, with_cut=True)
    warnings: list[str] = []
    monkeypatch.setattr(player_window.safe_text, "warn", lambda _p, _t, text: warnings.append(text))
    win = _shown(qtbot, engine, day, REVIEWER)
    panel = win.panel
    before = sorted((c.raw_file_id, c.start, c.end) for c in session.scalars(select(Cut)))
    assert "reviewers cannot edit" in win.statusBar().currentMessage()
    panel.seek_to(day.raw_file_ids[1], 2.0)
    qtbot.waitUntil(lambda: abs(panel.player.mpv.time_pos - 6.0) < 1e-6, timeout=5000)
    qtbot.keyClick(win, Qt.Key.Key_O)  # refused by the read-only document
    qtbot.keyClick(win, Qt.Key.Key_M)  # refused by services.editing
    qtbot.waitUntil(lambda: "may not edit" in win.statusBar().currentMessage(), timeout=5000)
    # Even a draft changed behind the window's back is refused by the service.
    assert win.document is not None
    win.document.draft.cuts[0].start = 0.5
    assert win.save() is False
    assert warnings and "rita (reviewer) may not edit" in warnings[0]
    session.expire_all()
    assert sorted((c.raw_file_id, c.start, c.end) for c in session.scalars(select(Cut))) == before
    assert list(session.scalars(select(Mark))) == []
    episode = session.get(Episode, day.episode_id)
    assert episode is not None and episode.locked_by == ""  # a reviewer takes no lock
    win.document.draft.cuts[0].start = before[0][1]
    win.close()
