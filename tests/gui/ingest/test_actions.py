"""File ▸ Scan recordings / Associate from the menu, with progress; the watched raw folder."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.gui.editor_support import open_episode
from tests.gui.ingest_support import open_window, wait_for_talks
from veyedesk.gui.ingest.folder_watch import FolderWatch
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.model import Cut, RawFile
from veyedesk.services import catalog
from veyedesk.services.episodes import add_episode
from veyedesk.services.ingest.scan import scan_show

pytestmark = pytest.mark.media

DAY = "2026-02-01"


def _room_day(session: Session, tmp_path: Path, clip: Path, names: list[str]) -> tuple[Path, int]:
    """A show whose raw folder holds `names` (copies of `clip`) and one talk over them."""
    catalog.add_client(session, "vk")
    show = catalog.add_show(session, "vk", "vk26", "VK 26")
    root = tmp_path / "raw"
    show.raw_root = str(root)
    room = catalog.add_room(session, show, "room_a", "Room A")
    folder = root / "dv" / "room_a" / DAY
    folder.mkdir(parents=True)
    for name in names:
        shutil.copyfile(clip, folder / name)
    episode = add_episode(
        session,
        show,
        "A talk over the files",
        room=room,
        start=datetime(2026, 2, 1, 10, 0, 1),
        duration=8.0,
    )
    session.commit()
    return folder, episode.id


def test_scan_and_associate_from_the_menu_with_progress(
    qtbot: QtBot, engine: Engine, session: Session, tmp_path: Path, clips: dict[str, Path]
) -> None:
    _room_day(session, tmp_path, clips["dv"], ["10_00_00.dv", "10_00_05.dv"])
    window = open_window(qtbot, engine, watch=False)
    ingest = window.ingest
    seen: list[tuple[int, int, bool]] = []
    ingest._progress.moved.connect(
        lambda done, total, _name: seen.append((done, total, ingest.bar.isVisible()))
    )
    assert ingest.scan_action in window.file_menu.actions()
    with qtbot.waitSignal(ingest.scanned, timeout=20000) as scanned:
        # Alt+F opens the File menu, E is "Scan r&ecordings".
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(window.file_menu.isVisible, timeout=5000)
        qtbot.keyClick(window.file_menu, Qt.Key.Key_E)  # Scan r&ecordings
    assert sorted(scanned.args[0].added) == [
        "room_a/2026-02-01/10_00_00.dv",
        "room_a/2026-02-01/10_00_05.dv",
    ]
    assert (2, 2, True) in seen  # the bar showed the probes going by
    assert not ingest.bar.isVisible()  # and went away when done
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(RawFile)) == 2

    seen.clear()
    with qtbot.waitSignal(ingest.associated, timeout=20000) as associated:
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(window.file_menu.isVisible, timeout=5000)
        qtbot.keyClick(window.file_menu, Qt.Key.Key_A)  # "&Associate recordings with talks"
    assert sum(associated.args[0].added.values()) == 2
    assert seen[-1][:2] == (1, 1) and seen[-1][2]
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Cut)) == 2


def test_a_file_dropped_in_the_watched_folder_appears_on_the_open_timeline(
    qtbot: QtBot,
    engine: Engine,
    session: Session,
    tmp_path: Path,
    clips: dict[str, Path],
    artifacts: Path,
) -> None:
    folder, episode_id = _room_day(session, tmp_path, clips["dv"], ["10_00_00.dv"])
    show = catalog.get_show(session, "vk", "vk26")
    scan_show(session, show, folder.parents[2])
    session.commit()
    window = open_window(qtbot, engine)
    wait_for_talks(qtbot, window, 1)
    open_episode(qtbot, window, episode_id)
    ingest = window.ingest
    qtbot.waitUntil(lambda: ingest.watch.root is not None, timeout=10000)
    qtbot.waitUntil(lambda: not ingest.busy and not ingest.watch._first, timeout=20000)
    doc = window.editing.document
    assert doc is not None
    doc.set_field("name", "Renamed, not saved yet")
    assert doc.unsaved
    panel = window.player.panel
    assert panel is not None
    assert [b.filename for b in panel.timeline_view.blocks] == ["10_00_00.dv"]

    with qtbot.waitSignal(ingest.raw_files_refreshed, timeout=20000):
        shutil.copyfile(clips["dv"], folder / "10_00_05.dv")
    qtbot.waitUntil(
        lambda: [b.filename for b in panel.timeline_view.blocks] == ["10_00_00.dv", "10_00_05.dv"],
        timeout=10000,
    )
    assert window.editing.document is doc  # the same document: edits and undo kept
    assert doc.unsaved and doc.draft.fields["name"] == "Renamed, not saved yet"
    assert doc.undo_stack.count() == 1
    table = window.form.raw_table
    assert table.rowCount() == 2  # the form's file list knows the new file too
    window.grab().save(str(artifacts / "watched_folder_timeline.png"))


def _write(path: Path, size: int) -> None:
    with path.open("ab") as f:
        f.write(b"\0" * size)


def test_the_watch_reports_new_files_at_once_and_grown_files_when_they_stop(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = tmp_path / "dv" / "room_a" / DAY
    folder.mkdir(parents=True)
    old = folder / "09_00_00.dv"
    _write(old, 1000)
    watch = FolderWatch(BackgroundRunner(), poll_ms=3_600_000, settle_ms=10)
    reports: list[list[str]] = []
    watch.changed.connect(reports.append)

    watch.start(tmp_path)
    qtbot.waitUntil(lambda: not watch._looking, timeout=5000)
    assert reports == [[str(old)]]  # the first look: files added while closed

    new = folder / "10_00_00.dv"
    _write(new, 500)
    _looked(qtbot, watch)
    assert reports[-1] == [str(new)]  # new, with bytes: reported at once

    count = len(reports)
    _write(new, 500)  # the recorder goes on writing
    _looked(qtbot, watch)
    assert len(reports) == count  # growing: not yet
    _write(new, 500)
    _looked(qtbot, watch)
    assert len(reports) == count
    _looked(qtbot, watch)  # the same size twice: it stopped
    assert reports[-1] == [str(new)]
    _looked(qtbot, watch)
    assert len(reports) == count + 1  # and only once
    watch.stop()


def _looked(qtbot: QtBot, watch: FolderWatch) -> None:
    watch.look()
    qtbot.waitUntil(lambda: not watch._looking, timeout=5000)


def test_the_watch_reports_a_deleted_file_but_not_a_whole_folder_gone(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = tmp_path / "dv" / "room_a" / DAY
    folder.mkdir(parents=True)
    a, b = folder / "09_00_00.dv", folder / "10_00_00.dv"
    _write(a, 100)
    _write(b, 100)
    watch = FolderWatch(BackgroundRunner(), poll_ms=3_600_000, settle_ms=10)
    reports: list[list[str]] = []
    watch.changed.connect(reports.append)
    watch.start(tmp_path)
    qtbot.waitUntil(lambda: not watch._looking, timeout=5000)
    a.unlink()
    _looked(qtbot, watch)
    assert reports[-1] == [str(a)]  # the scan flags it missing
    count = len(reports)
    shutil.rmtree(tmp_path / "dv")  # a share unmounted: no scan marks the day missing
    _looked(qtbot, watch)
    assert len(reports) == count
    watch.stop()


def test_a_watch_limited_to_rooms_sees_nothing_of_the_other_rooms(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A venue copy watches its own room only (issue 19 item 3)."""
    mine, other = tmp_path / "dv" / "room_a" / DAY, tmp_path / "dv" / "room_b" / DAY
    for folder in (mine, other):
        folder.mkdir(parents=True)
        _write(folder / "09_00_00.dv", 100)
    watch = FolderWatch(BackgroundRunner(), poll_ms=3_600_000, settle_ms=10)
    reports: list[list[str]] = []
    watch.changed.connect(reports.append)
    watch.start(tmp_path, rooms={"room_a"})
    qtbot.waitUntil(lambda: not watch._looking, timeout=5000)
    assert reports == [[str(mine / "09_00_00.dv")]]
    _write(other / "10_00_00.dv", 100)
    _looked(qtbot, watch)
    assert len(reports) == 1  # a new file in another room starts no scan
    watched = watch._watcher.directories()
    assert watched and not any("room_b" in d for d in watched)
    watch.stop()


def test_new_files_wait_for_a_pause_before_the_timeline_is_rebuilt(
    qtbot: QtBot, engine: Engine, session: Session, tmp_path: Path, clips: dict[str, Path]
) -> None:
    from tests.support.media import make_clip

    long_clip = make_clip(tmp_path / "long.dv", "dv", 30.0, stamp=False)
    folder, episode_id = _room_day(session, tmp_path, long_clip, ["10_00_00.dv"])
    scan_show(session, catalog.get_show(session, "vk", "vk26"), folder.parents[2])
    session.commit()
    window = open_window(qtbot, engine)
    wait_for_talks(qtbot, window, 1)
    open_episode(qtbot, window, episode_id)
    ingest = window.ingest
    qtbot.waitUntil(lambda: ingest.watch.root is not None, timeout=10000)
    qtbot.waitUntil(lambda: not ingest.busy and not ingest.watch._first, timeout=20000)
    panel = window.player.panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.video.is_ready, timeout=10000)
    panel.player.play()
    qtbot.waitUntil(lambda: not panel.player.paused, timeout=10000)

    shutil.copyfile(clips["dv"], folder / "10_00_30.dv")
    qtbot.waitUntil(lambda: ingest._pending is not None, timeout=20000)
    assert "when you pause" in window.status_bar.currentMessage()
    assert [b.filename for b in panel.timeline_view.blocks] == ["10_00_00.dv"]  # not yet
    assert not panel.player.paused  # playback went on undisturbed

    with qtbot.waitSignal(ingest.raw_files_refreshed, timeout=10000):
        panel.player.pause()
    assert [b.filename for b in panel.timeline_view.blocks] == ["10_00_00.dv", "10_00_30.dv"]


def test_trashing_a_file_in_the_room_day_list_takes_it_off_the_open_timeline(
    qtbot: QtBot, engine: Engine, session: Session, tmp_path: Path, clips: dict[str, Path]
) -> None:
    folder, episode_id = _room_day(
        session, tmp_path, clips["dv"], ["10_00_00.dv", "10_00_05.dv", "10_00_10.dv"]
    )
    scan_show(session, catalog.get_show(session, "vk", "vk26"), folder.parents[2])
    session.commit()
    window = open_window(qtbot, engine, watch=False)
    wait_for_talks(qtbot, window, 1)
    open_episode(qtbot, window, episode_id)
    doc = window.editing.document
    assert doc is not None
    first, second, third = sorted(doc.draft.raw_files, key=lambda i: doc.draft.raw_files[i].start)
    doc.add_cut(first)  # an unsaved cut on the first file
    panel = window.player.panel
    assert panel is not None
    view = window.ingest.open_room_day()
    assert view is not None
    qtbot.waitUntil(lambda: view.table.rowCount() == 3, timeout=10000)
    for raw_id in (first, second):
        with qtbot.waitSignal(window.ingest.raw_files_refreshed, timeout=10000):
            view.set_raw_file(raw_id, trash=True)
    names = [b.filename for b in panel.timeline_view.blocks]
    # The second file is gone; the first stays because the draft cuts it.
    assert names == ["10_00_00.dv", "10_00_10.dv"]
    assert doc.unsaved and [c.raw_file_id for c in doc.draft.cuts] == [first]
    assert third in doc.draft.raw_files
