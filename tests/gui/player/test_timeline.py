"""The timeline widget: zoom limits, edge drags as one undo step, clicks, gaps, a full day.

And its media: a corrupt recording's partial waveform with its "unreadable from" mark,
no ffmpeg left once the work is cancelled, bad files and cache entries that stop nothing.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.support.media import (
    CorruptRecording,
    ffmpeg_children,
    make_clip,
    shared_corrupt_ts,
)
from veyedesk.gui.document.episode import EpisodeDocument
from veyedesk.gui.player import timeline_paint as paint
from veyedesk.gui.player.timeline import TimelineWidget
from veyedesk.gui.player.timeline_media import TimelineMedia
from veyedesk.gui.player.timeline_paint import FILES_H, RULER_H
from veyedesk.media.cache import MediaCache
from veyedesk.media.peaks import Peaks
from veyedesk.player.timeline import Source, Timeline
from veyedesk.services.editing.draft import CutDraft, EpisodeDraft, RawFileInfo

T0 = datetime(2026, 2, 1, 9, 0, 0)
W = 9 * 3600.0  # the timeline counts wall-clock seconds from midnight


def _draft(
    files: int = 2, seconds: float = 600.0, gap: float = 60.0, paths: list[Path] | None = None
) -> EpisodeDraft:
    raws = {
        n + 1: RawFileInfo(
            n + 1,
            f"f{n}.dv" if paths is None else paths[n].name,
            Path(f"/r/f{n}.dv") if paths is None else paths[n],
            T0 + timedelta(seconds=n * (seconds + gap)),
            seconds,
            25.0,
        )
        for n in range(files)
    }
    cuts = [CutDraft(raw_file_id=1, sequence=1, start=100.0, end=200.0)]
    return EpisodeDraft(episode_id=1, serial=1, fields={}, cuts=cuts, raw_files=raws)


def _widget(qtbot: QtBot, draft: EpisodeDraft) -> tuple[TimelineWidget, EpisodeDocument]:
    doc = EpisodeDocument(draft)
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(1000, widget.minimumHeight())
    widget.show()
    qtbot.waitExposed(widget)
    sources = [
        Source(r.id, r.path, r.start, r.duration or 0.0, r.fps) for r in draft.raw_files.values()
    ]
    widget.set_episode(
        doc, Timeline(sources), (T0 + timedelta(seconds=90), T0 + timedelta(seconds=210))
    )
    return widget, doc


def _move(widget: TimelineWidget, pos: QPoint, held: bool = True) -> None:
    """A mouse move with the left button held (QTest's mouseMove carries no buttons)."""
    buttons = Qt.MouseButton.LeftButton if held else Qt.MouseButton.NoButton
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(pos),
        QPointF(widget.mapToGlobal(pos)),
        Qt.MouseButton.NoButton,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def test_dragging_a_cut_edge_previews_then_makes_one_undo_step(qtbot: QtBot) -> None:
    widget, doc = _widget(qtbot, _draft())
    widget.fit_range(W, W + 1000)  # 1 px = 1.1 s
    view = widget.view()
    y = RULER_H + FILES_H - 6
    start_x = round(view.x(W + 100.0))
    seeks: list[tuple[int, float, bool]] = []
    widget.seek_requested.connect(lambda *a: seeks.append(a))
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(start_x, y))
    _move(widget, QPoint(start_x + 20, y))
    previewed = doc.draft.cuts[0].start
    assert previewed is not None and previewed > 100.0
    assert doc.undo_stack.count() == 0  # a drag in progress is not yet history
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(start_x + 20, y))
    moved = doc.draft.cuts[0].start
    assert moved is not None and moved == pytest.approx(view.seconds(start_x + 20) - W, abs=1.2)
    assert round(moved * 25) == moved * 25  # frame-exact
    assert doc.undo_stack.count() == 1
    assert seeks[-1] == (1, moved, True)  # released: exact seek to the new in point
    doc.undo_stack.undo()
    assert doc.draft.cuts[0].start == 100.0


def test_an_edge_cannot_cross_the_other_or_leave_the_file(qtbot: QtBot) -> None:
    widget, doc = _widget(qtbot, _draft())
    widget.fit_range(W, W + 1000)
    view = widget.view()
    y = RULER_H + FILES_H - 6
    end_x = round(view.x(W + 200.0))
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(end_x, y))
    _move(widget, QPoint(round(view.x(W + 20.0)), y))  # far before the in point
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(round(view.x(W + 20.0)), y))
    assert doc.draft.cuts[0].end == pytest.approx(100.04)  # one frame after the in
    doc.undo_stack.undo()
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(end_x, y))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(round(view.x(W + 700.0)), y))
    assert doc.draft.cuts[0].end is None  # dragged past the file end: the file's end


def test_clicks_seek_and_a_gap_goes_to_the_next_file(qtbot: QtBot) -> None:
    widget, _doc = _widget(qtbot, _draft())
    widget.fit_range(W, W + 1400)
    seeks: list[tuple[int, float, bool]] = []
    widget.seek_requested.connect(lambda *a: seeks.append(a))
    view = widget.view()
    y = RULER_H + FILES_H + 20
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(round(view.x(W + 900.0)), y))
    raw_id, offset, exact = seeks[-1]
    assert (raw_id, exact) == (2, True) and offset == pytest.approx(240.0, abs=view.spp)
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(round(view.x(W + 630.0)), y))
    assert seeks[-1] == (2, 0.0, True)  # the gap between recordings


def test_zoom_runs_from_the_whole_day_to_single_frames(qtbot: QtBot) -> None:
    widget, _doc = _widget(qtbot, _draft())
    for _ in range(40):
        widget.zoom_in()
    assert widget.spp == pytest.approx(1 / 25 / 40)  # a frame is 40 px wide
    for _ in range(40):
        widget.zoom_out()
    assert widget.spp * widget.width() == pytest.approx(8 * 3600)
    widget.fit_talk()  # the cut and the slot
    assert widget.view().start - W < 90 < 210 < widget.view().end - W < 400
    wheel_before = widget.spp
    qtbot.keyClick(widget, Qt.Key.Key_Plus)  # no keys of its own: the panel's map owns them
    assert widget.spp == wheel_before


def test_full_day_with_peaks_paints_and_hover_names_file_and_offset(qtbot: QtBot) -> None:
    draft = _draft(files=8, seconds=3600.0, gap=0.0)
    widget, _doc = _widget(qtbot, draft)
    rng = np.random.default_rng(1)
    for raw_id in draft.raw_files:
        data = rng.integers(-20000, 20000, size=(360000, 2, 2), dtype=np.int16)
        data.sort(axis=2)
        widget.set_peaks(raw_id, Peaks(data, complete=True))
    widget.fit_day()
    image = widget.grab().toImage()
    assert widget.last_paint_ms > 0
    wave_y = widget.height() - 28
    colours = [image.pixelColor(x, wave_y) for x in range(10, 990, 7)]
    wave = [c for c in colours if c.blue() > 180 and c.red() < 160]  # the waveform's light blue
    assert len(wave) > 0.9 * len(colours)  # drawn across the whole day
    view = widget.view()
    _move(widget, QPoint(round(view.x(W + 3600.0 + 75.0)), 40), held=False)
    text = widget._hover_text()  # one pixel is ~30 s at this zoom
    assert text.startswith("10:01:") and text.endswith(" in f1.dv")
    assert re.search(r" · 00:01:\d\d:\d\d in ", text)  # SMPTE frames, not hundredths


def test_peaks_still_computing_show_what_is_ready_and_hatch_the_rest(qtbot: QtBot) -> None:
    draft = _draft(files=1, seconds=600.0)
    widget, _doc = _widget(qtbot, draft)
    data = np.zeros((30000, 2, 2), dtype=np.int16)  # the first 300 s of 600
    data[:, :, 0], data[:, :, 1] = -16000, 16000
    widget.set_peaks(1, Peaks(data, complete=False))
    widget.fit_range(W, W + 600)
    image = widget.grab().toImage()
    view = widget.view()
    y = widget.height() - 28

    def blue(seconds: float) -> bool:
        c = image.pixelColor(round(view.x(W + seconds)), y)
        return c.blue() > 180 and c.red() < 160

    assert all(blue(s) for s in (20.0, 150.0, 280.0))  # ready: drawn
    assert not any(blue(s) for s in (320.0, 450.0, 580.0))  # not yet: hatched, no wave


@pytest.fixture(scope="session")
def corrupt_ts(tmp_path_factory: pytest.TempPathFactory) -> CorruptRecording:
    return shared_corrupt_ts(tmp_path_factory)


def _media(widget: TimelineWidget, cache_root: Path) -> tuple[TimelineMedia, list[str]]:
    """The timeline's background media work wired as the player panel wires it."""
    media = TimelineMedia(cache=MediaCache(cache_root))
    media.peaks_ready.connect(widget.set_peaks)
    media.thumbs_ready.connect(widget.set_thumbs)
    failures: list[str] = []
    media.failed.connect(lambda _id, message: failures.append(message))
    return media, failures


def _is_unreadable_red(image: QImage, x: int, y: int) -> bool:
    c = image.pixelColor(x, y)
    return c.red() > 200 and c.green() < 120 and c.blue() < 120


def test_corrupt_recording_shows_its_waveform_up_to_an_unreadable_mark(
    qtbot: QtBot, corrupt_ts: CorruptRecording, tmp_path: Path, artifacts: Path
) -> None:
    draft = _draft(files=1, seconds=corrupt_ts.seconds, paths=[corrupt_ts.path])
    widget, _doc = _widget(qtbot, draft)
    widget.resize(1200, widget.height())
    media, failures = _media(widget, tmp_path / "cache")
    media.start([(1, corrupt_ts.path, corrupt_ts.seconds)])
    try:
        # The guard against a hang: before the fix this waited forever on a full stderr pipe.
        qtbot.waitUntil(lambda: 1 in widget.peaks and widget.peaks[1].complete, timeout=120000)
        qtbot.waitUntil(lambda: not media.running(), timeout=120000)
    finally:
        media.cancel()
    peaks = widget.peaks[1]
    assert peaks.unreadable_from == pytest.approx(corrupt_ts.corrupt_from, abs=1.5)
    assert paint.unreadable_label(peaks.unreadable_from).startswith("unreadable from 00:03:1")
    assert any("audio unreadable from 00:03:1" in f and "10_00_00.ts" in f for f in failures)
    widget.fit_range(W, W + corrupt_ts.seconds)
    image = widget.grab().toImage()
    image.save(str(artifacts / "timeline_unreadable.png"))
    view = widget.view()
    y = widget.height() - 28

    def wave(seconds: float) -> bool:
        c = image.pixelColor(round(view.x(W + seconds)), y)
        return c.blue() > 180 and c.red() < 160

    # (Away from the cut's edges at 100 s and 200 s, drawn over every lane.)
    assert all(wave(s) for s in (10.0, 60.0, 150.0, 185.0))  # read: drawn
    assert not any(wave(s) for s in (230.0, 400.0, 590.0))  # unreadable: no waveform
    mark_x = round(view.x(W + peaks.unreadable_from))
    # The red line runs through the lanes at the point where reading stopped.
    assert _is_unreadable_red(image, mark_x, RULER_H + 5) or _is_unreadable_red(
        image, mark_x - 1, RULER_H + 5
    )
    assert ffmpeg_children(corrupt_ts.path) == []


@pytest.fixture
def stalled(tmp_path: Path) -> Iterator[Path]:
    """A "recording" that never delivers a byte (a FIFO no one writes: a stalled share)."""
    fifo = tmp_path / "stalled.dv"
    os.mkfifo(fifo)
    yield fifo
    with contextlib.suppress(OSError):  # release an ffmpeg left blocked (code under test failed)
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_cancelling_the_timeline_media_leaves_no_ffmpeg(
    qtbot: QtBot, stalled: Path, tmp_path: Path
) -> None:
    widget, _doc = _widget(qtbot, _draft(files=1, paths=[stalled]))
    media, _failures = _media(widget, tmp_path / "cache")
    media.start([(1, stalled, 600.0)])
    qtbot.waitUntil(lambda: bool(ffmpeg_children(stalled)), timeout=30000)
    media.cancel()  # what closing the editor or opening another talk does
    assert not media.running()
    assert ffmpeg_children(stalled) == []


def test_an_unreadable_file_and_a_bad_cache_entry_stop_nothing(
    qtbot: QtBot, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.dv"
    junk.write_bytes(b"not a recording" * 1000)
    good = make_clip(tmp_path / "good.dv", "dv", 2.0, stamp=False)
    cache = tmp_path / "cache"
    MediaCache(cache).peaks(good)
    MediaCache(cache)._file(good, "peaks").write_bytes(b"")  # emptied by a crash mid-write
    widget, _doc = _widget(qtbot, _draft(files=2, seconds=2.0, paths=[junk, good]))
    media, failures = _media(widget, cache)
    media.start([(1, junk, 2.0), (2, good, 2.0)])
    try:
        qtbot.waitUntil(lambda: not media.running(), timeout=60000)
    finally:
        media.cancel()
    assert widget.peaks[2].complete and widget.peaks[2].covered == pytest.approx(2.0, abs=0.02)
    assert 2 in widget.thumbs and widget.thumbs[2].complete
    # The junk file's lane says "unreadable from 00:00:00" instead of "waveform…" forever.
    assert widget.peaks[1].unreadable_from == 0.0 and widget.peaks[1].complete
    assert any("junk.dv" in f for f in failures)
