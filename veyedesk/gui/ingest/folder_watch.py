"""Watch a show's raw folder for new and growing recordings, so they are scanned unasked.

Two sources of news, because neither is enough alone: a QFileSystemWatcher on the rooms
folder, every room folder and every day folder (inotify: a new file is seen at once) and
a cheap poll of sizes every few seconds (network shares send no inotify events, and a file
growing in place changes no directory). The walk runs off the GUI thread.

A new file is reported as soon as it has bytes, so a recording in progress shows up
during the day; a file that grew is reported again once it stops growing (its size is the
same on two looks in a row), so its final duration gets scanned once, not every poll.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.ingest.scan import RAW_EXTENSIONS, rooms_dir

POLL_MS = 5000
SETTLE_MS = 300  # directory events come in bursts (create, write, close): look once after

Snapshot = dict[str, tuple[int, int]]  # path -> (size, mtime ns)


def snapshot(root: Path, rooms: Collection[str] | None = None) -> tuple[Snapshot, list[str]]:
    """Sizes of the media files under the rooms folder, and the folders to watch.

    `rooms` (room folder names) limits the walk to those rooms: a venue copy watches
    only its own (services.ingest.watch_scope).
    """
    files: Snapshot = {}
    folders: list[str] = []
    base = rooms_dir(root)
    if not base.is_dir():
        return files, folders
    folders.append(str(base))
    for folder, dirs, names in os.walk(base):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if rooms is not None and folder == str(base):
            dirs[:] = [d for d in dirs if d in rooms]
            names = []  # files beside the room folders belong to no room
        folders += [os.path.join(folder, d) for d in dirs]
        for name in names:
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in RAW_EXTENSIONS:
                continue
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except OSError:
                continue  # gone between listing and stat: the next look sees it
            files[path] = (st.st_size, st.st_mtime_ns)
    return files, folders


class FolderWatch(QObject):
    """Emits `changed(paths)` when media files under `root` appear or stop growing."""

    changed = Signal(list)  # paths (str) worth a scan
    failed = Signal(str)

    def __init__(
        self,
        runner: BackgroundRunner,
        parent: QObject | None = None,
        *,
        poll_ms: int = POLL_MS,
        settle_ms: int = SETTLE_MS,
        walk: Callable[[Path, Collection[str] | None], tuple[Snapshot, list[str]]] = snapshot,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.root: Path | None = None
        self.rooms: frozenset[str] | None = None
        self._walk = walk
        self._known: Snapshot = {}
        self._growing: dict[str, tuple[int, int]] = {}
        self._first = True
        self._looking = False
        self._again = False
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._soon)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(settle_ms)
        self._settle.timeout.connect(self.look)
        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms)
        self._poll.timeout.connect(self.look)
        self._generation = 0

    @property
    def active(self) -> bool:
        return self.root is not None

    def start(self, root: Path, rooms: Collection[str] | None = None) -> None:
        """Watch `root` (a show's raw folder), only the `rooms` folders when given; the
        first look reports every file once."""
        self.stop()
        self.root = root
        self.rooms = None if rooms is None else frozenset(rooms)
        self._first = True
        self._poll.start()
        self.look()

    def stop(self) -> None:
        self._generation += 1  # a look still running for the old folder is dropped
        self.root = None
        self.rooms = None
        self._poll.stop()
        self._settle.stop()
        dirs = self._watcher.directories()
        if dirs:
            self._watcher.removePaths(dirs)
        self._known, self._growing = {}, {}
        self._looking = self._again = False

    def _soon(self, _path: str = "") -> None:
        self._settle.start()

    def look(self) -> None:
        """Walk the folder now (off the GUI thread) and report what is new or settled."""
        if self.root is None:
            return
        if self._looking:
            self._again = True
            return
        self._looking = True
        root, rooms, walk, generation = self.root, self.rooms, self._walk, self._generation
        self.runner.submit(
            lambda: walk(root, rooms),
            lambda found: self._looked(generation, *found),
            lambda exc: self._look_failed(generation, exc),
        )

    def _look_failed(self, generation: int, exc: Exception) -> None:
        if generation != self._generation:
            return
        self._looking = False
        self.failed.emit(f"Watching {self.root}: {exc}")

    def _looked(self, generation: int, files: Snapshot, folders: list[str]) -> None:
        if generation != self._generation:
            return
        self._looking = False
        watched = set(self._watcher.directories())
        new_dirs = [f for f in folders if f not in watched]
        if new_dirs:
            self._watcher.addPaths(new_dirs)
        report: list[str] = []
        for path, (size, mtime) in files.items():
            before = self._known.get(path)
            pending = self._growing.get(path)
            if before is None and size > 0 and pending is None:
                report.append(path)  # new with bytes: show it now, even while recording
            elif before is not None and (size, mtime) != before:
                self._growing[path] = (size, mtime)  # still growing: wait for it to stop
            elif pending is not None and (size, mtime) == pending and before == pending:
                del self._growing[path]  # the same size twice: it stopped
                report.append(path)
            elif before is None and size == 0:
                self._growing[path] = (size, mtime)
        self._growing = {p: v for p, v in self._growing.items() if p in files}
        vanished = [p for p in self._known if p not in files]
        self._known = files
        if self._first:
            self._first = False
            report = sorted(files)  # files added while veyedesk was closed
        elif vanished and files:
            # The scan flags them missing. Everything gone at once is a share that was
            # unmounted, not a day of recordings deleted: that is left to a scan by hand.
            report += vanished
        if report:
            self.changed.emit(sorted(set(report)))
        if self._again:
            self._again = False
            self.look()
