"""A long show's episode list fills progressively: first lines at once, all of them in the end,
with the filters and the sort picked before it filled still applied."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from veyedesk.gui.editor.episode_list import FIRST_ROWS, EpisodeListPanel, EpisodeTableModel
from veyedesk.services.episodes import EpisodeRow

STATES = ["edit", "review 1"]


def rows(count: int) -> list[EpisodeRow]:
    t0 = datetime(2026, 2, 1, 9, 0)
    return [
        EpisodeRow(
            id=i + 1,
            start=t0 + timedelta(days=i % 3, minutes=30 * (i // 3)),
            room=f"Room {'ABCD'[i % 4]}",
            name=f"Talk {i:05d}",
            authors=f"Speaker {i}",
            state="edit" if i % 2 else "review 1",
            state_sequence=2 if i % 2 else 7,
            locked_by="",
            duration=1800.0,
            cuts_time=0.0,
            released=None,
        )
        for i in range(count)
    ]


def shown_names(panel: EpisodeListPanel) -> list[str]:
    return [panel.proxy.index(r, 2).data() for r in range(panel.proxy.rowCount())]


def test_a_long_list_shows_its_first_lines_at_once_and_ends_complete(qtbot: QtBot) -> None:
    panel = EpisodeListPanel()
    qtbot.addWidget(panel)
    panel.show()
    every = rows(3000)
    panel.set_rows(every[:10], STATES)  # an earlier read of the show: pick a room and a sort
    panel.room_box.setCurrentIndex(panel.room_box.findText("Room C"))
    panel.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    done: list[bool] = []

    panel.fill(every, STATES, lambda: done.append(True))

    # At once: the first lines in the list's order, Room C still picked, the rest to come.
    assert panel.filling and not done
    first = shown_names(panel)
    assert 0 < len(first) <= FIRST_ROWS
    room_c = [r for r in every if r.room == "Room C"]
    expected = sorted((r.name for r in room_c), reverse=True)
    assert first == expected[: len(first)]
    assert panel.room_box.currentText() == "Room C"
    # Meanwhile a save changes a line not listed yet: the list ends with it as saved.
    last = room_c[0]
    panel.update_row(dataclasses.replace(last, locked_by="rita"))

    qtbot.waitUntil(lambda: bool(done), timeout=30000)
    assert not panel.filling
    assert shown_names(panel) == expected  # complete, filtered and sorted
    assert panel.room_box.currentText() == "Room C"
    row = panel.model.row_of(last.id)
    assert row is not None and panel.proxy.index(row, 4).data() == "rita"
    panel.room_box.setCurrentIndex(0)
    assert panel.proxy.rowCount() == len(every)
    ids = {panel.proxy.index(r, 0).data(EpisodeTableModel.ID_ROLE) for r in range(len(every))}
    assert ids == {r.id for r in every}


def test_a_new_list_supersedes_one_still_filling(qtbot: QtBot) -> None:
    panel = EpisodeListPanel()
    qtbot.addWidget(panel)
    first_done: list[bool] = []
    panel.fill(rows(3000), STATES, lambda: first_done.append(True))
    assert panel.filling
    second_done: list[bool] = []
    panel.fill(rows(2500), STATES, lambda: second_done.append(True))
    qtbot.waitUntil(lambda: bool(second_done), timeout=30000)
    qtbot.wait(200)
    assert not first_done
    assert panel.proxy.rowCount() == 2500
