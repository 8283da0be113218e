"""The timeline draws start, end and cut marks apart, and its hover text says which."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from tests.gui.player.test_timeline import T0, _draft, _move, _widget
from veyedesk.gui.player import timeline_paint as paint
from veyedesk.model.kinds import MarkKind
from veyedesk.services.editing.marks import MarkTime

START_AT, END_AT, CUT_AT = (T0 + timedelta(seconds=s) for s in (120, 180, 150))


def _close(a: QColor, b: QColor) -> bool:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) < 40


def test_each_kind_has_its_own_colour_and_shape(qtbot: QtBot) -> None:
    widget, _doc = _widget(qtbot, _draft(files=1))
    widget.set_marks(
        [
            MarkTime.of(START_AT, MarkKind.START),
            MarkTime.of(END_AT, MarkKind.END),
            CUT_AT,  # a plain time (an imported mark, an old caller) is a cut
        ]
    )
    assert widget.mark_kinds == ["start", "cut", "end"]
    image = widget.grab().toImage()
    view = widget.view()
    y = paint.RULER_H + 5

    def at(moment: datetime, dx: int) -> QColor:
        return image.pixelColor(round(view.x(widget._wall_seconds(moment))) + dx, y)

    # Start: a flag to the right of its line; end: to the left; cut: a notch on the line.
    assert _close(at(START_AT, 4), paint.MARK_START)
    assert not _close(at(START_AT, -4), paint.MARK_START)
    assert _close(at(END_AT, -4), paint.MARK_END)
    assert not _close(at(END_AT, 4), paint.MARK_END)
    assert _close(
        image.pixelColor(round(view.x(widget._wall_seconds(CUT_AT))), paint.RULER_H + 2), paint.MARK
    )
    assert len({c.name() for c in (paint.MARK_START, paint.MARK_END, paint.MARK)}) == 3


def test_screenshot_of_the_three_kinds(qtbot: QtBot, artifacts: Path) -> None:
    widget, _doc = _widget(qtbot, _draft(files=1))
    widget.set_marks(
        [MarkTime.of(START_AT, MarkKind.START), MarkTime.of(END_AT, MarkKind.END), CUT_AT]
    )
    _move(widget, QPoint(round(widget.view().x(widget._wall_seconds(START_AT))) + 2, 40), False)
    image = widget.grab()
    image.save(str(artifacts / "timeline_mark_kinds.png"))
    assert "▶ talk starts mark" in widget._hover_text()


def test_hovering_a_mark_says_its_kind(qtbot: QtBot) -> None:
    widget, _doc = _widget(qtbot, _draft(files=1))
    widget.set_marks([MarkTime.of(START_AT, MarkKind.START), MarkTime.of(END_AT, "end")])
    view = widget.view()
    for moment, legend in ((START_AT, "▶ talk starts mark"), (END_AT, "◀ talk ends mark")):
        _move(widget, QPoint(round(view.x(widget._wall_seconds(moment))) + 2, 40), held=False)
        assert legend in widget._hover_text()
    _move(widget, QPoint(round(view.x(widget._wall_seconds(CUT_AT))), 40), held=False)
    assert "mark" not in widget._hover_text()
