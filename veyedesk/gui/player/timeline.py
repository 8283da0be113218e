"""The timeline widget: a room-day in wall-clock time with files, cuts, marks, waveform, thumbnails.

Zoom from the whole day to single frames (`+` `-` `0`, Ctrl+wheel), scroll (wheel, right or
middle drag), click or drag to seek, drag a cut's edge to move its in/out. Edge drags show
the change live (`preview_cuts`) and become one undo step on release (`replace_cuts`).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPixmap, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from veyedesk.gui.document.episode import EpisodeDocument
from veyedesk.gui.player import timeline_paint as paint
from veyedesk.gui.player.timeline_paint import Block, ThumbStrip, View
from veyedesk.media.peaks import Peaks
from veyedesk.model.cuts import frame_seconds, keep_one_frame
from veyedesk.model.kinds import MarkKind
from veyedesk.model.timecode import DEFAULT_FPS, format_offset, frame_of, seconds_of
from veyedesk.player.timeline import Timeline

EDGE_GRAB_PX = 6
DAY = 8 * 3600.0


class TimelineWidget(QWidget):
    """Draws one room-day and turns mouse gestures into seeks and cut edits."""

    seek_requested = Signal(int, float, bool)  # raw file id, offset, exact (False while dragging)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(paint.HEIGHT)
        self.setMaximumHeight(paint.HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.document: EpisodeDocument | None = None
        self.timeline = Timeline([])
        self.origin = datetime(2000, 1, 1)
        self.blocks: list[Block] = []
        self.marks: list[float] = []
        self.mark_kinds: list[MarkKind] = []  # parallel to `marks`
        self.slot: tuple[float, float] | None = None
        self.playhead: float | None = None
        self.peaks: dict[int, Peaks] = {}
        self.thumbs: dict[int, ThumbStrip] = {}
        self.view_start = 0.0
        self.spp = 1.0  # seconds per pixel
        self._hover: float | None = None
        self._drag: tuple[str, Any] | None = None
        self.last_paint_ms = 0.0
        # Everything but the playhead and hover line, drawn once per view/data change, so the
        # 30 Hz playhead updates during playback only blit it.
        self._static: QPixmap | None = None
        self._static_key: tuple[float, float, int, int, float] | None = None

    # -- data -------------------------------------------------------------------------
    def set_episode(
        self,
        document: EpisodeDocument | None,
        timeline: Timeline,
        scheduled: tuple[datetime | None, datetime | None] = (None, None),
    ) -> None:
        if self.document is not None:
            self.document.cuts_changed.disconnect(self.invalidate)
        self.document, self.timeline = document, timeline
        if document is not None:
            document.cuts_changed.connect(self.invalidate)
        starts = [s.source.start for s in timeline.segments if s.source.start is not None]
        first = min(starts) if starts else datetime(2000, 1, 1)
        self.origin = first.replace(hour=0, minute=0, second=0, microsecond=0)
        self.blocks = []
        at = 0.0
        for seg in timeline.segments:
            src = seg.source
            if src.start is not None:
                at = (src.start - self.origin).total_seconds() + src.media_offset
            name = src.path.name
            # A local piece (assets folder) holds part of the raw file: cuts still reach
            # to the raw file's own length.
            raw = document.draft.raw_files.get(src.raw_file_id) if document else None
            piece = raw is not None and raw.media_duration is not None
            if piece and raw is not None:
                name = Path(raw.filename).name  # the recording's name, not the piece's
            self.blocks.append(
                Block(
                    src.raw_file_id,
                    name,
                    at,
                    src.duration,
                    src.fps,
                    media_offset=src.media_offset,
                    raw_duration=raw.duration if piece and raw is not None else None,
                )
            )
            at += src.duration
        start, end = scheduled
        self.slot = None
        if start is not None:
            end = end or start
            self.slot = (self._wall_seconds(start), self._wall_seconds(end))
        self.peaks.clear()
        self.thumbs.clear()
        self._static = None
        self.fit_talk()

    def invalidate(self) -> None:
        """Data changed: redraw the lanes (not only the playhead) on the next paint."""
        self._static = None
        self.update()

    def set_marks(self, marks: Sequence[datetime]) -> None:
        # A mark's time may carry its kind (services.marking.MarkTime); plain ones are cuts.
        pairs = sorted(
            (self._wall_seconds(m), MarkKind(getattr(m, "kind", MarkKind.CUT))) for m in marks
        )
        self.marks = [seconds for seconds, _ in pairs]
        self.mark_kinds = [kind for _, kind in pairs]
        self.invalidate()

    def set_peaks(self, raw_file_id: int, peaks: Peaks) -> None:
        self.peaks[raw_file_id] = peaks
        self.invalidate()

    def set_thumbs(self, raw_file_id: int, strip: ThumbStrip) -> None:
        self.thumbs[raw_file_id] = strip
        self.invalidate()

    def set_playhead(self, position: float) -> None:
        """Move the playhead to a player timeline position; scroll to keep it in view."""
        loc = self.timeline.locate(position)
        if loc is None:
            return
        block = self._block(loc.raw_file_id)
        if block is None:
            return
        self.playhead = block.at_raw(loc.offset)
        width = max(1, self.width())
        visible_end = self.view_start + width * self.spp
        if self._drag is None and not self.view_start <= self.playhead <= visible_end:
            self.view_start = self.playhead - 0.1 * width * self.spp
        self.update()

    def _wall_seconds(self, moment: datetime) -> float:
        return (moment - self.origin).total_seconds()

    def _block(self, raw_file_id: int) -> Block | None:
        return next((b for b in self.blocks if b.raw_file_id == raw_file_id), None)

    def block_at(self, seconds: float) -> Block | None:
        return next((b for b in self.blocks if b.start <= seconds < b.end), None)

    def cut_ranges(self) -> list[tuple[float, float, bool]]:
        """Each cut as (wall start, wall end, applied) in seconds since the origin."""
        out: list[tuple[float, float, bool]] = []
        if self.document is None:
            return out
        draft = self.document.draft
        for cut in draft.cuts:
            block = self._block(cut.raw_file_id)
            if block is None:
                continue
            a, b = draft.cut_bounds(cut)
            out.append((block.at_raw(a), block.at_raw(b), cut.apply))
        return out

    # -- zoom and scroll ----------------------------------------------------------------
    def view(self) -> View:
        return View(self.view_start, self.spp, max(1, self.width()), self.origin)

    def _limits(self) -> tuple[float, float]:
        fps = max((b.fps for b in self.blocks), default=DEFAULT_FPS)
        span = max(DAY, (self.blocks[-1].end - self.blocks[0].start) if self.blocks else DAY)
        return 1.0 / fps / 40.0, span / max(1, self.width())

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        """Multiply the seconds per pixel by `factor`, keeping `anchor_x` (or the playhead) put."""
        if anchor_x is None:
            anchor = (
                self.playhead
                if self.playhead is not None
                else self.view().seconds(self.width() / 2)
            )
            anchor_x = self.view().x(anchor)
        anchor_s = self.view().seconds(anchor_x)
        low, high = self._limits()
        self.spp = min(max(self.spp * factor, low), high)
        self.view_start = anchor_s - anchor_x * self.spp
        self.update()

    def zoom_in(self) -> None:
        self.zoom(0.5)

    def zoom_out(self) -> None:
        self.zoom(2.0)

    def fit_range(self, a: float, b: float) -> None:
        low, high = self._limits()
        span = max(b - a, 1.0)
        self.spp = min(max(span * 1.1 / max(1, self.width()), low), high)
        self.view_start = a - span * 0.05
        self.update()

    def fit_talk(self) -> None:
        """Show the talk: its cuts and scheduled slot (else every file)."""
        ranges = [(a, b) for a, b, _ in self.cut_ranges()]
        if self.slot is not None:
            ranges.append(self.slot)
        if not ranges:
            ranges = [(b.start, b.end) for b in self.blocks]
        if ranges:
            self.fit_range(min(r[0] for r in ranges), max(r[1] for r in ranges))

    def fit_day(self) -> None:
        if self.blocks:
            self.fit_range(self.blocks[0].start, self.blocks[-1].end)

    def resizeEvent(self, event: object) -> None:
        low, high = self._limits()
        self.spp = min(max(self.spp, low), high)

    # -- painting -----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        began = time.perf_counter()
        view = self.view()
        ratio = self.devicePixelRatioF()
        key = (view.start, view.spp, self.width(), self.height(), ratio)
        if self._static is None or key != self._static_key:
            self._static = self._paint_static(view, ratio)
            self._static_key = key
        p = QPainter(self)
        p.drawPixmap(0, 0, self._static)
        paint.paint_playhead(p, view, self.playhead, self._hover, self._hover_text())
        p.end()
        self.last_paint_ms = (time.perf_counter() - began) * 1000

    def _paint_static(self, view: View, ratio: float) -> QPixmap:
        pixmap = QPixmap(round(self.width() * ratio), round(self.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        p = QPainter(pixmap)
        paint.paint_files(p, view, self.blocks)
        paint.paint_slot(p, view, self.slot)
        paint.paint_thumbs(p, view, self.blocks, self.thumbs)
        paint.paint_wave(p, view, self.blocks, self.peaks)
        paint.paint_cuts(p, view, self.cut_ranges())
        paint.paint_unreadable(p, view, self.blocks, self.peaks)  # its label over cut edges
        paint.paint_ruler(p, view)
        paint.paint_marks(p, view, self.marks, self.mark_kinds)
        p.end()
        return pixmap

    def _hover_text(self) -> str:
        if self._hover is None:
            return ""
        wall = self.origin + timedelta(seconds=self._hover)
        kind = paint.mark_near(self.view(), self.marks, self.mark_kinds, self.view().x(self._hover))
        mark = f" · {paint.mark_legend(kind)} mark" if kind is not None else ""
        block = self.block_at(self._hover)
        if block is None:
            return f"{wall:%H:%M:%S}{mark} (no recording)"
        offset = block.raw_at(self._hover)
        return f"{wall:%H:%M:%S}{mark} · {format_offset(offset, block.fps)} in {block.filename}"

    # -- mouse --------------------------------------------------------------------------
    def _edge_at(self, x: float) -> tuple[int, str] | None:
        view = self.view()
        best: tuple[float, int, str] | None = None
        for index, (a, b, _applied) in enumerate(self.cut_ranges()):
            for seconds, which in ((a, "start"), (b, "end")):
                distance = abs(view.x(seconds) - x)
                if distance <= EDGE_GRAB_PX and (best is None or distance < best[0]):
                    best = (distance, index, which)
        return None if best is None else (best[1], best[2])

    def _seek_to_seconds(self, seconds: float, exact: bool) -> None:
        block = self.block_at(seconds)
        if block is None:
            # In a gap: go to the start of the next recording.
            later = [b for b in self.blocks if b.start > seconds]
            if not later:
                return
            block, seconds = later[0], later[0].start
        self.seek_requested.emit(block.raw_file_id, block.raw_at(seconds), exact)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
        if event.button() == Qt.MouseButton.LeftButton:
            edge = self._edge_at(x) if event.position().y() > paint.RULER_H else None
            if edge is not None and self.document is not None:
                before = copy.deepcopy(self.document.draft.cuts)
                self._drag = ("edge", (edge[0], edge[1], before))
                self._drag_edge(x)
            else:
                self._drag = ("scrub", None)
                self._seek_to_seconds(self.view().seconds(x), exact=False)
        elif event.button() in (Qt.MouseButton.RightButton, Qt.MouseButton.MiddleButton):
            self._drag = ("pan", (x, self.view_start))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
        self._hover = self.view().seconds(x)
        if self._drag is None:
            edge = self._edge_at(x) if event.position().y() > paint.RULER_H else None
            cursor = Qt.CursorShape.SizeHorCursor if edge else Qt.CursorShape.ArrowCursor
            self.setCursor(cursor)
        elif self._drag[0] == "pan":
            x0, start0 = self._drag[1]
            self.view_start = start0 - (x - x0) * self.spp
        elif self._drag[0] == "scrub":
            self._seek_to_seconds(self._hover, exact=False)
        elif self._drag[0] == "edge":
            self._drag_edge(x)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
        if self._drag is not None and self._drag[0] == "edge":
            self._drag_edge(x)  # where the button came up counts, moved over or not
        drag, self._drag = self._drag, None
        if drag is None:
            return
        if drag[0] == "scrub":
            self._seek_to_seconds(self.view().seconds(x), exact=True)
        elif drag[0] == "edge" and self.document is not None:
            index, which, before = drag[1]
            cuts = copy.deepcopy(self.document.draft.cuts)
            cut = cuts[index]
            value = cut.start if which == "start" else cut.end
            fps = self.document.fps_of(cut.raw_file_id)
            what = "in" if which == "start" else "out"
            label = f"Drag {what} of cut {index + 1} to {format_offset(value or 0.0, fps)}"
            self.document.replace_cuts(label, cuts, before=before)
            a, b = self.document.draft.cut_bounds(cut)
            self.seek_requested.emit(cut.raw_file_id, a if which == "start" else b, True)
        self.update()

    def _drag_edge(self, x: float) -> None:
        assert self._drag is not None and self.document is not None
        index, which, before = self._drag[1]
        cuts = copy.deepcopy(before)
        cut = cuts[index]
        block = self._block(cut.raw_file_id)
        if block is None:
            return
        fps = block.fps
        offset = seconds_of(frame_of(max(0.0, block.raw_at(self.view().seconds(x))), fps), fps)
        start, end = self.document.draft.cut_bounds(cut)
        frame = frame_seconds(fps)
        length = block.raw_length
        offset = keep_one_frame(which, offset, start, end, length, fps)
        if which == "start":
            cut.start = None if offset <= 0 else offset
        else:
            cut.end = None if offset >= length else offset
        self.document.preview_cuts(cuts)
        self.seek_requested.emit(cut.raw_file_id, min(offset, length - frame), False)

    def leaveEvent(self, event: object) -> None:
        self._hover = None
        self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if not delta:
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(0.8 if delta > 0 else 1.25, event.position().x())
        else:
            self.view_start -= delta / 120 * 0.1 * self.width() * self.spp
            self.update()
        event.accept()
