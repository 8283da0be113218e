"""The editor window: episode list (left), player + timeline (centre), form (right), cuts (below).

An editor works through a room's talks one after another: open (Enter), set in and out,
fix the metadata, Ctrl+Enter to save and go to the next talk. Panels are dock widgets whose
layout is remembered between runs.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QThreadPool, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFrame,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from veyedesk.config import Settings, data_dir
from veyedesk.db import SessionFactory
from veyedesk.gui.admin.new_show import NewShowDialog
from veyedesk.gui.admin.show_settings import ShowSettingsDialog
from veyedesk.gui.admin.users_window import UsersWindow
from veyedesk.gui.editor.admin_tab import EpisodeAdminTab
from veyedesk.gui.editor.cut_table import CutTable
from veyedesk.gui.editor.episode_form import EpisodeForm, invalid_emails
from veyedesk.gui.editor.episode_list import EpisodeListPanel
from veyedesk.gui.editor.navigation import EpisodeNavigator
from veyedesk.gui.editor.outputs import EpisodeOutputs
from veyedesk.gui.editor.pipeline_view import PipelinePanel
from veyedesk.gui.editor.player_host import PlayerHost
from veyedesk.gui.editor.queue_panel import QueuePanel
from veyedesk.gui.editor.session import EpisodeSession, Leave
from veyedesk.gui.editor.sheets_view import SheetsPanel, dropped_images
from veyedesk.gui.editor.window_document import EditorDocument
from veyedesk.gui.ingest.actions import IngestActions
from veyedesk.gui.review.window import ReviewWindow
from veyedesk.gui.widgets.prompts import Prompts
from veyedesk.gui.widgets.safe_text import plain_label, tooltip, window_title
from veyedesk.gui.widgets.status_bar import EditorStatusBar
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.model.paths import UnsafePath, safe_join
from veyedesk.model.states import STATE_SLUGS
from veyedesk.services.admin.sheets import sheet_text_by_episode
from veyedesk.services.demo import DemoPlan, create_demo, demo_exists
from veyedesk.services.editing.journal import discard_journal, pending_journals
from veyedesk.services.editing.navigation import Neighbour
from veyedesk.services.episodes import EpisodeRow, ShowRef, episode_rows, list_shows
from veyedesk.services.errors import AlreadyExists
from veyedesk.services.identity import Identity

if TYPE_CHECKING:
    from veyedesk.gui.mark.window import MarkWindow

LAYOUT_VERSION = 4  # bump when docks are added, so an old saved layout is not applied


class MainWindow(QMainWindow):
    """The editor: pick a show, open episodes, trim and describe them, save."""

    def __init__(
        self,
        sessions: SessionFactory,
        settings: Settings,
        identity: Identity,
        parent: QWidget | None = None,
        *,
        prompts: Prompts | None = None,
        demo_plan: DemoPlan | None = None,
    ) -> None:
        super().__init__(parent)
        self.db_sessions = sessions  # opens one database session per action
        self.settings = settings
        self.identity = identity
        self.demo_plan = demo_plan
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
        self.setWindowTitle("veyedesk")
        self.resize(1600, 960)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )

        self.episodes = EpisodeListPanel(self)
        self.form = EpisodeForm(self)
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
        self.form.title_preview.attach(sessions, self.runner)
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
        self.resizeDocks([self.list_dock, self.form_dock], [520, 470], Qt.Orientation.Horizontal)
        self.resizeDocks([self.cuts_dock], [190], Qt.Orientation.Vertical)
        self.resizeDocks([self.list_dock, self.pipeline_dock], [600, 330], Qt.Orientation.Vertical)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        # File ▸ Import schedule / Scan / Associate, View ▸ Watch, Go ▸ Raw files by room-day.
        self.ingest = IngestActions(self)
        self.ingest.add_to_menus(self.file_menu, self.view_menu, self.go_menu, self.quit_action)
        self._wire()
        self._restore_layout()
        self._document_changed(None)
        self.reload_shows()

    # -- construction -------------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState find docks by objectName
        dock.setWidget(widget)
        return dock

    def _action(self, text: str, slot: Any, shortcut: Any = None, name: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.save_action = self._action("&Save", self.save, QKeySequence.StandardKey.Save, "save")
        self.save_next_action = self._action(
            "Save and &next", self.save_and_next, "Ctrl+Return", "save_next"
        )
        self.save_next_action.setShortcuts(
            [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")]
        )
        self.next_action = self._action("&Next episode", lambda: self.go(+1), "Ctrl+PgDown")
        self.previous_action = self._action("&Previous episode", lambda: self.go(-1), "Ctrl+PgUp")
        self.close_episode_action = self._action("&Close episode", self.close_episode, "Ctrl+W")
        self.refresh_action = self._action(
            "&Refresh list", self.reload_shows, QKeySequence.StandardKey.Refresh
        )
        self.demo_action = self._action("Create the &demo show", lambda: self.seed_demo(True))
        self.sync_action = self._action(
            "S&ync with the shared database…", self.open_sync, None, "sync"
        )
        self.venue_action = self._action("Open &venue folder…", self.open_venue_folder)
        self.review_action = self._action("&Review encodes…", self.open_review, "Ctrl+R", "review")
        self.mark_room_action = self._action(
            "&Mark this room…", self.open_mark_window, None, "mark"
        )
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = self.file_menu = bar.addMenu("&File")
        for action in (self.save_action, self.save_next_action, self.close_episode_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.refresh_action)
        file_menu.addAction(self.demo_action)
        file_menu.addAction(self.sync_action)
        file_menu.addAction(self.venue_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.edit_menu = bar.addMenu("&Edit")
        go_menu = self.go_menu = bar.addMenu("&Go")
        go_menu.addAction(self.previous_action)
        go_menu.addAction(self.next_action)
        go_menu.addSeparator()
        go_menu.addAction(self.review_action)
        go_menu.addAction(self.mark_room_action)
        if self.identity.can("admin"):
            admin_menu = bar.addMenu("&Admin")
            admin_menu.addAction(self._action("&New show…", self.open_new_show, None, "new_show"))
            admin_menu.addAction(
                self._action("Show &settings…", self.open_show_settings, None, "show_settings")
            )
            admin_menu.addAction(self._action("&Users…", self.open_users, None, "users"))
        self.outputs.install_menus(file_menu, go_menu)
        view_menu = self.view_menu = bar.addMenu("&View")
        for dock in (
            self.list_dock,
            self.form_dock,
            self.cuts_dock,
            self.queue_dock,
            self.pipeline_dock,
        ):
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction(self._action("Reset &layout", self._reset_layout))
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard", self._keyboard_help, "F1"))
        help_menu.addAction(self._action("&About veyedesk", self._about))

    def _build_toolbar(self) -> None:
        bar = QToolBar("Episode")
        bar.setObjectName("episode_toolbar")
        bar.setMovable(False)
        bar.addAction(self.previous_action)
        bar.addAction(self.save_action)
        bar.addAction(self.save_next_action)
        bar.addAction(self.next_action)
        self.next_label = plain_label()  # "Next: <talk title>"
        self.next_label.setObjectName("next_label")
        self.next_label.setStyleSheet("color: #555; padding-left: 6px")
        bar.addWidget(self.next_label)
        bar.addSeparator()
        self.only_edit = QCheckBox("only state “edit”")
        self.only_edit.setObjectName("only_edit")
        self.only_edit.setToolTip("Next / Previous skip episodes in other states")
        self.only_edit.toggled.connect(self._refresh_neighbours)
        bar.addWidget(self.only_edit)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _build_status_bar(self) -> None:
        bar = EditorStatusBar(self.identity.name, self.identity.role, self.settings.db, self)
        self.setStatusBar(bar)
        self.status_bar = bar
        # The labels tests and the toolbar read, by their old names.
        self.lock_label, self.timecode_label = bar.lock_label, bar.timecode_label
        self.queue_label, self.connection_label = bar.queue_label, bar.connection_label
        self.count_label, self.user_label = bar.count_label, bar.user_label

    def _wire(self) -> None:
        self.episodes.episode_activated.connect(self.open_episode)
        self.editing.opened.connect(self._document_changed)
        self.editing.context_ready.connect(self._context_ready)
        self.editing.closed.connect(lambda: self._document_changed(None))
        self.editing.status.connect(self._status)
        self.editing.lock_changed.connect(self.lock_label.setText)
        self.editing.editable_changed.connect(self._editable_changed)
        self.editing.connection_changed.connect(self.status_bar.show_connection)
        self.editing.saved.connect(self._row_changed)
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
        self.navigator.failed.connect(self._load_failed)
        self.queue.message.connect(self._status)
        self.player.mark_requested.connect(
            lambda click: self.editing.add_mark(click, self._mark_added)
        )
        self.sheets.message.connect(self._status)
        self.sheets.sheet_text_changed.connect(self._load_sheet_text)

    @property
    def next_target(self) -> Neighbour | None:
        """The talk Ctrl+PgDown and Save and next open (kept by the navigator)."""
        return self.navigator.next_target

    @property
    def previous_target(self) -> Neighbour | None:
        return self.navigator.previous_target

    # -- shows and the list -------------------------------------------------------------
    def reload_shows(self) -> None:
        """Re-read the show list (off the GUI thread)."""

        def load() -> list[ShowRef]:
            with self.db_sessions() as session:
                return list_shows(session)

        self.statusBar().showMessage("Loading shows…")
        self.runner.submit(load, self._shows_loaded, self._load_failed)

    def _shows_loaded(self, shows: list[ShowRef]) -> None:
        current = self.show_box.currentData() or QSettings().value("last_show_id")
        self.show_box.blockSignals(True)
        self.show_box.clear()
        for ref in shows:
            self.show_box.addItem(ref.label, ref.id)
        self.show_box.blockSignals(False)
        if not shows:
            self.episodes.set_rows([], list(STATE_SLUGS))
            self.seed_demo(False)
            return
        wanted = self._after_shows.pop(0) if self._after_shows else current
        index = self.show_box.findData(int(wanted)) if wanted is not None else -1
        self.show_box.setCurrentIndex(max(index, 0))
        self._show_changed()
        if not self._journals_offered:
            self._journals_offered = True
            QTimer.singleShot(0, self.offer_journals)

    def select_show(self, show_id: int) -> None:
        index = self.show_box.findData(show_id)
        if index >= 0 and index != self.show_box.currentIndex():
            self.show_box.setCurrentIndex(index)

    def _show_changed(self) -> None:
        show_id = self.show_box.currentData()
        if show_id is None:
            return
        QSettings().setValue("last_show_id", show_id)
        self.pipeline.load(int(show_id))
        if self.admin_tab is not None:
            self.admin_tab.set_show(int(show_id))  # Add talk works with no talk open
        self.ingest.rewatch()  # the raw folder of this show now
        self.outputs.refresh()

        def load() -> list[EpisodeRow]:
            with self.db_sessions() as session:
                return episode_rows(session, show_id)

        self.statusBar().showMessage("Loading episodes…")
        self.runner.submit(load, self._episodes_loaded, self._load_failed)
        self._load_sheet_text()

    def _load_sheet_text(self) -> None:
        """The OCR text of each talk's sheets, so the episode filter finds it."""
        show_id = self.show_box.currentData()
        if show_id is None:
            return

        def load() -> dict[int, str]:
            with self.db_sessions() as session:
                return sheet_text_by_episode(session, show_id)

        def loaded(texts: dict[int, str]) -> None:
            if self.show_box.currentData() == show_id:
                self.episodes.set_extra_text(texts)

        self.runner.submit(load, loaded, self._load_failed)

    def _episodes_loaded(self, rows: list[EpisodeRow]) -> None:
        self.episodes.set_rows(rows, list(STATE_SLUGS))
        self.count_label.setText(f"{len(rows)} episodes")
        self.statusBar().clearMessage()
        if self.editing.episode_id is not None:
            self.episodes.select_episode(self.editing.episode_id)
        elif self._open_first and rows:
            self._open_first = False
            self.open_episode(self.episodes.visible_ids()[0])

    def _row_changed(self, row: EpisodeRow) -> None:
        self.episodes.update_row(row)

    def _open_episode_ref(self) -> tuple[int, str] | None:
        doc = self.editing.document
        return None if doc is None else (doc.draft.episode_id, doc.draft.fields.get("name") or "")

    def _show_ref(self) -> tuple[int, str] | None:
        show_id = self.show_box.currentData()
        return None if show_id is None else (int(show_id), self.show_box.currentText())

    def _load_failed(self, exc: Exception | str) -> None:
        self._status(f"Could not read the database: {exc}")

    # -- the demo show ------------------------------------------------------------------
    def seed_demo(self, asked: bool) -> None:
        """Create the demo show in the background (empty database, or File ▸ demo), then show it."""
        folder = data_dir() / "demo"
        plan = self.demo_plan

        def work() -> int:
            with self.db_sessions() as session, session.begin():
                existing = demo_exists(session)
                if existing is not None:
                    return existing
                return create_demo(session, folder, plan).show_id

        def done(show_id: int) -> None:
            self._status(f"Demo show ready: recordings under {folder}")
            # Seeded unasked while someone made a show of their own: stay on theirs.
            if asked or self.show_box.count() == 0:
                self._after_shows.append(show_id)
                self._open_first = self.editing.document is None  # the workflow at once
            self.reload_shows()

        def failed(exc: Exception) -> None:
            if isinstance(exc, AlreadyExists):
                return
            self._status(f"Could not create the demo show: {exc}")

        if not asked:
            self._status(
                "The database has no shows: creating a demo show (generating recordings with "
                "ffmpeg, about a minute)…"
            )
        else:
            self._status("Creating the demo show…")
        self.runner.submit(work, done, failed)

    # -- opening and leaving episodes ---------------------------------------------------
    def open_episode(self, episode_id: int) -> None:
        """Open an episode (asking first about unsaved edits of the current one)."""
        if episode_id == self.editing.episode_id:
            return
        self.leave_episode(lambda: self.editing.open(episode_id))

    def leave_episode(self, then: Any) -> bool:
        """Close the open episode (save / discard / cancel if it has unsaved edits), then `then`.

        Returns False when the user cancelled.
        """
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
            document.notice.connect(self._status)
            self.episodes.select_episode(document.draft.episode_id)
        self._update_title()
        self._refresh_neighbours()
        pending, self._pending_seek = self._pending_seek, None
        if document is not None and pending is not None and pending[0] == document.draft.episode_id:
            self.player.seek_to(pending[1], pending[2])

    # -- admin: settings, talks by hand, users ------------------------------------------
    def open_show_settings(self) -> ShowSettingsDialog | None:
        """The current show's settings dialog (Admin ▸ Show settings…)."""
        show_id = self.show_box.currentData()
        if show_id is None:
            self._status("Pick a show first: the settings are the show's.")
            return None
        dialog = ShowSettingsDialog(
            self.db_sessions, self.identity, int(show_id), self, self.runner
        )
        dialog.saved.connect(self.reload_shows)
        dialog.retimed.connect(lambda: self._reopen(self.editing.episode_id or 0))
        dialog.open()
        return dialog

    def open_new_show(self) -> NewShowDialog:
        """Admin ▸ New show…: create it, list it, then open its settings to add rooms."""
        dialog = NewShowDialog(self.db_sessions, self.identity, self, self.runner)

        def created(show_id: int) -> None:
            self._after_shows.append(show_id)
            self.reload_shows()
            self.new_show_settings = ShowSettingsDialog(
                self.db_sessions, self.identity, show_id, self, self.runner
            )
            self.new_show_settings.saved.connect(self.reload_shows)
            self.new_show_settings.tabs.setCurrentIndex(2)  # rooms come next
            self.new_show_settings.open()

        dialog.created.connect(created)
        dialog.open()
        return dialog

    def open_users(self) -> UsersWindow:
        """The users window (Admin ▸ Users…)."""
        window = UsersWindow(self.db_sessions, self.identity, self, self.runner)
        window.open()
        return window

    def _talks_changed(self, episode_id: int) -> None:
        # A talk was added, split, moved or deleted: the list re-reads the show.
        self._show_changed()
        if episode_id and episode_id != self.editing.episode_id:
            self.open_episode(episode_id)  # a new talk: show it (asks about unsaved edits)

    def _reopen(self, episode_id: int) -> None:
        # Split or moved under the open editor: its slot and room files are stale; reload
        # it (asking about unsaved edits first, as any switch does).
        if episode_id == self.editing.episode_id:
            self.leave_episode(lambda: self.editing.open(episode_id))

    def _context_ready(self) -> None:
        context = self.editing.context
        self.form.set_context(context)
        self.player.set_marks(self.editing.marks)
        if context is not None:
            self.select_show(context.show_id)

    # -- encode queue and review --------------------------------------------------------
    def open_sync(self) -> None:
        """File ▸ Sync: merge this venue copy with its shared database (gui/sync_dialog.py)."""
        from veyedesk.gui.venue.sync_dialog import SyncDialog

        dialog = getattr(self, "sync_dialog", None)
        if dialog is None:  # one per window: a sync still running keeps its dialog alive
            dialog = SyncDialog(
                self.settings.db,
                self,
                default_profile=self.settings.default_profile,
                who=self.identity,
                raw_root=self.settings.raw_root,
            )
            dialog.synced.connect(lambda _report: self.reload_shows())
            self.sync_dialog = dialog
        dialog.show()
        dialog.raise_()

    def open_venue_folder(self, folder: Path | None = None) -> None:
        """File ▸ Open venue folder…: an assets or venue folder in a window of its own."""
        from veyedesk.gui.venue.folder import open_venue_window

        self.venue_window = open_venue_window(self, self.settings, self.identity, folder)

    def open_review(self) -> None:
        """Open review mode for the current show (episodes in review 1 / review 2)."""
        show_id = self.show_box.currentData()
        if show_id is None:
            self._status("Pick a show first: review lists the show's episodes awaiting review.")
            return
        if self.review_window is None or self.review_window.show_id != show_id:
            if self.review_window is not None:
                self.review_window.shutdown()
            self.review_window = ReviewWindow(
                self.db_sessions, self.settings, self.identity, int(show_id), self
            )
            self.review_window.open_in_editor.connect(self._open_from_review)
            self.review_window.reviewed.connect(lambda *_: self.reload_shows())
        self.review_window.show()
        self.review_window.raise_()
        self.review_window.refresh()

    def open_mark_window(self) -> None:
        """Go ▸ Mark this room: the Mark window for the open (or selected) talk's room."""
        from veyedesk.gui.mark.window import open_for_episode

        doc = self.editing.document
        episode_id = doc.draft.episode_id if doc is not None else self.episodes.selected_id()
        if episode_id is None:
            self._status("Pick a talk first: the Mark window marks its room.")
            return
        open_for_episode(
            self, self.db_sessions, self.identity, episode_id, on_window=self._watch_marks
        )

    def _watch_marks(self, window: MarkWindow) -> None:
        window.marks_changed.connect(self._room_marks_changed)

    def _mark_added(self, marks: list[datetime]) -> None:
        self.player.set_marks(marks)
        # An open Mark window of the same room lists it too.
        from veyedesk.gui.mark.window import MarkWindow

        context = self.editing.context
        for window in self.findChildren(MarkWindow):
            if context is not None and window.room.room_slug == context.room_slug:
                window.marks.reload()

    def _room_marks_changed(self, room_slug: str) -> None:
        # A mark of the open talk's room: its timeline shows it without reopening.
        context = self.editing.context
        if context is not None and context.room_slug == room_slug:
            self.editing.reload_context()

    def _open_from_review(self, episode_id: int, raw_file_id: int, offset: float) -> None:
        # The episode opens asynchronously; the seek waits for its document.
        self._pending_seek = (episode_id, raw_file_id, offset)
        self.raise_()
        self.activateWindow()
        doc = self.editing.document
        if doc is not None and doc.draft.episode_id == episode_id:
            self._pending_seek = None
            self.player.seek_to(raw_file_id, offset)
        else:
            self.open_episode(episode_id)

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
        star = "*" if doc.unsaved else ""
        ro = " (read-only)" if doc.read_only else ""
        self.setWindowTitle(window_title(f"{star}{doc.draft.fields.get('name')}{ro} — veyedesk"))

    # -- saving -------------------------------------------------------------------------
    def _can_save(self) -> bool:
        doc = self.editing.document
        if doc is None:
            return False
        bad = invalid_emails(str(doc.draft.fields.get("emails") or ""))
        if bad:
            self.prompts.error(
                "not saved", f"Emails: not an email address: {', '.join(bad)}. Fix the field."
            )
            return False
        return True

    def save(self) -> None:
        """Ctrl+S: save the open episode and its cuts in one transaction."""
        if self._can_save():
            self.editing.save()

    def save_and_next(self) -> None:
        """Ctrl+Enter: save, release the lock, open the next episode."""
        doc = self.editing.document
        if doc is None:
            return
        target = self.next_target
        if doc.read_only:
            self.go(+1)
            return
        if not self._can_save():
            return

        def then() -> None:
            self.player.unload()
            if target is not None:
                self.editing.open(target.id)
            else:
                self._status("Saved; that was the last episode")

        self.editing.save(then, release=True)

    def go(self, step: int) -> None:
        """Next (+1) or Previous (-1) episode of the same room in time order, then next room."""
        target = self.navigator.target(step)
        if target is None:
            self._status("No further episode that way")
            return
        self.open_episode(target.id)

    def _refresh_neighbours(self, *_args: object) -> None:
        only = "edit" if self.only_edit.isChecked() else None
        self.navigator.refresh(self.editing.episode_id, only)

    def _neighbours_changed(self) -> None:
        nav = self.navigator
        self.next_action.setEnabled(nav.next_target is not None)
        self.previous_action.setEnabled(nav.previous_target is not None)
        nxt = nav.next_target
        if nav.episode_id is None:
            self.next_label.setText("")
        else:
            self.next_label.setText(f"Next: {nxt.label}" if nxt else "last episode")
        self.next_action.setToolTip(tooltip(nxt.label) if nxt else "")

    # -- journals -----------------------------------------------------------------------
    def offer_journals(self) -> None:
        """After a crash: offer the unsaved edits found in the journal."""
        for entry in pending_journals(self.settings.db):
            answer = self.prompts.restore(entry)
            if answer == "restore":
                self.leave_episode(lambda e=entry: self.editing.open(e.episode_id, restore=e))
                return
            if answer == "discard":
                discard_journal(self.settings.db, entry.episode_id)

    # -- player and form glue -----------------------------------------------------------
    def _thumbnail(self) -> None:
        doc, ctx = self.editing.document, self.editing.context
        if doc is None:
            return
        if ctx is None:
            self._status("The talk is still loading; use the frame again in a moment")
            return
        try:
            # Slugs are data (a change file may carry them): they name folders only when safe.
            folder = safe_join(data_dir() / "thumbnails", ctx.client_slug, ctx.show_slug)
            path = safe_join(folder, f"{ctx.slug}-{datetime.now():%Y%m%d-%H%M%S}.png")
        except UnsafePath as exc:
            self._status(f"No thumbnail: {exc}")
            return
        try:
            self.player.screenshot(path)
        except Exception as exc:  # mpv reports failures as SystemError; say so, lose nothing
            self._status(f"No thumbnail (is a frame showing?): {exc}")
            return
        doc.set_field("thumbnail", str(path), "Use current frame as thumbnail")

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
    def _keyboard_help(self) -> None:
        dialog = self.player.keyboard_help()
        if dialog is not None:
            dialog.exec()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About veyedesk",
            "veyedesk: trim conference talks from raw recordings, encode and review them.\n"
            "The desktop successor of Veyepar.",
        )

    def _restore_layout(self) -> None:
        settings = QSettings()
        self._default_state = self.saveState(LAYOUT_VERSION)
        geometry = settings.value("main_window/geometry")
        self.first_run = geometry is None
        if geometry is not None:
            self.restoreGeometry(geometry)  # size, position and maximised, as last closed
        else:
            # First run: the whole screen (takes effect at show()); a desktop app's habit.
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        state = settings.value("main_window/state")
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)

    def _reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in (self.list_dock, self.form_dock, self.cuts_dock):
            dock.show()

    def closeEvent(self, event: QCloseEvent) -> None:
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
        if dropped_images(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
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
