"""Painting the timeline: ruler, raw-file blocks, slot, cuts, thumbnails, waveform, marks, playhead.

Pure drawing from cached data: every function draws only what falls inside the visible
time range, so a full-day view costs the same as a one-minute view.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPen

from veyedesk.media.peaks import Peaks
from veyedesk.model.kinds import MarkKind

RULER_H, FILES_H, THUMBS_H, WAVE_H = 22, 36, 56, 56
HEIGHT = RULER_H + FILES_H + THUMBS_H + WAVE_H + 2

BG = QColor("#1e2126")
LANE_BG = QColor("#262a30")
FILE_FILL = QColor("#3b4a5c")
FILE_EDGE = QColor("#6f8aa8")
CUT_APPLIED = QColor(76, 175, 80, 150)
CUT_SKIPPED = QColor(160, 160, 160, 70)
CUT_EDGE = QColor("#a5e887")
SLOT = QColor(255, 193, 7, 26)
SLOT_EDGE = QColor(255, 193, 7, 160)
WAVE = QColor("#7ec8e3")
MARK = QColor("#ff9800")
MARK_START = QColor("#c77dff")  # not green: applied cuts are green
MARK_END = QColor("#ff4081")
PLAYHEAD = QColor("#ff3b3b")
TEXT = QColor("#d8dee9")
PENDING = QColor(255, 255, 255, 28)
UNREADABLE = QColor("#ff5252")
UNREADABLE_FILL = QColor(255, 82, 82, 110)
UNREADABLE_TINT = QColor(255, 82, 82, 30)

# Ruler steps in seconds: one frame up to an hour.
STEPS = (0.04, 0.2, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


@dataclass
class Block:
    """A raw file on the wall-clock axis (seconds since the timeline's origin)."""

    raw_file_id: int
    filename: str
    start: float  # where the file's time 0 is
    duration: float  # seconds of the file (a local piece may hold part of the raw file)
    fps: float
    media_offset: float = 0.0  # raw-file seconds at the file's time 0
    raw_duration: float | None = None  # the raw file's length when the file is a piece

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def raw_length(self) -> float:
        return self.duration if self.raw_duration is None else self.raw_duration

    def raw_at(self, seconds: float) -> float:
        """Raw-file offset shown at `seconds` on the axis."""
        return seconds - self.start + self.media_offset

    def at_raw(self, offset: float) -> float:
        """Axis seconds of a raw-file offset."""
        return self.start + offset - self.media_offset


@dataclass
class ThumbStrip:
    width: int
    height: int
    times: list[float] = field(default_factory=list)
    images: list[QImage] = field(default_factory=list)
    fraction: float = 0.0
    complete: bool = False


@dataclass(frozen=True)
class View:
    """The visible window: `start` seconds at x=0, `spp` seconds per pixel."""

    start: float
    spp: float
    width: int
    origin: datetime

    def x(self, seconds: float) -> float:
        return (seconds - self.start) / self.spp

    def seconds(self, x: float) -> float:
        return self.start + x * self.spp

    @property
    def end(self) -> float:
        return self.start + self.width * self.spp

    def visible(self, a: float, b: float) -> bool:
        return b >= self.start and a <= self.end


def wall_label(view: View, seconds: float, step: float) -> str:
    moment = view.origin + timedelta(seconds=seconds)
    if step < 1:
        frame = round((moment.microsecond / 1e6) * 25) % 25
        return f"{moment:%H:%M:%S}.{frame:02d}"
    return f"{moment:%H:%M:%S}" if step < 60 else f"{moment:%H:%M}"


def paint_ruler(p: QPainter, view: View) -> None:
    p.fillRect(QRectF(0, 0, view.width, RULER_H), BG)
    step = next((s for s in STEPS if s / view.spp >= 90), STEPS[-1])
    minor = step / 5
    p.setPen(QPen(QColor("#59616c")))
    first = math.floor(view.start / minor)
    last = math.ceil(view.end / minor)
    # One drawLines call per tick size: per-line calls cost more than the drawing.
    p.drawLines(
        [
            QLineF(view.x(n * minor), RULER_H - 5, view.x(n * minor), RULER_H)
            for n in range(first, last + 1)
        ]
    )
    p.setPen(QPen(TEXT))
    p.setFont(_ruler_font(p.font()))
    majors = range(math.floor(view.start / step), math.ceil(view.end / step) + 1)
    p.drawLines([QLineF(view.x(n * step), RULER_H - 10, view.x(n * step), RULER_H) for n in majors])
    for n in majors:
        p.drawText(QPointF(view.x(n * step) + 3, 12), wall_label(view, n * step, step))


_FONTS: dict[str, QFont] = {}


def _ruler_font(base: QFont) -> QFont:
    key = base.key()
    if key not in _FONTS:
        font = QFont(base)
        font.setPointSizeF(8)
        _FONTS[key] = font
    return _FONTS[key]


def paint_files(p: QPainter, view: View, blocks: Sequence[Block]) -> None:
    top = RULER_H
    p.fillRect(QRectF(0, top, view.width, HEIGHT - top), LANE_BG)
    p.setFont(QFont(p.font()))
    for block in blocks:
        if not view.visible(block.start, block.end):
            continue
        x0, x1 = max(view.x(block.start), -2), min(view.x(block.end), view.width + 2)
        rect = QRectF(x0, top + 2, max(1.0, x1 - x0), FILES_H - 4)
        p.fillRect(rect, FILE_FILL)
        p.setPen(QPen(FILE_EDGE))
        p.drawRect(rect)
        if rect.width() > 40:
            p.setPen(QPen(TEXT))
            name = QRectF(rect.left() + 4, rect.top(), rect.width() - 8, 14)
            p.drawText(name, Qt.AlignmentFlag.AlignVCenter, block.filename)


def paint_slot(p: QPainter, view: View, slot: tuple[float, float] | None) -> None:
    if slot is None or not view.visible(*slot):
        return
    x0, x1 = view.x(slot[0]), view.x(slot[1])
    p.fillRect(QRectF(x0, RULER_H, x1 - x0, HEIGHT - RULER_H), SLOT)
    p.setPen(QPen(SLOT_EDGE, 1, Qt.PenStyle.DashLine))
    p.drawLine(QLineF(x0, 0, x0, HEIGHT))
    p.drawLine(QLineF(x1, 0, x1, HEIGHT))


def paint_cuts(p: QPainter, view: View, cuts: Sequence[tuple[float, float, bool]]) -> None:
    top = RULER_H
    for n, (a, b, applied) in enumerate(cuts, start=1):
        if not view.visible(a, b):
            continue
        x0, x1 = view.x(a), view.x(b)
        rect = QRectF(x0, top + 17, max(2.0, x1 - x0), FILES_H - 20)
        p.fillRect(rect, CUT_APPLIED if applied else CUT_SKIPPED)
        pen = QPen(CUT_EDGE if applied else QColor("#bbbbbb"), 2)
        if not applied:
            pen.setStyle(Qt.PenStyle.DotLine)
        p.setPen(pen)
        p.drawLine(QLineF(x0, top, x0, HEIGHT))
        p.drawLine(QLineF(x1, top, x1, HEIGHT))
        if rect.width() > 24:
            p.setPen(QPen(QColor("white")))
            p.drawText(rect.adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, f"cut {n}")


def paint_thumbs(
    p: QPainter, view: View, blocks: Sequence[Block], strips: dict[int, ThumbStrip]
) -> None:
    top = RULER_H + FILES_H + 1
    for block in blocks:
        strip = strips.get(block.raw_file_id)
        if not view.visible(block.start, block.end):
            continue
        x0 = max(view.x(block.start), 0.0)
        x1 = min(view.x(block.end), float(view.width))
        if strip is None or not strip.images:
            _pending(p, QRectF(x0, top, x1 - x0, THUMBS_H - 2), "thumbnails…")
            continue
        w = strip.width * (THUMBS_H - 2) / strip.height
        x = x0
        while x < x1:
            t = view.seconds(x) - block.start
            i = bisect.bisect_right(strip.times, t) - 1
            if i >= 0 and t - strip.times[i] <= max(30.0, w * view.spp):
                target = QRectF(x, top, min(w, x1 - x), THUMBS_H - 2)
                source = QRectF(0, 0, target.width() * strip.height / (THUMBS_H - 2), strip.height)
                p.drawImage(target, strip.images[i], source)
            x += w + 1
        if not strip.complete:
            done = view.x(block.start + strip.fraction * block.duration)
            if done < x1:
                _pending(p, QRectF(max(done, x0), top, x1 - max(done, x0), THUMBS_H - 2), "")


def paint_wave(p: QPainter, view: View, blocks: Sequence[Block], peaks: dict[int, Peaks]) -> None:
    """The waveform lane, rasterised with numpy into one image (a few thousand values)."""
    top = RULER_H + FILES_H + THUMBS_H
    half = WAVE_H / 2 - 3
    width = view.width
    lo = np.full(width, np.nan, dtype=np.float32)
    hi = np.full(width, np.nan, dtype=np.float32)
    pending: list[tuple[QRectF, str]] = []
    for block in blocks:
        if not view.visible(block.start, block.end):
            continue
        x0 = max(0, math.floor(view.x(block.start)))
        x1 = min(width, math.ceil(view.x(block.end)))
        if x1 <= x0:
            continue
        data = peaks.get(block.raw_file_id)
        if data is None:
            pending.append((QRectF(x0, top, x1 - x0, WAVE_H - 2), "waveform…"))
            continue
        cols = _loudness_scale(data.columns(view.seconds(x0) - block.start, view.spp, x1 - x0))
        lo[x0:x1], hi[x0:x1] = cols[:, 0], cols[:, 1]
        if not data.complete:
            done = max(view.x(block.start + data.covered), float(x0))
            if done < x1:
                pct = 100 * data.covered / block.duration if block.duration else 0
                pending.append((QRectF(done, top, x1 - done, WAVE_H - 2), f"waveform {pct:.0f}%"))
    mid = WAVE_H / 2
    y_top = np.floor(mid - np.clip(hi, -1, 1) * half)
    y_bottom = np.ceil(mid - np.clip(lo, -1, 1) * half)
    rows = np.arange(WAVE_H, dtype=np.float32)[:, None]
    with np.errstate(invalid="ignore"):  # NaN (no data yet) compares False: transparent
        mask = (rows >= y_top[None, :]) & (rows <= np.maximum(y_bottom, y_top + 1)[None, :])
    pixels = np.where(mask, np.uint32(WAVE.rgba()), np.uint32(0)).astype(np.uint32)
    image = QImage(pixels.data, width, WAVE_H, width * 4, QImage.Format.Format_ARGB32_Premultiplied)
    p.drawImage(QPointF(0, top), image)
    for rect, text in pending:
        _pending(p, rect, text)


def _loudness_scale(cols: np.ndarray) -> np.ndarray:
    """Amplitude -> height on a 60 dB scale, so quiet speech is as visible as an editor needs."""
    with np.errstate(divide="ignore", invalid="ignore"):
        db = 20 * np.log10(np.abs(cols))
    return np.sign(cols) * np.clip(1 + db / 60.0, 0.0, 1.0)


def _pending(p: QPainter, rect: QRectF, text: str) -> None:
    if rect.width() <= 0:
        return
    p.fillRect(rect, QBrush(PENDING, Qt.BrushStyle.BDiagPattern))
    if text and rect.width() > 60:
        p.setPen(QPen(TEXT))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def unreadable_label(seconds: float) -> str:
    """'unreadable from HH:MM:SS' for a position in a file (whole seconds, not rounded up)."""
    whole = max(0, int(seconds))
    return f"unreadable from {whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def paint_unreadable(
    p: QPainter, view: View, blocks: Sequence[Block], peaks: dict[int, Peaks]
) -> None:
    """Where a file's audio stops being readable: a red line, the rest of its lane red."""
    top = RULER_H + FILES_H + THUMBS_H
    for block in blocks:
        data = peaks.get(block.raw_file_id)
        if data is None or data.unreadable_from is None:
            continue
        at = block.start + min(data.unreadable_from, block.duration)
        if not view.visible(at, block.end):
            continue
        x = view.x(at)
        x0, x1 = max(x, -2.0), min(view.x(block.end), view.width + 2.0)
        lane = QRectF(x0, top, max(1.0, x1 - x0), WAVE_H - 2)
        p.fillRect(lane, UNREADABLE_TINT)
        p.fillRect(lane, QBrush(UNREADABLE_FILL, Qt.BrushStyle.BDiagPattern))
        p.setPen(QPen(UNREADABLE, 2))
        p.drawLine(QLineF(x, RULER_H, x, HEIGHT))
        text = unreadable_label(data.unreadable_from)
        w = p.fontMetrics().horizontalAdvance(text) + 8
        # Right of the line; left of it when that would run off the view or the file (the
        # readable waveform is behind it there); pinned to the left edge once scrolled past.
        left = x + 4 if x + 4 + w <= min(x1, view.width) else x - 4 - w
        box = QRectF(max(left, 2.0), top + (WAVE_H - 18) / 2, w, 18)
        p.fillRect(box, QColor(0, 0, 0, 200))
        p.setPen(QPen(UNREADABLE))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


# Each kind of mark has its own colour and shape, so a start, an end and a cut can be told
# apart at a glance (and by shape alone, for colour-blind editors): a flag pointing right
# where a talk starts, one pointing left where it ends, a notch pointing down for a cut.
MARK_STYLES: dict[str, tuple[QColor, str, str]] = {
    MarkKind.START: (MARK_START, "start", "▶ talk starts"),
    MarkKind.END: (MARK_END, "end", "◀ talk ends"),
    MarkKind.CUT: (MARK, "cut", "▼ cut here"),
}
MARK_GRAB_PX = 6.0


def mark_shape(kind: str, x: float) -> list[QPointF]:
    """The marker drawn at the top of a mark's line: its outline says its kind."""
    top = RULER_H
    if kind == MarkKind.START:
        return [QPointF(x, top), QPointF(x + 9, top + 5), QPointF(x, top + 10)]
    if kind == MarkKind.END:
        return [QPointF(x, top), QPointF(x - 9, top + 5), QPointF(x, top + 10)]
    return [QPointF(x - 5, top), QPointF(x + 5, top), QPointF(x, top + 7)]


def paint_marks(p: QPainter, view: View, marks: Sequence[float], kinds: Sequence[str] = ()) -> None:
    """Marks as lines across the lanes with a marker of their kind (cut when unknown)."""
    for n, seconds in enumerate(marks):
        if not view.start <= seconds <= view.end:
            continue
        kind = kinds[n] if n < len(kinds) else MarkKind.CUT
        color = MARK_STYLES.get(kind, MARK_STYLES[MarkKind.CUT])[0]
        x = view.x(seconds)
        # Start and end lines are solid and wider; cut lines stay thin, as before.
        pen = QPen(color, 1 if kind == MarkKind.CUT else 2)
        if kind == MarkKind.END:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(color)
        p.drawLine(QLineF(x, RULER_H, x, HEIGHT))
        p.setPen(QPen(color, 1))
        p.drawPolygon(mark_shape(kind, x))


def mark_near(view: View, marks: Sequence[float], kinds: Sequence[str], x: float) -> str | None:
    """The kind of the mark drawn within a few pixels of `x` (for the hover text)."""
    best: tuple[float, str] | None = None
    for n, seconds in enumerate(marks):
        distance = abs(view.x(seconds) - x)
        if distance <= MARK_GRAB_PX and (best is None or distance < best[0]):
            best = (distance, kinds[n] if n < len(kinds) else MarkKind.CUT)
    return None if best is None else best[1]


def mark_legend(kind: str) -> str:
    """What a mark of `kind` means, as the hover text says it (e.g. "▶ talk starts")."""
    return MARK_STYLES.get(kind, MARK_STYLES[MarkKind.CUT])[2]


def paint_playhead(
    p: QPainter, view: View, seconds: float | None, hover: float | None, hover_text: str
) -> None:
    if hover is not None:
        x = view.x(hover)
        p.setPen(QPen(QColor(255, 255, 255, 90), 1))
        p.drawLine(QLineF(x, 0, x, HEIGHT))
        if hover_text:
            metrics = p.fontMetrics()
            w = metrics.horizontalAdvance(hover_text) + 8
            box = QRectF(min(x + 6, view.width - w), RULER_H + 2, w, 16)
            p.fillRect(box, QColor(0, 0, 0, 190))
            p.setPen(QPen(TEXT))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, hover_text)
    if seconds is not None and view.start <= seconds <= view.end:
        x = view.x(seconds)
        p.setPen(QPen(PLAYHEAD, 2))
        p.drawLine(QLineF(x, 0, x, HEIGHT))
