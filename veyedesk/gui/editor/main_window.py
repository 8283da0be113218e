"""The editor window: episode list (left), player + timeline (centre), form (right), cuts (below).

An editor works through a room's talks one after another: open (Enter), set in and out,
fix the metadata, Ctrl+Enter to save and go to the next talk. Panels are dock widgets whose
layout is remembered between runs.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from veyedesk.gui.editor.show_list import ShowList
from veyedesk.gui.editor.side_windows import SideWindows
from veyedesk.gui.editor.talk_steps import TalkSteps
from veyedesk.gui.editor.window_menus import LAYOUT_VERSION, WindowMenus
from veyedesk.gui.widgets.screen_fit import fit_to_screen

# The window's parts (and what they import: the database layer, mpv, the services) load
# in attach(), after `veyedesk` has shown the window; windows and dialogs not on the first
# screen load when first opened (gui/editor/side_windows).
if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QDockWidget

    from veyedesk.config import Settings
    from veyedesk.db import SessionFactory
    from veyedesk.gui.admin.show_settings import ShowSettingsDialog
    from veyedesk.gui.document.editable import EditorDocument
    from veyedesk.gui.editor.admin_tab import EpisodeAdminTab
    from veyedesk.gui.review.window import ReviewWindow
    from veyedesk.gui.widgets.prompts import Prompts
    from veyedesk.services.demo import DemoPlan
    from veyedesk.services.identity import Identity


class MainWindow(ShowList, SideWindows, TalkSteps, WindowMenus, QMainWindow):
    """The editor: pick a show, open episodes, trim and describe them, save.

    Built in two steps so `veyedesk` shows it at once: with `sessions` and `identity` None
    it is only the frame (title, size, a "connecting" line); attach() then builds the
    panels once the database is open and the user known. Given both, it is built whole.
    """

    def __init__(
        self,
        sessions: SessionFactory | None,
        settings: Settings,
        identity: Identity | None,
        parent: QWidget | None = None,
        *,
        prompts: Prompts | None = None,
        demo_plan: DemoPlan | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.demo_plan = demo_plan
        self.attached = False
        self._geometry_restored = False
        self.setWindowTitle("veyedesk")
        fit_to_screen(self, 1600, 960)  # or less: a 1366x768 laptop
        if sessions is None or identity is None:
            self._frame()
        else:
            self.attach(sessions, identity, prompts=prompts)

    def _frame(self) -> None:
        """What shows before the database answers: the window where it was, saying so."""
        waiting = QLabel("Connecting to the database…")
        waiting.setTextFormat(Qt.TextFormat.PlainText)
        waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(waiting)
        self._restore_geometry()
        self._geometry_restored = True

    def attach(
        self, sessions: SessionFactory, identity: Identity, *, prompts: Prompts | None = None
    ) -> None:
        """Build the panels for this database and user (imports what they need now)."""
        from PySide6.QtCore import QThreadPool
        from PySide6.QtWidgets import QComboBox, QFrame, QScrollArea, QVBoxLayout

        from veyedesk.gui.editor.admin_tab import EpisodeAdminTab
        from veyedesk.gui.editor.cut_table import CutTable
        from veyedesk.gui.editor.episode_form import EpisodeForm
        from veyedesk.gui.editor.episode_list import EpisodeListPanel
        from veyedesk.gui.editor.navigation import EpisodeNavigator
        from veyedesk.gui.editor.outputs import EpisodeOutputs
        from veyedesk.gui.editor.pipeline_view import PipelinePanel
        from veyedesk.gui.editor.player_host import PlayerHost
        from veyedesk.gui.editor.queue_panel import QueuePanel
        from veyedesk.gui.editor.session import EpisodeSession
        from veyedesk.gui.editor.sheets_view import SheetsPanel
        from veyedesk.gui.ingest.actions import IngestActions
        from veyedesk.gui.widgets.prompts import Prompts
        from veyedesk.gui.widgets.tasks import BackgroundRunner

        settings = self.settings
        self.db_sessions = sessions  # opens one database session per action
        self.identity = identity
        # Its own pool: database work for the open episode never queues behind other
        # windows' polling or long jobs in the global pool.
        pool = QThreadPool(self)
        pool.setMaxThreadCount(3)
        self.runner = BackgroundRunner(self, pool)
        self.prompts = prompts or Prompts(self)
        # The episode open for editing: its document, lock, journal and saves.
        self.editing = EpisodeSession(sessions, settings, identity, self.runner, self.prompts, self)
        self.navigator = EpisodeNavigator(sessions, self.runner, self)
        self._after_shows: list[Any] = []
        self._journals_offered = False
        self._open_first = False
        self._closing = False
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )

        self.episodes = EpisodeListPanel(self)
        self.form = EpisodeForm(self)
        self.form.files_root = settings.files_root
        self.cuts = CutTable(self)
        self.player = PlayerHost(self)
        self.setCentralWidget(self.player)
        self.cuts.playhead = self.player.playhead
        self.admin_tab: EpisodeAdminTab | None = None
        self.new_show_settings: ShowSettingsDialog | None = None
        if identity.can("admin"):  # services check again; the tab is only for admins
            self.admin_tab = EpisodeAdminTab(sessions, identity, self.form, self.runner)
            self.admin_tab.changed.connect(self._talks_changed)
            self.admin_tab.reopen.connect(self._reopen)
            self.admin_tab.before_delete = self.leave_episode
            self.episodes.day_changed.connect(self.admin_tab.set_day)  # "10:45" is on that day
            # Scrolled like the Episode tab: its fields must not make the window taller
            # than a laptop screen (the form dock's minimum height is its tallest tab's).
            admin_scroll = QScrollArea()
            admin_scroll.setWidgetResizable(True)
            admin_scroll.setFrameShape(QFrame.Shape.NoFrame)
            admin_scroll.setWidget(self.admin_tab)
            self.form.addTab(admin_scroll, "Admin")
        # Recording sheets: a tab of the form, beside the video; images dropped anywhere
        # on the window go to the open talk.
        self.sheets = SheetsPanel(sessions, settings, identity, self.runner, self)
        self.form.addTab(self.sheets, "Sheets")
        self.setAcceptDrops(True)
        # Release forms, title proofs, playlists, the encode player; the form's preview.
        self.outputs = EpisodeOutputs(
            self, sessions, settings, self.runner, self._open_episode_ref, self._show_ref
        )
        self.form.title_preview.attach(sessions, self.runner, settings.files_root)
        self.form.published.attach(sessions, self.runner)
        self.form.slide_timing = (
            settings.title_seconds,
            settings.credits_seconds,
            settings.profile().fps,
        )

        self.show_box = QComboBox()
        self.show_box.setObjectName("show_picker")
        self.show_box.setMinimumContentsLength(20)
        self.show_box.currentIndexChanged.connect(self._show_changed)
        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.show_box)
        list_layout.addWidget(self.episodes)
        self.list_dock = self._dock("Episodes", "episodes_dock", list_page)
        self.form_dock = self._dock("Episode", "form_dock", self.form)
        self.cuts_dock = self._dock("Cuts", "cuts_dock", self.cuts)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.list_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.form_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.cuts_dock)
        self.queue = QueuePanel(sessions, settings, identity, self)
        self.queue_dock = self._dock("Encode queue", "queue_dock", self.queue)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.queue_dock)
        self.tabifyDockWidget(self.cuts_dock, self.queue_dock)
        # The show's pipeline: counts per state; a click filters the episode list.
        self.pipeline = PipelinePanel(sessions, self)
        self.pipeline.state_selected.connect(self.episodes.filter_state)
        self.pipeline_dock = self._dock("Pipeline", "pipeline_dock", self.pipeline)
        # Under the list it filters, so a click on a state shows its talks right above.
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.pipeline_dock)
        self.splitDockWidget(self.list_dock, self.pipeline_dock, Qt.Orientation.Vertical)
        self.cuts_dock.raise_()
        self.review_window: ReviewWindow | None = None
        self._pending_seek: tuple[int, int, float] | None = None
        # Docks in proportion to the window (smaller on a laptop), leaving the video room.
        scale = min(1.0, self.width() / 1600)
        self.resizeDocks(
            [self.list_dock, self.form_dock],
            [round(520 * scale * scale), round(470 * scale)],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks([self.cuts_dock], [round(190 * scale)], Qt.Orientation.Vertical)
        self.resizeDocks([self.list_dock, self.pipeline_dock], [600, 330], Qt.Orientation.Vertical)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        # File ▸ Import schedule / Scan / Associate, View ▸ Watch, Go ▸ Raw files by room-day.
        self.ingest = IngestActions(self, self)
        self.ingest.add_to_menus(self.file_menu, self.view_menu, self.go_menu, self.quit_action)
        self._wire()
        self.check_venue_copy()
        self._restore_layout(geometry=not self._geometry_restored)
        self._document_changed(None)
        self.attached = True
        self.reload_shows()

    # -- construction -------------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        from PySide6.QtWidgets import QDockWidget

        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState find docks by objectName
        dock.setWidget(widget)
        return dock

    def _wire(self) -> None:
        self.episodes.episode_activated.connect(self.open_episode)
        self.episodes.episode_selected.connect(self.editing.prefetch)
        self.editing.preview_ready.connect(self.player.prepare)
        self.editing.opened.connect(self._document_changed)
        self.editing.context_ready.connect(self._context_ready)
        self.editing.closed.connect(lambda: self._document_changed(None))
        self.editing.status.connect(self._status)
        self.editing.lock_changed.connect(self.lock_label.setText)
        self.editing.editable_changed.connect(self._editable_changed)
        self.editing.connection_changed.connect(self.status_bar.show_connection)
        self.editing.saved.connect(self._row_changed)
        # A save can move the state (post, make public): the Published tab reads again.
        self.editing.saved.connect(lambda _row: self.form.published.refresh())
        self.editing.row_changed.connect(self._row_changed)
        self.form.thumbnail_requested.connect(self._thumbnail)
        self.form.add_raw_file.connect(self._add_raw_file)
        self.form.take_over_button.clicked.connect(self.editing.take_over_lock)
        self.form.release_form_requested.connect(lambda: self.outputs.release_form())
        self.form.play_encode_requested.connect(lambda: self.outputs.play_encode())
        self.outputs.status.connect(self._status)
        self.outputs.failed.connect(lambda what, exc: self._status(f"{what} failed: {exc}"))
        self.cuts.cut_activated.connect(self.player.seek_to)
        self.player.position_changed.connect(self._position)
        self.player.notice.connect(self._status)
        self.queue.counts_changed.connect(self.status_bar.show_queue)
        self.navigator.changed.connect(self._neighbours_changed)
        # Next follows the list as shown: its filters, its sort, a line's new state.
        self.episodes.model.modelReset.connect(self._refresh_neighbours)
        self.episodes.model.dataChanged.connect(self._refresh_neighbours)
        self.navigator.failed.connect(self._load_failed)
        self.queue.message.connect(self._status)
        self.player.mark_requested.connect(
            lambda click: self.editing.add_mark(click, self._mark_added)
        )
        self.sheets.message.connect(self._status)
        self.sheets.sheet_text_changed.connect(self._load_sheet_text)

    # -- shows and the list -------------------------------------------------------------

    def _open_episode_ref(self) -> tuple[int, str] | None:
        doc = self.editing.document
        return None if doc is None else (doc.draft.episode_id, doc.draft.fields.get("name") or "")

    def _show_ref(self) -> tuple[int, str] | None:
        show_id = self.show_box.currentData()
        return None if show_id is None else (int(show_id), self.show_box.currentText())

    # -- opening and leaving episodes ---------------------------------------------------
    def open_episode(self, episode_id: int) -> None:
        """Open an episode (asking first about unsaved edits of the current one)."""
        if episode_id == self.editing.episode_id:
            return
        self.leave_episode(lambda: self.open_now(episode_id))

    def leave_episode(self, then: Any) -> bool:
        """Close the open episode (save / discard / cancel if it has unsaved edits), then `then`.

        Returns False when the user cancelled.
        """
        from veyedesk.gui.editor.session import Leave

        outcome = self.editing.leave(then)
        if outcome is Leave.DONE:
            self.player.unload()
            then()
        return outcome is not Leave.CANCELLED

    def close_episode(self) -> None:
        self.leave_episode(lambda: None)

    def _document_changed(self, document: EditorDocument | None) -> None:
        if document is None:
            self.player.unload()
        else:
            # First: mpv starts opening the files on its own threads while the form fills.
            self.player.load(document)
        self.form.set_document(document, None)
        if self.admin_tab is not None:
            self.admin_tab.set_episode(document.draft.episode_id if document else None)
        self.outputs.refresh()
        self.cuts.set_document(document)
        self.sheets.set_episode(None if document is None else document.draft.episode_id)
        for action in (self.save_action, self.save_next_action, self.close_episode_action):
            action.setEnabled(document is not None)
        self._install_undo(document)
        if document is not None:
            document.dirty_changed.connect(self._update_title)
            # The title follows every edit of the name, not only the first (dirty) one.
            document.field_changed.connect(self._update_title)
            document.notice.connect(self._status)
            self.episodes.select_episode(document.draft.episode_id)
        self._update_title()
        self._refresh_neighbours()
        pending, self._pending_seek = self._pending_seek, None
        if document is not None and pending is not None and pending[0] == document.draft.episode_id:
            self.player.seek_to(pending[1], pending[2])

    # -- admin: settings, talks by hand, users ------------------------------------------

    def _context_ready(self) -> None:
        context = self.editing.context
        self.form.set_context(context)
        self.player.set_marks(self.editing.marks)
        if context is not None:
            self.select_show(context.show_id)

    # -- encode queue and review --------------------------------------------------------

    def _editable_changed(self) -> None:
        self.form.refresh_read_only()
        self.cuts.refresh_read_only()
        self._update_title()

    def _install_undo(self, document: EditorDocument | None) -> None:
        self.edit_menu.clear()
        if document is None:
            return
        undo = document.undo_stack.createUndoAction(self, "&Undo")
        redo = document.undo_stack.createRedoAction(self, "&Redo")
        if not self.player.has_undo_shortcuts:
            from PySide6.QtGui import QKeySequence

            undo.setShortcut(QKeySequence.StandardKey.Undo)
            redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
            self.addAction(undo)
            self.addAction(redo)
        self.edit_menu.addAction(undo)
        self.edit_menu.addAction(redo)

    def _update_title(self, *_args: object) -> None:
        doc = self.editing.document
        if doc is None:
            self.setWindowTitle("veyedesk")
            return
        from veyedesk.gui.widgets.safe_text import window_title

        star = "*" if doc.unsaved else ""
        ro = " (read-only)" if doc.read_only else ""
        self.setWindowTitle(window_title(f"{star}{doc.draft.fields.get('name')}{ro} — veyedesk"))

    # -- journals -----------------------------------------------------------------------
    def offer_journals(self) -> None:
        """After a crash: offer the unsaved edits found in the journal."""
        from veyedesk.services.editing import discard_journal, pending_journals

        for entry in pending_journals(self.settings.db):
            answer = self.prompts.restore(entry)
            if answer == "restore":
                self.leave_episode(lambda e=entry: self.editing.open(e.episode_id, restore=e))
                return
            if answer == "discard":
                discard_journal(self.settings.db, entry.episode_id)

    # -- player and form glue -----------------------------------------------------------
    def _thumbnail(self) -> None:
        from veyedesk.config import data_dir
        from veyedesk.model.paths import UnsafePath, safe_join
        from veyedesk.model.shared_files import to_stored

        doc, ctx = self.editing.document, self.editing.context
        if doc is None:
            return
        if ctx is None:
            self._status("The talk is still loading; use the frame again in a moment")
            return
        # Under the shared files root when one is set, so every machine (and an assets
        # kit) finds it: the row stores the path relative to it (model.shared_files).
        root = self.settings.files_root
        base = Path(root).expanduser() if root else data_dir()
        try:
            # Slugs are data (a change file may carry them): they name folders only when safe.
            folder = safe_join(base / "thumbnails", ctx.client_slug, ctx.show_slug)
            path = safe_join(folder, f"{ctx.slug}-{datetime.now():%Y%m%d-%H%M%S}.png")
        except UnsafePath as exc:
            self._status(f"No thumbnail: {exc}")
            return
        try:
            self.player.screenshot(path)
        except Exception as exc:  # mpv reports failures as SystemError; say so, lose nothing
            self._status(f"No thumbnail (is a frame showing?): {exc}")
            return
        doc.set_field("thumbnail", to_stored(path, root), "Use current frame as thumbnail")

    def _add_raw_file(self, raw_file_id: int) -> None:
        if self.editing.document is not None:
            self.editing.document.add_cut(raw_file_id)

    def _position(self, position: Any) -> None:
        doc = self.editing.document
        if doc is None or position is None or position.raw_file_id is None:
            self.status_bar.show_position("", None, None, 0.0)
            return
        raw = doc.draft.raw_files.get(position.raw_file_id)
        self.status_bar.show_position(
            raw.filename if raw else "",
            position.offset,
            position.wall,
            doc.draft.fps_of(position.raw_file_id),
        )

    def _status(self, message: str) -> None:
        self.status_bar.say(message)

    # -- help, layout, closing ----------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.attached:  # closed before the database answered: nothing to save
            super().closeEvent(event)
            return
        from veyedesk.gui.editor.session import Leave

        if not self._closing:
            # Released in place (not in the background): the process is about to end.
            outcome = self.editing.leave(self._close_after_save, background=False)
            if outcome is not Leave.DONE:
                self._closing = outcome is Leave.SAVING
                event.ignore()
                return
        else:
            self.editing.release()
        self.editing.shut = True
        from PySide6.QtCore import QSettings

        settings = QSettings()
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue("main_window/state", self.saveState(LAYOUT_VERSION))
        self.ingest.shutdown()
        self.player.shutdown()
        self.queue.shutdown()
        if self.review_window is not None:
            self.review_window.shutdown()
        self.outputs.shutdown()
        self.form.title_preview.shutdown()
        self.editing.wait(5000)
        self.runner.wait(5000)
        super().closeEvent(event)

    # -- recording sheets dropped on the window ------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        from veyedesk.gui.editor.sheets_view import dropped_images

        if dropped_images(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        from veyedesk.gui.editor.sheets_view import dropped_images

        files = dropped_images(event)
        if not files:
            return
        event.acceptProposedAction()
        self.form.setCurrentWidget(self.sheets)
        self.sheets.import_files(files)

    def _close_after_save(self) -> None:
        self.close()

    def screenshot(self, path: Path) -> None:
        """The whole window to a PNG (tests and docs)."""
        self.grab().save(str(path))
