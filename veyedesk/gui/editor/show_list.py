"""The editor window's show picker and episode list: load shows and talks off the GUI
thread, keep the picked show, seed the demo show on an empty database.

A mixin of `MainWindow`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtWidgets import QMainWindow

# The services (and the database layer under them) load with the window's panels, after
# the window is shown (MainWindow.attach): not at import.
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
    from veyedesk.services.episodes import EpisodeRow, ShowRef
    from veyedesk.services.identity import Identity


class ShowList(QMainWindow):
    """Part of `MainWindow` (see the module docstring)."""

    # The show's whole episode list is in the table (after a show is picked or re-read).
    episodes_listed = Signal()

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
        _journals_offered: bool
        _open_first: bool
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
        def open_show_settings(self) -> Any: ...
        def open_new_show(self) -> Any: ...
        def open_users(self) -> Any: ...
        def open_sync(self) -> Any: ...
        def open_review(self) -> Any: ...
        def open_mark_window(self) -> Any: ...
        def open_venue_folder(self, folder: Path | None = None) -> None: ...

    def reload_shows(self) -> None:
        """Re-read the show list (off the GUI thread)."""
        from veyedesk.services.episodes import list_shows

        def load() -> list[ShowRef]:
            with self.db_sessions() as session:
                return list_shows(session)

        self.statusBar().showMessage("Loading shows…")
        self.runner.submit(load, self._shows_loaded, self._load_failed)

    def _shows_loaded(self, shows: list[ShowRef]) -> None:
        from veyedesk.model.states import STATE_SLUGS

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
        from veyedesk.services.episodes import episode_rows

        def load() -> list[EpisodeRow]:
            with self.db_sessions() as session:
                return episode_rows(session, show_id)

        self.statusBar().showMessage("Loading episodes…")
        self.runner.submit(load, self._episodes_loaded, self._load_failed)
        self._load_sheet_text()

    def _load_sheet_text(self) -> None:
        """The OCR text of each talk's sheets, so the episode filter finds it."""
        from veyedesk.services.admin import sheet_text_by_episode

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
        from veyedesk.model.states import STATE_SLUGS

        # Progressively: a long show's first lines show at once, the rest between events.
        self.count_label.setText(f"{len(rows)} episodes")
        self.episodes.fill(rows, list(STATE_SLUGS), self._episodes_listed)

    def _episodes_listed(self) -> None:
        self.statusBar().clearMessage()
        if self.editing.episode_id is not None:
            self.episodes.select_episode(self.editing.episode_id)
        elif self._open_first and self.episodes.visible_ids():
            self._open_first = False
            self.open_episode(self.episodes.visible_ids()[0])
        self.episodes_listed.emit()

    def _row_changed(self, row: EpisodeRow) -> None:
        self.episodes.update_row(row)

    def _load_failed(self, exc: Exception | str) -> None:
        self._status(f"Could not read the database: {exc}")

    def seed_demo(self, asked: bool) -> None:
        """Create the demo show in the background (empty database, or File ▸ demo), then show it."""
        from veyedesk.config import data_dir
        from veyedesk.services.demo import create_demo, demo_exists
        from veyedesk.services.errors import AlreadyExists

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
