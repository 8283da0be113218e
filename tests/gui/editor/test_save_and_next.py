"""Save and next (Ctrl+Enter): the next talk is prepared while the editor works and shown
at once (its picture, then its form), and the save and the open (lock) follow on the
writer thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.gui.editor_support import open_editor, open_episode, playhead_at, type_text
from veyedesk.db import session_factory
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.model import Episode


def wait_prepared(qtbot: QtBot, window: MainWindow) -> int:
    """Wait until the next talk is read and decoded on the standby player; its id."""
    panel = window.player.panel
    assert panel is not None and panel.standby is not None, window.player.problem
    qtbot.waitUntil(lambda: window.next_target is not None)
    target = window.next_target
    assert target is not None
    qtbot.waitUntil(lambda: window.editing.preview(target.id) is not None)
    qtbot.waitUntil(lambda: panel._prepared is not None and panel.standby.player._opening is None)
    return target.id


def rename_and_wait_prepared(qtbot: QtBot, window: MainWindow, episode_id: int, name: str) -> int:
    """Open `episode_id`, type a new name, and wait until its next talk is prepared (its id)."""
    open_episode(qtbot, window, episode_id)
    line = window.form.lines["name"]
    line.selectAll()
    type_text(qtbot, line, name)
    return wait_prepared(qtbot, window)


def save_and_next(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def lock_of(engine: Engine, episode_id: int) -> str:
    with session_factory(engine)() as s:
        episode = s.get(Episode, episode_id)
        assert episode is not None
        return episode.locked_by or ""


def test_the_prepared_talk_and_its_form_show_before_the_database_answers(
    qtbot: QtBot, engine: Engine, demo: list[int]
) -> None:
    window, _ = open_editor(qtbot, engine)
    target = rename_and_wait_prepared(qtbot, window, demo[0], "Saved on the way out")
    name = window.form.lines["name"]
    panel = window.player.panel
    assert panel is not None and panel.standby is not None
    standby = panel.standby
    with session_factory(engine)() as s:
        next_name = s.get(Episode, target).name  # type: ignore[union-attr]
    # Hold the writer: neither the save nor the open can come back yet.
    gate = threading.Event()
    window.editing._writes.submit(lambda: gate.wait(120), lambda _r: None, lambda _e: None)
    try:
        save_and_next(qtbot, window)
        # The prepared picture at once (no new open), then its form from the same read.
        assert panel.video is standby
        qtbot.waitUntil(lambda: name.text() == next_name)
        doc = window.editing.document
        assert doc is not None and doc.draft.episode_id == target and not name.isReadOnly()
        assert window.editing.lock is None  # the lock is still on its way
        assert lock_of(engine, demo[0]) == "ed@laptop"  # and the save too
    finally:
        gate.set()
    qtbot.waitUntil(lambda: window.editing.lock is not None)
    # The same document took the lock: nothing was reloaded or reopened.
    assert window.editing.document is doc and not doc.read_only
    assert lock_of(engine, target) == "ed@laptop"
    with session_factory(engine)() as s:
        left = s.get(Episode, demo[0])
        assert left is not None and left.name == "Saved on the way out"
        assert left.locked_by in (None, "")


def test_save_and_next_shows_the_talk_as_someone_else_saved_it_meanwhile(
    qtbot: QtBot, engine: Engine, demo: list[int]
) -> None:
    from veyedesk.services.editing.draft import load_draft, save_draft

    window, _ = open_editor(qtbot, engine)
    open_episode(qtbot, window, demo[0])
    target = wait_prepared(qtbot, window)

    # Someone else saves the next talk after it was prepared: a new title, a later in point.
    with session_factory(engine)() as s:
        base = load_draft(s, target, "")
        theirs = base.copy()
        theirs.fields["name"] = "Theirs: renamed meanwhile"
        cut = theirs.cuts[0]
        theirs.cuts[0].start = 1.2 if abs(theirs.cut_bounds(cut)[0] - 1.2) > 0.1 else 2.0
        new_in = (cut.raw_file_id, theirs.cuts[0].start)
        save_draft(s, theirs, base, "ann@other")
        s.commit()

    save_and_next(qtbot, window)
    # Once the open is back (the lock taken), what they saved is what the editor shows:
    # the form and the picture at their in point.
    qtbot.waitUntil(
        lambda: (
            window.editing.lock is not None
            and window.editing.document is not None
            and window.editing.document.draft.episode_id == target
        )
    )
    assert window.form.lines["name"].text() == "Theirs: renamed meanwhile"
    doc = window.editing.document
    assert doc is not None and doc.draft.serial == theirs.serial + 1 and not doc.unsaved
    qtbot.waitUntil(lambda: playhead_at(window, new_in))
    assert lock_of(engine, demo[0]) == ""


def test_a_refused_save_brings_the_talk_back_with_its_edits_and_opens_nothing(
    qtbot: QtBot, engine: Engine, demo: list[int]
) -> None:
    from veyedesk.config import Settings
    from veyedesk.services.editing.locks import take_over
    from veyedesk.services.identity import Identity

    window, prompts = open_editor(qtbot, engine)
    target = rename_and_wait_prepared(qtbot, window, demo[0], "Typed before the take-over")
    name = window.form.lines["name"]
    # An admin takes the talk over: the save must be refused.
    with session_factory(engine)() as s, s.begin():
        take_over(s, demo[0], Identity("boss", "admin"), Settings().lock_stale_minutes)

    save_and_next(qtbot, window)
    qtbot.waitUntil(lambda: bool(prompts.errors))
    assert "was not saved" in prompts.errors[0]
    doc = window.editing.document
    assert doc is not None and doc.draft.episode_id == demo[0]
    assert doc.unsaved and name.text() == "Typed before the take-over"
    assert doc.read_only and doc.lock_holder == "boss"  # the take-over button is offered
    # The open of the next talk never ran: nobody holds it.
    assert lock_of(engine, target) == ""
    assert lock_of(engine, demo[0]) == "boss"


def test_the_next_talk_is_prepared_only_once_the_shown_talk_is_on_its_exact_frame(
    qtbot: QtBot, engine: Engine, demo: list[int]
) -> None:
    window, _ = open_editor(qtbot, engine)
    panel = window.player.panel
    assert panel is not None and panel.standby is not None, window.player.problem
    order: list[str] = []
    # On mpv's event thread, as it happens (a queued signal would arrive late).
    panel.video.events.happened.connect(
        lambda name, value: order.append(f"shown {value}") if name == "image" else None,
        Qt.ConnectionType.DirectConnection,
    )
    standby_open = panel.standby.player.open

    def counting_open(timeline: object, *args: object, **kwargs: object) -> None:
        if timeline:
            order.append("next talk opened on the standby player")
        standby_open(timeline, *args, **kwargs)  # type: ignore[arg-type]

    panel.standby.player.open = counting_open  # type: ignore[method-assign]
    # Opened straight away (nothing prepared): mpv decodes it while its next is looked up.
    window.open_episode(demo[2])
    qtbot.waitUntil(lambda: "next talk opened on the standby player" in order, timeout=20000)
    # The shown talk had both cores for its decode: the standby waited for its exact frame.
    assert order.index("shown exact") < order.index("next talk opened on the standby player")


def test_closing_before_the_lock_comes_back_saves_and_leaves_the_next_talk_free(
    qtbot: QtBot, engine: Engine, demo: list[int]
) -> None:
    window, _ = open_editor(qtbot, engine)
    target = rename_and_wait_prepared(qtbot, window, demo[0], "Saved while closing")
    gate = threading.Event()
    window.editing._writes.submit(lambda: gate.wait(120), lambda _r: None, lambda _e: None)
    save_and_next(qtbot, window)
    # The window closes at once: the save and the open had not even been handed to the
    # writer (they wait for the picture and the form to be on screen), and the writer is
    # busy. Closing hands them over and waits for the writer, which the gate lets go of.
    assert window.editing.document is not None
    assert window.editing.document.draft.episode_id == target
    threading.Timer(0.5, gate.set).start()
    window.close()
    with session_factory(engine)() as s:
        left = s.get(Episode, demo[0])
        assert left is not None and left.name == "Saved while closing"
        assert left.locked_by in (None, "")
    assert lock_of(engine, target) == ""  # the open's lock was given back after it
