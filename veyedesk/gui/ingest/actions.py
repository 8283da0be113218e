"""The editor window's ingest: File ▸ Import schedule, Scan recordings, Associate; the watch.

Scans and associations run on a thread of their own (one at a time; a request while one
runs is remembered and run after it) with a progress bar in the status bar. When a scan
found new or grown files, the open episode's room-day files are read again and the
timeline is rebuilt around the same document, so unsaved edits and the undo history stay
and the playhead and zoom stay where the editor left them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QSettings, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QMenu, QProgressBar, QStatusBar, QWidget

from veyedesk.gui.admin.room_day import RoomDayWindow
from veyedesk.gui.ingest.folder_watch import FolderWatch
from veyedesk.gui.ingest.import_dialog import ImportDialog
from veyedesk.gui.widgets.safe_text import plain_label
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.services.editing import EpisodeContext, episode_context
from veyedesk.services.errors import InvalidInput
from veyedesk.services.ingest import (
    AssocResult,
    OpenRawFiles,
    ScanRaced,
    ScanResult,
    associate_show,
    open_episode_raw_files,
    scan_show_for,
    watch_scope,
)


class IngestHost(Protocol):
    """What the ingest actions use of the editor window that hosts them (never the window).

    The show picker says which show; the open talk's session, form, player and cut list
    take new recordings without losing unsaved edits; the rest is status and identity.
    """

    db_sessions: SessionFactory
    settings: Settings
    identity: Identity
    show_box: QComboBox
    status_bar: EditorStatusBar
    editing: EpisodeSession
    form: EpisodeForm
    player: PlayerHost
    cuts: CutTable
    prompts: Prompts

    def statusBar(self) -> QStatusBar: ...

    def reload_shows(self) -> None: ...

    def open_episode(self, episode_id: int) -> None: ...


if TYPE_CHECKING:
    from veyedesk.config import Settings
    from veyedesk.db import SessionFactory
    from veyedesk.gui.editor.cut_table import CutTable
    from veyedesk.gui.editor.episode_form import EpisodeForm
    from veyedesk.gui.editor.player_host import PlayerHost
    from veyedesk.gui.editor.session import EpisodeSession
    from veyedesk.gui.widgets.prompts import Prompts
    from veyedesk.gui.widgets.status_bar import EditorStatusBar
    from veyedesk.services.identity import Identity

SWAP_CHECK_MS = 500  # how often a timeline waiting for new files looks for a pause
WATCH_KEY = "ingest/watch"


class _Progress(QObject):
    # Emitted from the worker thread; the connection queues it into the GUI thread.
    moved = Signal(int, int, str)


class IngestActions(QObject):
    """Menu actions and background runs that bring a show's schedule and recordings in."""

    scanned = Signal(object)  # ScanResult
    associated = Signal(object)  # AssocResult
    raw_files_refreshed = Signal(int)  # episode id whose timeline got the new files
    imported = Signal(object)  # ImportResult

    def __init__(self, window: IngestHost, parent: QWidget) -> None:
        super().__init__(parent)
        self.window = window
        pool = QThreadPool(self)
        pool.setMaxThreadCount(1)  # scans and associations one after another
        self.runner = BackgroundRunner(self, pool)
        self._pool = pool
        self.busy = ""  # "scan" or "assoc" while one runs
        self._queued: list[str] = []
        self._progress = _Progress()
        self._progress.moved.connect(self._moved)
        self.bar = QProgressBar()
        self.bar.setObjectName("ingest_progress")
        self.bar.setMaximumWidth(220)
        self.bar.hide()
        self.bar_label = plain_label()  # shows file names, which may look like HTML
        self.bar_label.setObjectName("ingest_progress_label")
        self.bar_label.hide()
        window.statusBar().addPermanentWidget(self.bar_label)
        window.statusBar().addPermanentWidget(self.bar)
        # Quick reads (the raw folder's walk, the open talk's files) never wait behind a scan.
        self.quick = BackgroundRunner(self)
        self.watch = FolderWatch(self.quick, self)
        self.watch.changed.connect(self._folder_changed)
        self.watch.failed.connect(self._say)
        self.import_action = self._action("&Import schedule…", self.import_schedule, "import")
        self.scan_action = self._action("Scan r&ecordings", self.scan, "scan")
        self.assoc_action = self._action(
            "&Associate recordings with talks", self.associate, "assoc"
        )
        self.watch_action = self._action("&Watch the raw folder", self._watch_toggled, "watch")
        self.watch_action.setCheckable(True)
        # On by default for the open show; whoever turned it off keeps it off.
        self.watch_action.setChecked(bool(QSettings().value(WATCH_KEY, True, type=bool)))
        self.room_day_action = self._action(
            "Raw files by room-&day…", self.open_room_day, "room_day"
        )
        self.room_day_action.setShortcut("Ctrl+Shift+D")
        self.room_day: RoomDayWindow | None = None
        self.dialog: ImportDialog | None = None
        self._pending: tuple[OpenRawFiles, EpisodeContext] | None = None
        self._swap_timer = QTimer(self)
        self._swap_timer.setInterval(SWAP_CHECK_MS)
        self._swap_timer.timeout.connect(self._swap_when_paused)

    def _action(self, text: str, slot: Any, name: str) -> QAction:
        action = QAction(text, self.parent())
        action.setObjectName(name)
        action.triggered.connect(lambda *_: slot())
        return action

    def add_to_menus(
        self, file_menu: QMenu, view_menu: QMenu, go_menu: QMenu, before: QAction
    ) -> None:
        """File (above `before`): import, scan, associate; View: watch; Go: the room-day list."""
        for action in (self.import_action, self.scan_action, self.assoc_action):
            file_menu.insertAction(before, action)
        file_menu.insertSeparator(before)
        view_menu.addSeparator()
        view_menu.addAction(self.watch_action)
        go_menu.addSeparator()
        go_menu.addAction(self.room_day_action)

    # -- helpers ------------------------------------------------------------------------
    def _parent_widget(self) -> QWidget:
        parent = self.parent()
        assert isinstance(parent, QWidget)
        return parent

    @property
    def show_id(self) -> int | None:
        value = self.window.show_box.currentData()
        return int(value) if value is not None else None

    def _say(self, message: str) -> None:
        self.window.status_bar.say(message)

    def _needs_show(self) -> int | None:
        show_id = self.show_id
        if show_id is None:
            self._say("Pick a show first")
        return show_id

    # -- import -------------------------------------------------------------------------
    def import_schedule(self) -> ImportDialog | None:
        """Open the import dialog for the current show (non-modal; the diff comes first)."""
        show_id = self._needs_show()
        if show_id is None:
            return None
        if not self.window.identity.can("edit"):
            self._say(f"{self.window.identity.name} may not import schedules; ask an admin")
            return None
        w = self.window
        if self.dialog is not None and self.dialog.isVisible() and self.dialog.show_id == show_id:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        self.dialog = ImportDialog(
            w.db_sessions,
            w.identity,
            show_id,
            w.show_box.currentText(),
            self.quick,
            self._parent_widget(),
            prompts=w.prompts,
        )
        self.dialog.imported.connect(self._imported)
        self.dialog.show()
        return self.dialog

    def _imported(self, result: Any) -> None:
        self._say("Schedule imported: " + result.plan.lines()[-1])
        self.imported.emit(result)
        self.window.reload_shows()
        self._reload_open_talk({p.existing.id for p in result.plan.changed})

    def _reload_open_talk(self, changed: set[int]) -> None:
        """The open form shows what the import wrote: reloaded, or the user is told why not."""
        editing = self.window.editing
        doc, episode_id = editing.document, editing.episode_id
        if doc is None or episode_id not in changed:
            return
        if doc.unsaved:
            # Never overwrite a person's typing: the next save meets the import as a conflict.
            self._say(
                "The import changed the open talk; the form still shows your unsaved edits: "
                "save (the changes are then shown to merge) or reopen the talk to see them"
            )
            return
        editing.open(episode_id)  # the same talk again: the form takes the imported values

    # -- scan and associate ---------------------------------------------------------------
    def _start(self, kind: str) -> bool:
        if self.busy:
            # Asked again while running (files changed during a scan): run once more after.
            if kind not in self._queued:
                self._queued.append(kind)
            return False
        self.busy = kind
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.bar_label.setText("Scanning recordings…" if kind == "scan" else "Associating…")
        self.bar.show()
        self.bar_label.show()
        return True

    def _finished(self) -> None:
        self.busy = ""
        self.bar.hide()
        self.bar_label.hide()
        if self._queued:
            nxt = self._queued.pop(0)
            (self.scan if nxt == "scan" else self.associate)()

    def _moved(self, done: int, total: int, name: str) -> None:
        if not self.busy:
            return
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        what = "Probing" if self.busy == "scan" else "Associating"
        self.bar_label.setText(f"{what} {done}/{total} {name[-30:]}".rstrip())

    def scan(self, *, quiet: bool = False) -> None:
        """Scan the show's raw folder in the background; new files reach the open timeline."""
        show_id = self._needs_show()
        if show_id is None or not self._start("scan"):
            return
        w, moved = self.window, self._progress.moved
        sessions, identity, raw_root = w.db_sessions, w.identity, w.settings.raw_root

        def work() -> ScanResult:
            with sessions() as session, session.begin():
                return scan_show_for(
                    session,
                    show_id,
                    identity,
                    raw_root,
                    progress=lambda done, total, name: moved.emit(done, total, name),
                )

        def done(result: ScanResult) -> None:
            if not (quiet and result.is_noop):
                self._say(result.lines()[-1])
            self.scanned.emit(result)
            self._finished()
            if not result.is_noop:
                self.refresh_open_episode()

        def failed(exc: Exception) -> None:
            if isinstance(exc, ScanRaced) and "scan" not in self._queued:
                self._queued.append("scan")  # the other machine's rows are there now
            else:
                self._say(f"Scan failed: {exc}")
            self._finished()

        self.runner.submit(work, done, failed)

    def associate(self) -> None:
        """Give talks cuts of the raw files around their slots (background, with progress)."""
        show_id = self._needs_show()
        if show_id is None or not self._start("assoc"):
            return
        w, moved = self.window, self._progress.moved
        sessions, identity = w.db_sessions, w.identity

        def work() -> AssocResult:
            with sessions() as session, session.begin():
                result = associate_show(
                    session,
                    show_id,
                    identity,
                    progress=lambda done, total: moved.emit(done, total, "talks"),
                )
                # Episodes expire on commit: read what the summary needs first.
                result.lines()
                return result

        def done(result: AssocResult) -> None:
            summary = result.lines()[-1]
            editing = self.window.editing
            if editing.episode_id is not None and editing.episode_id in result.added:
                summary += "; the open talk got new cuts: reopen it to see them"
            self._say(summary)
            self.associated.emit(result)
            self._finished()
            self.window.reload_shows()

        def failed(exc: Exception) -> None:
            self._say(f"Association failed: {exc}")
            self._finished()

        self.runner.submit(work, done, failed)

    # -- the open episode's timeline ---------------------------------------------------------
    def refresh_open_episode(self) -> None:
        """Read the open episode's room-day files again; rebuild its timeline if they changed."""
        editing = self.window.editing
        episode_id = editing.episode_id
        if episode_id is None:
            return
        sessions, raw_root = self.window.db_sessions, self.window.settings.raw_root

        def work() -> tuple[OpenRawFiles, EpisodeContext]:
            with sessions() as session:
                found = open_episode_raw_files(session, episode_id, raw_root)
                return found, episode_context(session, episode_id, list(found.raw_files))

        def done(found: tuple[OpenRawFiles, EpisodeContext]) -> None:
            self._pending = found
            self._swap_when_paused()

        self.quick.submit(work, done, lambda exc: self._say(f"Could not read new files: {exc}"))

    def _swap_when_paused(self) -> None:
        # Rebuilding the timeline reopens the files in mpv: never in the middle of playback.
        if self._pending is None:
            return
        files, context = self._pending
        editing = self.window.editing
        doc = editing.document
        if doc is None or doc.draft.episode_id != files.episode_id:
            self._pending = None  # another talk was opened meanwhile: it loaded fresh
            return
        panel = self.window.player.panel
        if panel is not None and not panel.player.paused:
            if not self._swap_timer.isActive():
                self._say("New recordings found: they join the timeline when you pause")
                self._swap_timer.start()
            return
        self._swap_timer.stop()
        self._pending = None
        fresh = dict(files.raw_files)
        for cut in doc.draft.cuts + doc.base.cuts:
            # A file trashed meanwhile stays while the draft cuts it: its cuts must still
            # save (and the editor decides whether to drop them).
            known = doc.draft.raw_files.get(cut.raw_file_id)
            if cut.raw_file_id not in fresh and known is not None:
                fresh[cut.raw_file_id] = known
        if fresh != doc.draft.raw_files:
            self._swap_raw_files(OpenRawFiles(files.episode_id, fresh))
        editing.context = context
        self.window.form.set_context(context)
        self.raw_files_refreshed.emit(files.episode_id)

    def _swap_raw_files(self, files: OpenRawFiles) -> None:
        w = self.window
        doc = w.editing.document
        assert doc is not None
        # Raw files are not an edit: draft and base both take them, nothing becomes dirty.
        doc.draft.raw_files = dict(files.raw_files)
        doc.base.raw_files = dict(files.raw_files)
        panel = w.player.panel
        where = w.player.playhead()
        view = (panel.timeline_view.view_start, panel.timeline_view.spp) if panel else None
        w.player.load(doc, w.editing.marks)
        if panel is not None and view is not None and panel.timeline_view.blocks:
            panel.timeline_view.view_start, panel.timeline_view.spp = view
            panel.timeline_view.invalidate()
        if where[0] is not None and where[0] in files.raw_files:
            w.player.seek_to(where[0], where[1])
        w.cuts.set_document(doc)

    # -- the room-day list -------------------------------------------------------------------
    def open_room_day(self) -> RoomDayWindow | None:
        """Open (or raise) the room-day raw files list of the current show."""
        show_id = self._needs_show()
        if show_id is None:
            return None
        w = self.window
        if self.room_day is None or self.room_day.show_id != show_id:
            if self.room_day is not None:
                self.room_day.close()
            self.room_day = RoomDayWindow(
                w.db_sessions, w.identity, show_id, self.quick, self._parent_widget()
            )
            self.scanned.connect(self.room_day.refresh_after_scan)
            # A trashed file leaves the open talk's timeline (and an untrashed one comes back).
            self.room_day.saved.connect(lambda _id: self.refresh_open_episode())
            self.room_day.talk_activated.connect(w.open_episode)
            room, day = self._open_room_day()
            self.room_day.prefer(room, day)
        self.room_day.show()
        self.room_day.raise_()
        self.room_day.activateWindow()
        self.room_day.reload()
        return self.room_day

    def _open_room_day(self) -> tuple[str, Any]:
        """The open talk's room slug and day, to show first."""
        doc, ctx = self.window.editing.document, self.window.editing.context
        if doc is None or ctx is None:
            return "", None
        starts = [r.start for r in doc.draft.raw_files.values() if r.start is not None]
        start = doc.draft.fields.get("start") or (min(starts) if starts else None)
        return ctx.room_slug, (start.date() if start else None)

    # -- the watch --------------------------------------------------------------------------
    def _watch_toggled(self) -> None:
        QSettings().setValue(WATCH_KEY, self.watch_action.isChecked())
        self.rewatch()
        self._say(
            "Watching the raw folder for new recordings"
            if self.watch.active
            else "Not watching the raw folder"
        )

    def rewatch(self, *_args: object) -> None:
        """Watch the current show's raw folder (when the toggle is on and the user may scan)."""
        show_id = self.show_id
        if (
            show_id is None
            or not self.watch_action.isChecked()
            or not self.window.identity.can("edit")
        ):
            self.watch.stop()
            return
        sessions, raw_root = self.window.db_sessions, self.window.settings.raw_root

        def work() -> tuple[Path, frozenset[str] | None] | None:
            with sessions() as session:
                try:
                    return watch_scope(session, show_id, raw_root)
                except InvalidInput:
                    return None  # no raw folder set yet: nothing to watch

        def done(scope: tuple[Path, frozenset[str] | None] | None) -> None:
            if self.show_id != show_id or not self.watch_action.isChecked():
                return
            if scope is None:
                self.watch.stop()
            elif (self.watch.root, self.watch.rooms) != scope:
                self.watch.start(*scope)

        self.quick.submit(work, done, lambda exc: self._say(f"Cannot watch: {exc}"))

    def _folder_changed(self, _paths: list[str]) -> None:
        self.scan(quiet=True)

    def shutdown(self) -> None:
        """Stop watching and wait for a running scan (closing the window)."""
        self.watch.stop()
        self._swap_timer.stop()
        if self.room_day is not None:
            self.room_day.close()
        self._pool.waitForDone(10000)
