"""The timeline widget: zoom limits, edge drags as one undo step, clicks, gaps, a full day."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from veyedesk.gui.episode_document import EpisodeDocument
from veyedesk.gui.timeline import TimelineWidget
from veyedesk.gui.timeline_paint import FILES_H, RULER_H
from veyedesk.media.peaks import Peaks
from veyedesk.player.timeline import Source, Timeline
from veyedesk.services.edit import CutDraft, EpisodeDraft, RawFileInfo

T0 = datetime(2026, 2, 1, 9, 0, 0)
W = 9 * 3600.0  # the timeline counts wall-clock seconds from midnight


def _draft(files: int = 2, seconds: float = 600.0, gap: float = 60.0) -> EpisodeDraft:
    raws = {
        n + 1: RawFileInfo(
            n + 1,
            f"f{n}.dv",
            Path(f"/r/f{n}.dv"),
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
    assert text.startswith("10:01:") and " · 00:01:" in text and text.endswith(" in f1.dv")


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
