"""The editor window's side windows: show settings, new show, users, sync, venue folder,
review and Mark windows, each opened from a menu and wired back to the open talk.

A mixin of `MainWindow` (like the other `editor/window_*` parts): it only opens windows
and routes their signals; the use cases are the services each window calls.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMainWindow

from veyedesk.gui.editor.window_menus import NOT_A_VENUE_COPY

# Each window loads when first opened: none is on the editor's first screen.
if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel

    from veyedesk.config import Settings
    from veyedesk.db import SessionFactory
    from veyedesk.gui.admin.new_show import NewShowDialog
    from veyedesk.gui.admin.show_settings import ShowSettingsDialog
    from veyedesk.gui.admin.users_window import UsersWindow
    from veyedesk.gui.editor.admin_tab import EpisodeAdminTab
    from veyedesk.gui.editor.episode_list import EpisodeListPanel
    from veyedesk.gui.editor.outputs import EpisodeOutputs
    from veyedesk.gui.editor.pipeline_view import PipelinePanel
    from veyedesk.gui.editor.player_host import PlayerHost
    from veyedesk.gui.editor.session import EpisodeSession
    from veyedesk.gui.ingest.actions import IngestActions
    from veyedesk.gui.mark.window import MarkWindow
    from veyedesk.gui.review.window import ReviewWindow
    from veyedesk.gui.venue.checkout_dialog import CheckoutDialog
    from veyedesk.gui.widgets.tasks import BackgroundRunner
    from veyedesk.services.demo import DemoPlan
    from veyedesk.services.identity import Identity


class SideWindows(QMainWindow):
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

        sync_action: QAction

        def _status(self, message: str) -> None: ...
        def open_episode(self, episode_id: int) -> None: ...
        def leave_episode(self, then: Any) -> bool: ...
        def close_episode(self) -> None: ...
        def offer_journals(self) -> None: ...
        def _refresh_neighbours(self, *_args: object) -> None: ...
        def save(self) -> None: ...
        def save_and_next(self) -> None: ...
        def go(self, step: int) -> None: ...

        review_window: ReviewWindow | None
        new_show_settings: ShowSettingsDialog | None
        venue_window: QMainWindow | None
        _pending_seek: tuple[int, int, float] | None

        def reload_shows(self) -> None: ...
        def _show_changed(self) -> None: ...
        def seed_demo(self, asked: bool) -> None: ...

    def open_show_settings(self) -> ShowSettingsDialog | None:
        """The current show's settings dialog (Admin ▸ Show settings…)."""
        from veyedesk.gui.admin.show_settings import ShowSettingsDialog

        show_id = self.show_box.currentData()
        if show_id is None:
            self._status("Pick a show first: the settings are the show's.")
            return None
        dialog = ShowSettingsDialog(
            self.db_sessions,
            self.identity,
            int(show_id),
            self,
            self.runner,
            files_root=self.settings.files_root,
        )
        dialog.saved.connect(self.reload_shows)
        dialog.retimed.connect(lambda: self._reopen(self.editing.episode_id or 0))
        dialog.open()
        return dialog

    def open_new_show(self) -> NewShowDialog:
        """Admin ▸ New show…: create it, list it, then open its settings to add rooms."""
        from veyedesk.gui.admin.new_show import NewShowDialog
        from veyedesk.gui.admin.show_settings import ShowSettingsDialog

        dialog = NewShowDialog(self.db_sessions, self.identity, self, self.runner)

        def created(show_id: int) -> None:
            self._after_shows.append(show_id)
            self.reload_shows()
            self.new_show_settings = ShowSettingsDialog(
                self.db_sessions,
                self.identity,
                show_id,
                self,
                self.runner,
                files_root=self.settings.files_root,
            )
            self.new_show_settings.saved.connect(self.reload_shows)
            self.new_show_settings.tabs.setCurrentIndex(2)  # rooms come next
            self.new_show_settings.open()

        dialog.created.connect(created)
        dialog.open()
        return dialog

    def open_users(self) -> UsersWindow:
        """The users window (Admin ▸ Users…)."""
        from veyedesk.gui.admin.users_window import UsersWindow

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

    def open_sync(self) -> None:
        """File ▸ Sync: merge this venue copy with its shared database (gui/venue/sync_dialog)."""
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

    def check_venue_copy(self) -> None:
        """Enable File ▸ Sync only on a venue copy (the database is read off the GUI thread)."""
        from veyedesk.services.venue import is_venue_copy

        def read() -> bool:
            with self.db_sessions() as session:
                return is_venue_copy(session)

        def done(copy: bool) -> None:
            self.sync_action.setEnabled(copy)
            self.sync_action.setToolTip("" if copy else NOT_A_VENUE_COPY)

        self.runner.submit(read, done, lambda exc: self._status(f"Sync: {exc}"))

    def open_checkout(self) -> CheckoutDialog:
        """File ▸ Check out for the venue…: a venue copy of this database's show, room, day."""
        from veyedesk.gui.venue.checkout_dialog import CheckoutDialog

        show_id = self.show_box.currentData()
        dialog = CheckoutDialog(
            self.db_sessions,
            self.identity,
            None if show_id is None else int(show_id),
            self.runner,
            self,
        )
        dialog.checked_out.connect(lambda _result: self.reload_shows())  # talks now locked
        dialog.open()
        return dialog

    def open_venue_folder(self, folder: Path | None = None) -> None:
        """File ▸ Open venue folder…: an assets or venue folder in a window of its own."""
        from veyedesk.gui.venue.folder import open_venue_window

        self.venue_window = open_venue_window(
            self, self.settings, self.identity, folder, make_window=type(self)
        )

    def open_review(self) -> None:
        """Open review mode for the current show (episodes in review 1 / review 2)."""
        from veyedesk.gui.review.window import ReviewWindow

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
