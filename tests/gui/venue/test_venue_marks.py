"""Marks pressed in a Mark window on a venue copy reach the shared database and set in/out.

Issue 13's must-show across the branches: checkout (services.venue), the Mark window
driven by the clicker's keys on the copy, sync, then `assoc` on the shared PostgreSQL.
And the other way: marks pressed online arrive in the copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from tests.support.factory import DAY, make_show
from veyedesk.db import SessionFactory, make_engine, session_factory
from veyedesk.gui.mark.window import MarkWindow
from veyedesk.model import Cut, Episode, Mark
from veyedesk.services.editing import marks as marking
from veyedesk.services.episodes import Selection
from veyedesk.services.identity import Identity
from veyedesk.services.ingest.assoc import associate
from veyedesk.services.venue.checkouts import checkout
from veyedesk.services.venue.syncing import sync

pytestmark = pytest.mark.postgres

VOLUNTEER = Identity("vol", "editor")
SELECTION = Selection("pyconf", "pyconf_2026")


class Clock:
    """This machine's clock, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def shared(pg_url: str) -> Iterator[tuple[str, Engine]]:
    engine = make_engine(pg_url)
    with session_factory(engine)() as s:
        make_show(s, with_cuts=False)
        s.commit()
    yield pg_url, engine
    engine.dispose()


def _window(qtbot: QtBot, sessions: SessionFactory, clock: Clock) -> MarkWindow:
    with sessions() as s:
        room = marking.find_room(s, "pyconf", "pyconf_2026", "room_a")
    window = MarkWindow(sessions, VOLUNTEER, room, clock=clock)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: bool(window.talks))
    return window


def _press(qtbot: QtBot, window: MarkWindow, key: Qt.Key, n: int) -> None:
    qtbot.keyClick(window.focusWidget() or window, key)
    qtbot.waitUntil(lambda: len(window.marks.rows) == n and not window.marks.writer.busy)


def _talk_cuts(engine: Engine) -> list[tuple[str, float | None, float | None, bool]]:
    """Talk 1 in Room A's cuts: (raw file, in, out, applied)."""
    with session_factory(engine)() as s:
        ep = s.scalars(select(Episode).where(Episode.conf_key == "0-0")).one()
        cuts = s.scalars(select(Cut).where(Cut.episode_id == ep.id).order_by(Cut.sequence))
        return [(c.raw_file.filename, c.start, c.end, c.apply) for c in cuts]


def test_marks_pressed_offline_set_the_talks_in_and_out_on_the_shared_database(
    qtbot: QtBot, shared: tuple[str, Engine], tmp_path: Path, artifacts: Path
) -> None:
    url, engine = shared
    checkout(
        url,
        tmp_path / "venue.db",
        client="pyconf",
        show="pyconf_2026",
        room="room_a",
        who="vol",
        machine="laptop-room-a",
    )
    local = make_engine(f"sqlite:///{tmp_path / 'venue.db'}")
    try:
        # Talk 1 in Room A is scheduled 09:00-09:30; its raw files start 09:00 and 09:20.
        clock = Clock(DAY + timedelta(minutes=2, seconds=5))
        window = _window(qtbot, session_factory(local), clock)
        _press(qtbot, window, Qt.Key.Key_PageUp, 1)  # the talk starts
        clock.now = DAY + timedelta(minutes=27, seconds=40)
        _press(qtbot, window, Qt.Key.Key_PageDown, 2)  # the talk ends
        window.grab().save(str(artifacts / "venue-mark-window.png"))
        window.close()
        with session_factory(local)() as s:
            made = {m.uuid: (m.kind, m.click, m.who, m.machine) for m in s.scalars(select(Mark))}
        assert len(made) == 2

        report = sync(local)
        assert report.conflicts == [] and report.pushed >= 2
        with session_factory(engine)() as s:
            arrived = {m.uuid: (m.kind, m.click, m.who, m.machine) for m in s.scalars(select(Mark))}
        # The same rows, by UUID, with who pressed and on which laptop.
        assert arrived == made
        assert {v[3] for v in arrived.values()} == {marking.machine_name()}
        assert {v[2] for v in arrived.values()} == {"vol"}

        with session_factory(engine)() as s:
            associate(s, SELECTION)
            s.commit()
        assert _talk_cuts(engine) == [
            ("2026-02-01/09_00_00.dv", pytest.approx(125.0), None, True),
            ("2026-02-01/09_20_00.dv", None, pytest.approx(460.0), True),
        ]
    finally:
        local.dispose()


def test_marks_pressed_online_are_pulled_into_the_venue_copy(
    qtbot: QtBot, shared: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = shared
    checkout(
        url,
        tmp_path / "venue.db",
        client="pyconf",
        show="pyconf_2026",
        room="room_a",
        who="vol",
        machine="laptop-room-a",
    )
    clock = Clock(DAY + timedelta(minutes=46))
    window = _window(qtbot, session_factory(engine), clock)
    _press(qtbot, window, Qt.Key.Key_PageUp, 1)
    clock.now = DAY + timedelta(minutes=70)
    _press(qtbot, window, Qt.Key.Key_B, 2)
    window.close()
    with session_factory(engine)() as s:
        online = {m.uuid: (m.kind, m.click, m.who, m.machine) for m in s.scalars(select(Mark))}

    local = make_engine(f"sqlite:///{tmp_path / 'venue.db'}")
    try:
        report = sync(local)
        assert report.pulled >= 2 and report.conflicts == []
        with session_factory(local)() as s:
            pulled = {m.uuid: (m.kind, m.click, m.who, m.machine) for m in s.scalars(select(Mark))}
        assert pulled == online
        # assoc on the copy sets talk 2's in point from the start mark pressed online.
        with session_factory(local)() as s:
            associate(s, SELECTION)
            s.commit()
            ep = s.scalars(select(Episode).where(Episode.conf_key == "0-1")).one()
            # Talk 2 is 09:45-10:15, its raw files start 09:45 and 10:05; pressed 09:46.
            first = min((c for c in ep.cuts if c.apply), key=lambda c: c.sequence)
            assert first.raw_file.filename == "2026-02-01/09_45_00.dv"
            assert first.start == pytest.approx(60.0)
    finally:
        local.dispose()
