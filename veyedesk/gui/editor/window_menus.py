"""The editor window's actions, menus, toolbar and status bar, and its remembered layout.

A mixin of `MainWindow`: building the chrome is kept apart from what the actions do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from veyedesk.gui.widgets.screen_fit import restore_geometry

LAYOUT_VERSION = 4  # bump when docks are added, so an old saved layout is not applied
NOT_A_VENUE_COPY = (
    "Only a venue copy syncs, and this database is not one: File ▸ Check out for the "
    "venue… makes one"
)


if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel

    from veyedesk.config import Settings
    from veyedesk.db import SessionFactory
    from veyedesk.gui.editor.admin_tab import EpisodeAdminTab
    from veyedesk.gui.editor.episode_list import EpisodeListPanel
    from veyedesk.gui.editor.outputs import EpisodeOutputs
    from veyedesk.gui.editor.pipeline_view import PipelinePanel
    from veyedesk.gui.editor.player_host import PlayerHost
    from veyedesk.gui.editor.session import EpisodeSession
    from veyedesk.gui.ingest.actions import IngestActions
    from veyedesk.gui.widgets.tasks import BackgroundRunner
    from veyedesk.services.demo import DemoPlan
    from veyedesk.services.identity import Identity


class WindowMenus(QMainWindow):
    """Part of `MainWindow` (see the module docstring)."""

    if TYPE_CHECKING:  # what the rest of MainWindow provides (mypy checks each part alone)
        db_sessions: SessionFactory
        settings: Settings
        identity: Identity
        runner: BackgroundRunner
        editing: EpisodeSession
        episodes: EpisodeListPanel
        player: PlayerHost
        show_box: QComboBox
        outputs: EpisodeOutputs
        pipeline: PipelinePanel
        admin_tab: EpisodeAdminTab | None
        ingest: IngestActions
        count_label: QLabel
        demo_plan: DemoPlan | None
        _after_shows: list[Any]
        list_dock: QDockWidget
        form_dock: QDockWidget
        cuts_dock: QDockWidget
        queue_dock: QDockWidget
        pipeline_dock: QDockWidget

        def _status(self, message: str) -> None: ...
        def open_episode(self, episode_id: int) -> None: ...
        def leave_episode(self, then: Any) -> bool: ...
        def close_episode(self) -> None: ...
        def offer_journals(self) -> None: ...
        def _refresh_neighbours(self, *_args: object) -> None: ...
        def save(self) -> None: ...
        def save_and_next(self) -> None: ...
        def go(self, step: int) -> None: ...
        def reload_shows(self) -> None: ...
        def _show_changed(self) -> None: ...
        def seed_demo(self, asked: bool) -> None: ...
        def open_show_settings(self) -> Any: ...
        def open_new_show(self) -> Any: ...
        def open_users(self) -> Any: ...
        def open_sync(self) -> Any: ...
        def open_checkout(self) -> Any: ...
        def open_review(self) -> Any: ...
        def open_mark_window(self) -> Any: ...
        def open_venue_folder(self, folder: Path | None = None) -> None: ...

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
        self.checkout_action = self._action(
            "Check &out for the venue…", self.open_checkout, None, "checkout"
        )
        self.checkout_action.setToolTip(
            "Copy a show, a room or a day into a venue copy to edit without this database"
        )
        # Until the database says it is a venue copy (read off the GUI thread).
        self.sync_action.setEnabled(False)
        self.sync_action.setToolTip(NOT_A_VENUE_COPY)
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
        file_menu.addAction(self.checkout_action)
        file_menu.setToolTipsVisible(True)  # Sync's says why it is disabled
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
        from PySide6.QtWidgets import QCheckBox, QToolBar

        from veyedesk.gui.widgets.safe_text import ElidedLabel

        bar = QToolBar("Episode")
        bar.setObjectName("episode_toolbar")
        bar.setMovable(False)
        bar.addAction(self.previous_action)
        bar.addAction(self.save_action)
        bar.addAction(self.save_next_action)
        bar.addAction(self.next_action)
        # "Next: <talk title>": elided (a long title would widen the window past a laptop's
        # screen), the whole title in its tooltip; an emoji no font draws is left out.
        self.next_label = ElidedLabel()
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
        from veyedesk.gui.widgets.status_bar import EditorStatusBar  # after the window shows

        bar = EditorStatusBar(self.identity.name, self.identity.role, self.settings.db, self)
        self.setStatusBar(bar)
        self.status_bar = bar
        # The labels tests and the toolbar read, by their old names.
        self.lock_label, self.timecode_label = bar.lock_label, bar.timecode_label
        self.queue_label, self.connection_label = bar.queue_label, bar.connection_label
        self.count_label, self.user_label = bar.count_label, bar.user_label

    def _keyboard_help(self) -> None:
        dialog = self.player.keyboard_help()
        if dialog is not None:
            dialog.exec()

    def _about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            "About veyedesk",
            "veyedesk: trim conference talks from raw recordings, encode and review them.\n"
            "The desktop successor of Veyepar.",
        )

    def _restore_layout(self, geometry: bool = True) -> None:
        """The docks as last left, and (unless the frame already did) the window's geometry."""
        settings = QSettings()
        self._default_state = self.saveState(LAYOUT_VERSION)
        if geometry:
            self._restore_geometry()
        state = settings.value("main_window/state")
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)

    def _restore_geometry(self) -> None:
        settings = QSettings()
        geometry = settings.value("main_window/geometry")
        self.first_run = geometry is None
        if geometry is not None:
            # Size, position and maximised, as last closed; clamped to this screen (it may
            # have been saved on a bigger one).
            restore_geometry(self, geometry)
        else:
            # First run: the whole screen (takes effect at show()); a desktop app's habit.
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def _reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in (self.list_dock, self.form_dock, self.cuts_dock):
            dock.show()
