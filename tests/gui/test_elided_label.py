"""The editor's Next label: elided to its width, whole title in the tooltip, no tofu box."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from pytestqt.qtbot import QtBot

from veyedesk.gui.widgets.safe_text import ElidedLabel, drawable_text

TITLE = "Next: Room 2 10:00: Backslashes \\ quotes ' and colons: a titling torture test 🎥"


def _some_font_draws(char: str) -> bool:
    return any(
        QFontMetrics(QFont(family)).inFontUcs4(ord(char)) for family in QFontDatabase.families()
    )


def test_a_long_title_is_elided_with_the_whole_text_as_tooltip(qtbot: QtBot) -> None:
    label = ElidedLabel(TITLE)
    qtbot.addWidget(label)
    label.resize(200, label.sizeHint().height())
    label.show()
    assert label.text() == TITLE  # the text stays whole; only the drawing is cut
    assert label.shown_text().endswith("…") and len(label.shown_text()) < 40
    assert "torture test 🎥" in label.toolTip() and label.toolTip().startswith("<p ")
    assert label.minimumSizeHint().width() < 100  # the toolbar may squeeze it
    assert label.sizeHint().width() <= label.widest


def test_an_emoji_no_font_can_draw_is_left_out_not_shown_as_a_box(qtbot: QtBot) -> None:
    label = ElidedLabel("<b>not bold</b> 🎥 ok")
    qtbot.addWidget(label)
    label.resize(2000, 30)
    label.show()
    expected = "<b>not bold</b> ok" if not _some_font_draws("🎥") else "<b>not bold</b> 🎥 ok"
    assert label.shown_text() == expected
    assert drawable_text("é → ✔", label.font()) == "é → ✔"
