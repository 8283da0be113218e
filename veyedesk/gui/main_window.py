"""The main window: pick a show, browse and filter its episodes."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMainWindow, QMessageBox, QToolBar, QWidget
from sqlalchemy.orm import Session, sessionmaker

from veyedesk.config import Settings, mask_url
from veyedesk.gui.episode_list import EpisodeListPanel
from veyedesk.gui.tasks import BackgroundRunner
from veyedesk.model.states import STATE_SLUGS
from veyedesk.services.episodes import EpisodeRow, ShowRef, episode_rows, list_shows
from veyedesk.services.users import Identity


class MainWindow(QMainWindow):
    """Show picker, episode list, status bar with who and where."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        identity: Identity,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.sessions = sessions
        self.settings = settings
        self.identity = identity
        self.runner = BackgroundRunner(self)
        self.setWindowTitle("veyedesk")
        self.resize(1280, 800)

        self.episodes = EpisodeListPanel(self)
        self.setCentralWidget(self.episodes)

        self.show_box = QComboBox()
        self.show_box.setObjectName("show_picker")
        self.show_box.setMinimumContentsLength(24)
        self.show_box.currentIndexChanged.connect(self._show_changed)
        bar = QToolBar("Show")
        bar.setObjectName("show_toolbar")
        bar.setMovable(False)
        bar.addWidget(QLabel(" Show: "))
        bar.addWidget(self.show_box)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

        self._build_menus()
        self.user_label = QLabel(f"User: {identity.name} ({identity.role})")
        self.db_label = QLabel(f"Database: {mask_url(settings.db)}")
        self.count_label = QLabel()
        status = self.statusBar()
        status.addPermanentWidget(self.count_label)
        status.addPermanentWidget(self.user_label)
        status.addPermanentWidget(self.db_label)
        self._restore_layout()
        self.reload_shows()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        refresh = QAction("&Refresh", self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.reload_shows)
        file_menu.addAction(refresh)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About veyedesk", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About veyedesk",
            "veyedesk: trim conference talks from raw recordings, encode and review them.\n"
            "The desktop successor of Veyepar.",
        )

    # Loading runs on the thread pool; the GUI thread only swaps in the finished rows.
    def reload_shows(self) -> None:
        def load() -> list[ShowRef]:
            with self.sessions() as session:
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
            self.statusBar().showMessage(
                "No shows yet: create one with `veyedesk client add` and `veyedesk show add`, "
                "then import a schedule."
            )
            self.episodes.set_rows([], list(STATE_SLUGS))
            return
        index = self.show_box.findData(int(current)) if current is not None else -1
        self.show_box.setCurrentIndex(max(index, 0))
        self._show_changed()

    def _show_changed(self) -> None:
        show_id = self.show_box.currentData()
        if show_id is None:
            return
        QSettings().setValue("last_show_id", show_id)

        def load() -> list[EpisodeRow]:
            with self.sessions() as session:
                return episode_rows(session, show_id)

        self.statusBar().showMessage("Loading episodes…")
        self.runner.submit(load, self._episodes_loaded, self._load_failed)

    def _episodes_loaded(self, rows: list[EpisodeRow]) -> None:
        self.episodes.set_rows(rows, list(STATE_SLUGS))
        self.count_label.setText(f"{len(rows)} episodes")
        self.statusBar().clearMessage()

    def _load_failed(self, exc: Exception) -> None:
        self.statusBar().showMessage(f"Could not read the database: {exc}")

    def _restore_layout(self) -> None:
        settings = QSettings()
        geometry = settings.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value("main_window/state")
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event) -> None:
        settings = QSettings()
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue("main_window/state", self.saveState())
        self.runner.wait(3000)
        super().closeEvent(event)
