"""The editor on the demo show (real generated recordings): keyboard in/out, and a screenshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from tests.gui.editor_support import (
    DEMO_PLAN,
    assert_fitted_to_talk,
    open_editor,
    open_episode,
    playhead_at,
    type_text,
)
from veyedesk.db import session_factory
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.model import Cut, Episode


def wait_for_video(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.player.panel
    assert panel is not None, window.player.problem
    # A decoded frame (time_pos known) drawn, not just the first blank paint.
    qtbot.waitUntil(lambda: panel.player.mpv.time_pos is not None, timeout=20000)
    drawn = panel.video.frames_drawn
    qtbot.waitUntil(lambda: panel.video.frames_drawn > drawn or drawn > 1, timeout=20000)


def playhead(window: MainWindow) -> tuple[int | None, float]:
    return window.player.playhead()


def test_keyboard_in_and_out_name_and_channelcopy_are_saved_exactly(
    qtbot: QtBot, engine: Engine, demo: list[int]
) -> None:
    window, _ = open_editor(qtbot, engine)
    first = demo[0]
    open_episode(qtbot, window, first)
    wait_for_video(qtbot, window)
    doc = window.editing.document
    assert doc is not None
    raw_id, _offset = playhead(window)
    assert raw_id == next(c.raw_file_id for c in doc.draft.cuts if c.apply)
    # The player opens at the first applied cut's in point (0.4 s into the first file).
    qtbot.waitUntil(lambda: abs(playhead(window)[1] - 0.4) < 0.021, timeout=5000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.player.panel.setFocus()  # type: ignore[union-attr]
    for _ in range(2):
        qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: abs(playhead(window)[1] - 2.4) < 0.021, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_O)
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: abs(playhead(window)[1] - 1.4) < 0.021, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_I)
    cut_index = next(i for i, c in enumerate(doc.draft.cuts) if c.raw_file_id == raw_id)
    assert doc.draft.cuts[cut_index].start == pytest.approx(1.4)
    assert doc.draft.cuts[cut_index].end == pytest.approx(2.4)
    # The cut table shows the same cut, from the same document.
    in_text = window.cuts.model.index(cut_index, 2).data()
    assert in_text == "00:00:01:10"  # SMPTE: 1.4 s is frame 10 of second 1

    name = window.form.lines["name"]
    name.selectAll()
    type_text(qtbot, name, "Keynote, trimmed: 100% ✓")
    window.form.channelcopy.setCurrentIndex(window.form.channelcopy.findData("m"))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.windowTitle().startswith("*"), timeout=10000)
    with session_factory(engine)() as s:
        row = s.get(Episode, first)
        assert row is not None
        assert (row.name, row.channelcopy) == ("Keynote, trimmed: 100% ✓", "m")
        cut = s.scalars(select(Cut).where(Cut.episode_id == first, Cut.raw_file_id == raw_id)).one()
        assert (cut.start, cut.end) == (pytest.approx(1.4), pytest.approx(2.4))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_screenshot_of_the_whole_window_on_the_demo_show(
    qtbot: QtBot, engine: Engine, demo: list[int], artifacts: Path
) -> None:
    window, _ = open_editor(qtbot, engine, size=(1920, 1080))
    open_episode(qtbot, window, demo[1])
    wait_for_video(qtbot, window)
    panel = window.player.panel
    assert panel is not None
    doc = window.editing.document
    assert doc is not None
    used = {c.raw_file_id for c in doc.draft.cuts}
    qtbot.waitUntil(lambda: used <= set(panel.timeline_view.peaks), timeout=30000)
    qtbot.waitUntil(lambda: used <= set(panel.timeline_view.thumbs), timeout=60000)
    qtbot.waitUntil(lambda: window.timecode_label.text() != "", timeout=5000)
    window.form.description_tabs.setCurrentIndex(1)  # the rendered markdown
    qtbot.wait(300)  # let the last frame and the waveform paint
    path = artifacts / "editor_window.png"
    image = window.grab()
    assert image.width() == 1920 and image.height() == 1080
    image.save(str(path))
    assert path.stat().st_size > 50_000


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_empty_database_gets_the_demo_show_with_a_status_message(
    qtbot: QtBot, engine: Engine, demo_media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veyedesk.config import load_settings
    from veyedesk.services.identity import Identity

    # The window renders into <data dir>/demo: point it at the module's rendered recordings.
    data = demo_media.parent / "data-with-demo"
    data.mkdir(exist_ok=True)
    if not (data / "demo").exists():
        (data / "demo").symlink_to(demo_media)
    monkeypatch.setenv("VEYEDESK_DATA_DIR", str(data))
    settings = load_settings(flags={"db": engine.url.render_as_string(hide_password=False)})
    window = MainWindow(
        session_factory(engine), settings, Identity("ed@laptop", "admin"), demo_plan=DEMO_PLAN
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "demo show" in window.statusBar().currentMessage(), timeout=5000)
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() == 8, timeout=120000)
    assert window.show_box.currentText() == "demo / Demo Conference"
    # …and opens its first talk, so the workflow is on screen at once.
    qtbot.waitUntil(lambda: window.editing.document is not None, timeout=20000)
    assert window.editing.episode_id == window.episodes.visible_ids()[0]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_use_current_frame_saves_a_thumbnail_into_the_data_folder(
    qtbot: QtBot, engine: Engine, demo: list[int]
) -> None:
    from veyedesk.config import data_dir

    window, _ = open_editor(qtbot, engine)
    open_episode(qtbot, window, demo[0])
    wait_for_video(qtbot, window)
    doc = window.editing.document
    assert doc is not None
    window.form.thumbnail_button.click()
    qtbot.waitUntil(lambda: bool(doc.draft.fields["thumbnail"]), timeout=10000)
    path = Path(doc.draft.fields["thumbnail"])
    assert path.is_relative_to(data_dir() / "thumbnails" / "demo" / "demo_conf")
    qtbot.waitUntil(path.exists, timeout=10000)
    qtbot.waitUntil(lambda: not window.form.thumbnail.pixmap().isNull(), timeout=10000)
    assert doc.undo_stack.undoText() == "Use current frame as thumbnail"


def test_the_editor_opens_a_talk_with_the_timeline_fitted_to_it(
    qtbot: QtBot, engine: Engine, demo: list[int]
) -> None:
    window, _ = open_editor(qtbot, engine)
    open_episode(qtbot, window, demo[1])
    wait_for_video(qtbot, window)
    assert window.player.panel is not None
    assert_fitted_to_talk(window.player.panel.timeline_view)


def test_enter_shows_the_selected_talks_picture_before_its_open_returns(
    qtbot: QtBot, engine: Engine, demo: list[int]
) -> None:
    import threading

    window, _ = open_editor(qtbot, engine)
    panel = window.player.panel
    assert panel is not None, window.player.problem
    assert panel.standby is not None  # the editor's panel has a standby player
    images: list[tuple[object, str]] = []
    for widget in (panel.video, panel.standby):
        widget.events.happened.connect(
            lambda name, value, w=widget: images.append((w, value)) if name == "image" else None
        )
    standby = panel.standby
    target = demo[1]
    window.episodes.select_episode(target)
    # Selecting the line reads its media (read only) and opens it on the standby player,
    # decoded to its in point.
    qtbot.waitUntil(lambda: window.editing.preview(target) is not None)
    qtbot.waitUntil(lambda: (standby, "exact") in images)
    draft = window.editing.preview(target)
    assert draft is not None
    cut = draft.cuts[0]
    in_point = (cut.raw_file_id, draft.cut_bounds(cut)[0])
    # Hold the open (lock, form) back: the database writer is busy with something else.
    gate = threading.Event()
    window.editing._writes.submit(lambda: gate.wait(120), lambda _r: None, lambda _e: None)
    try:
        qtbot.keyClick(window.episodes.table, Qt.Key.Key_Return)
        # The prepared player is on screen at once, before the open came back.
        assert panel.video is standby and panel.player is standby.player
        assert playhead_at(window, in_point)
        # Then the form, from the same read, still before the open (the lock).
        name = str(draft.fields["name"])
        qtbot.waitUntil(lambda: window.form.lines["name"].text() == name)
        assert window.editing.lock is None
        shown = window.editing.document
    finally:
        gate.set()
    opened: list[object] = []
    open_player = panel.player.open

    def counting_open(timeline: object, *args: object, **kwargs: object) -> None:
        if timeline:
            opened.append(timeline)
        open_player(timeline, *args, **kwargs)  # type: ignore[arg-type]

    panel.player.open = counting_open  # type: ignore[method-assign]
    qtbot.waitUntil(lambda: window.editing.lock is not None)
    # The open took the lock for the document on screen, and the files mpv had opened
    # stayed instead of being opened again.
    assert window.editing.document is shown and not shown.read_only
    assert opened == []
    assert playhead_at(window, in_point)


def test_the_first_picture_on_a_talk_not_prepared_is_its_keyframe_then_the_exact_frame(
    qtbot: QtBot, engine: Engine, demo: list[int]
) -> None:
    window, _ = open_editor(qtbot, engine)
    panel = window.player.panel
    assert panel is not None, window.player.problem
    images: list[str] = []
    panel.video.events.happened.connect(
        lambda name, value: images.append(value) if name == "image" else None
    )
    # Opened straight away (as a double-click does): nothing was prepared for it.
    window.open_episode(demo[2])
    qtbot.waitUntil(lambda: "exact" in images)
    # The demo's in points fall between keyframes: the keyframe's picture comes first.
    assert images == ["keyframe", "exact"]
