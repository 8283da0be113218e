"""File ▸ Open venue folder… on an assets folder: the editor plays the segments, in raw seconds.

Real libmpv under Xvfb: seeking to a raw-file offset shows that raw frame (read back from
mpv's screenshot and matched against the raw file's burned-in frame numbers), and the in
point the editor sets there is stored in raw-file seconds, as the shared database has them.
The window's screenshot is written to /tmp/assets-venue-window.png for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.gui.editor_support import open_episode
from tests.support.frames import closest_frame, stamp_of
from tests.support.raw_day import RawDay, make_clips, make_raw_day
from veyedesk.config import load_settings
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.main_window import MainWindow
from veyedesk.gui.venue_folder import open_venue_window
from veyedesk.model import Cut, Episode, RawFile
from veyedesk.services.assets import make_assets
from veyedesk.services.users import Identity

SCREENSHOT = Path("/tmp/assets-venue-window.png")


@pytest.fixture(scope="module")
def two_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_clips(tmp_path_factory.mktemp("gui-assets"), count=2, seconds=10.0)


@pytest.fixture
def folder(sqlite_url: str, tmp_path: Path, two_files: list[Path]) -> Iterator[tuple[Path, RawDay]]:
    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        day = make_raw_day(session, tmp_path / "raw", two_files, seconds=10.0, gap=0.0)
        episode = session.get(Episode, day.episode_id)
        first, second = (session.get(RawFile, i) for i in day.raw_file_ids)
        session.add(Cut(episode=episode, raw_file=first, sequence=1, start=7.04))
        session.add(Cut(episode=episode, raw_file=second, sequence=2, end=2.52))
        session.commit()
    engine.dispose()
    out = tmp_path / "to-go"
    make_assets(
        sqlite_url,
        [day.episode_id],
        out,
        raw_root=str(day.root),
        who="alice",
        machine="train",
        margin=1.0,
    )
    yield out, day


def test_open_venue_folder_plays_the_segments_in_raw_seconds(
    qtbot: QtBot, folder: tuple[Path, RawDay], tmp_path: Path
) -> None:
    out, day = folder
    parent = QWidget()
    qtbot.addWidget(parent)
    settings = load_settings(flags={"db": f"sqlite:///{tmp_path / 'elsewhere.db'}"})
    window = open_venue_window(parent, settings, Identity("ed@train", "editor"), out)
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    window.resize(1600, 960)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() > 0, timeout=10000)
    open_episode(qtbot, window, day.episode_id)
    panel = window.player.panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.video.frames_drawn > 0, timeout=10000)
    first = day.raw_file_ids[0]
    segment = panel.timeline.segment_of(first)
    assert segment is not None
    assert segment.source.path.is_relative_to(out)
    assert segment.source.media_offset == pytest.approx(6.04)
    # Seek to raw second 8.00 of the first file: 1.96 s into its segment.
    panel.seek_to(first, 8.0)
    qtbot.waitUntil(
        lambda: abs(float(panel.player.mpv.time_pos or -1) - (segment.at + 1.96)) < 1e-6,
        timeout=5000,
    )
    where = panel.position()
    assert (where.raw_file_id, where.offset) == (first, pytest.approx(8.0))
    frame_png = tmp_path / "frame.png"
    window.player.screenshot(frame_png)
    found, distances = closest_frame(day.paths[0], 25.0, range(197, 204), stamp_of(frame_png, 0))
    assert found == 200, distances
    # I sets the in point here: stored in raw-file seconds.
    qtbot.keyClick(window, Qt.Key.Key_I)
    document = window.editing.document
    assert document is not None
    cut = next(c for c in document.draft.cuts if c.raw_file_id == first)
    assert cut.start == pytest.approx(8.0)
    qtbot.wait(300)
    window.grab().save(str(SCREENSHOT))
    # Undo it, so closing the window asks nothing.
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert cut.start != pytest.approx(8.0) or document.draft.cuts[0].start == pytest.approx(7.04)
    qtbot.waitUntil(lambda: not window.windowTitle().startswith("*"), timeout=5000)
    window.player.shutdown()


def test_a_folder_without_venue_db_is_refused_with_a_message(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(
        "veyedesk.gui.venue_folder.critical", lambda _parent, _title, text: shown.append(text)
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    settings = load_settings(flags={"db": f"sqlite:///{tmp_path / 'x.db'}"})
    assert open_venue_window(parent, settings, Identity("ed", "editor"), tmp_path) is None
    assert shown and "has no venue.db" in shown[0]
