"""File ▸ Open venue folder… on an assets folder: the editor plays the segments, in raw seconds.

Real libmpv under Xvfb: seeking to a raw-file offset shows that raw frame (read back from
mpv's screenshot and matched against the raw file's burned-in frame numbers), and the in
point the editor sets there is stored in raw-file seconds, as the shared database has them.
The window's screenshots are assets-venue-window-dv.png and -mkv.png (a TS recording's
segment) in tests/artifacts, for a person to look at.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.gui.editor_support import open_episode
from tests.support.frames import black_white, difference, stamp_of, stamp_of_frame
from tests.support.raw_day import RawDay, make_clips, make_raw_day
from veyedesk.config import load_settings
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.gui.venue.folder import open_venue_window
from veyedesk.media.segments import video_timing
from veyedesk.model import Cut, Episode, RawFile
from veyedesk.services.identity import Identity
from veyedesk.services.venue.assets import make_assets

SCREENSHOT = "assets-venue-window-{}.png"


@pytest.fixture(scope="module", params=["dv", "ts"])
def two_files(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> list[Path]:
    """Two 10 s recordings: DV (intra-only), or MPEG-TS (1 s GOPs, timestamps from 1.4 s)."""
    folder = tmp_path_factory.mktemp(f"gui-assets-{request.param}")
    return make_clips(folder, count=2, seconds=10.0, kind=request.param)


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
    qtbot: QtBot, folder: tuple[Path, RawDay], tmp_path: Path, artifacts: Path
) -> None:
    out, day = folder
    parent = QWidget()
    qtbot.addWidget(parent)
    settings = load_settings(flags={"db": f"sqlite:///{tmp_path / 'elsewhere.db'}"})
    window = open_venue_window(
        parent, settings, Identity("ed@train", "editor"), out, make_window=MainWindow
    )
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
    dv = segment.source.path.suffix == ".dv"
    # DV is copied from the frame at 7.04 - 1 s; the TS from the keyframe before it.
    assert (
        segment.source.media_offset == pytest.approx(6.04)
        if dv
        else 5.0 < segment.source.media_offset <= 6.04
    )
    # Seek to raw second 8.00 of the first file.
    panel.seek_to(first, 8.0)
    inside = 8.0 - segment.source.media_offset
    # mpv reports the shown frame's time: the TS's frames sit 10 ms off the grid.
    qtbot.waitUntil(
        lambda: abs(float(panel.player.mpv.time_pos or -1) - (segment.at + inside)) < 0.02,
        timeout=5000,
    )
    where = panel.position()
    # Within the frame: mpv may report the TS frame's own time (10 ms off the grid).
    assert (where.raw_file_id, where.offset) == (first, pytest.approx(8.0, abs=0.02))
    # The frame mpv shows at raw 8.00 s is the first at or after it (mpv's exact seek, as
    # ffmpeg's -ss): frame 200 of the DV; the TS's frames sit 10 ms after the 1/25 grid.
    timing = video_timing(day.paths[0])
    expected = math.ceil((8.0 - (timing.first - timing.format_start)) * 25 - 1e-6)
    candidates = range(expected - 3, expected + 4)
    stamps = {n: black_white(stamp_of_frame(day.paths[0], n)) for n in candidates}
    frame_png = tmp_path / "frame.png"

    def shown() -> int:
        # H.264 decodes from the keyframe before: the frame on screen may lag time-pos.
        window.player.screenshot(frame_png)
        seen = black_white(stamp_of(frame_png, 0))
        return min(candidates, key=lambda n: difference(stamps[n], seen))

    qtbot.waitUntil(lambda: shown() == expected, timeout=5000)
    # I sets the in point here: stored in raw-file seconds.
    qtbot.keyClick(window, Qt.Key.Key_I)
    document = window.editing.document
    assert document is not None
    cut = next(c for c in document.draft.cuts if c.raw_file_id == first)
    assert cut.start == pytest.approx(8.0, abs=0.02)
    qtbot.wait(300)
    window.grab().save(str(artifacts / SCREENSHOT.format(segment.source.path.suffix[1:])))
    # Undo it, so closing the window asks nothing.
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    undone = next(c for c in document.draft.cuts if c.raw_file_id == first)
    assert undone.start == pytest.approx(7.04)
    qtbot.waitUntil(lambda: not window.windowTitle().startswith("*"), timeout=5000)
    window.player.shutdown()


def test_a_folder_without_venue_db_is_refused_with_a_message(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(
        "veyedesk.gui.venue.folder.critical", lambda _parent, _title, text: shown.append(text)
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    settings = load_settings(flags={"db": f"sqlite:///{tmp_path / 'x.db'}"})
    assert (
        open_venue_window(
            parent, settings, Identity("ed", "editor"), tmp_path, make_window=MainWindow
        )
        is None
    )
    assert shown and "has no venue.db" in shown[0]
