from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from tests.gui.editor_support import open_editor, open_episode, type_text
from tests.support.factory import ShowFixture
from veyedesk.db import session_factory
from veyedesk.gui.cut_table import COL_IN, COL_OUT
from veyedesk.model import Cut, Episode


def test_open_edit_and_save_writes_exactly_those_values(
    qtbot: QtBot, engine: Engine, show: ShowFixture, artifacts: Path
) -> None:
    window, _prompts = open_editor(qtbot, engine)
    ep = show.episodes[1]
    open_episode(qtbot, window, ep.id)
    with session_factory(engine)() as s:
        assert s.get(Episode, ep.id).locked_by == "ed@laptop"  # type: ignore[union-attr]
    assert "locked by you" in window.lock_label.text()

    name = window.form.lines["name"]
    name.selectAll()
    type_text(qtbot, name, 'Keynote: "Why?" \\ 100% 🎥')
    window.form.channelcopy.setCurrentIndex(window.form.channelcopy.findData("01"))
    table = window.cuts.table
    model = window.cuts.model
    model.setData(model.index(0, COL_IN), "00:01:02.10")
    model.setData(model.index(0, COL_OUT), "00:19:00.00")
    assert window.windowTitle().startswith("*")
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.windowTitle().startswith("*"), timeout=10000)

    with session_factory(engine)() as s:
        row = s.get(Episode, ep.id)
        assert row is not None
        assert row.name == 'Keynote: "Why?" \\ 100% 🎥' and row.channelcopy == "01"
        cuts = list(s.scalars(select(Cut).where(Cut.episode_id == ep.id).order_by(Cut.sequence)))
        assert cuts[0].start == pytest.approx(62.4) and cuts[0].end == pytest.approx(1140.0)
        assert cuts[1].start is None and cuts[1].end is None
        assert row.serial == 1
    assert table.model() is not None
    window.screenshot(artifacts / "editor_window_fixture.png")
