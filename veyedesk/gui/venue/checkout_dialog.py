"""File ▸ Check out for the venue…: copy a show (or one room, one day) into a venue copy.

The same use case as `veyedesk venue checkout` (`services.venue.checkouts`, which checks
the acting identity may edit and locks the copied talks for the copy), run on a pool
thread. The shows, rooms and days to choose from are read off the GUI thread too. The
copy is a new SQLite file; the editor opens it with `veyedesk --db sqlite:///FILE`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.safe_text import plain_label
from veyedesk.gui.widgets.screen_fit import fit_to_screen
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.services import admin, editing, venue
from veyedesk.services.episodes import ShowRef, list_shows
from veyedesk.services.identity import Identity


class CheckoutDialog(QDialog):
    """Choose show, room, day and file; `checked_out` carries the CheckoutResult."""

    checked_out = Signal(object)

    def __init__(
        self,
        sessions: SessionFactory,
        identity: Identity,
        show_id: int | None,
        runner: BackgroundRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.sessions, self.identity, self.runner = sessions, identity, runner
        self.wanted_show = show_id
        self.shows: list[ShowRef] = []
        self.setWindowTitle("Check out for the venue")
        self.setObjectName("checkout_dialog")
        layout = QVBoxLayout(self)
        intro = plain_label(
            "Copies a show, or one room or day of it, into a file of its own for a laptop "
            "at the venue: edit there without the shared database, then File ▸ Sync. The "
            "copied talks are locked for the copy so nobody else edits them meanwhile."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.show_box = QComboBox()
        self.show_box.setObjectName("checkout_show")
        self.show_box.currentIndexChanged.connect(self._show_chosen)
        self.room_box = QComboBox()
        self.room_box.setObjectName("checkout_room")
        self.day_box = QComboBox()
        self.day_box.setObjectName("checkout_day")
        self.output = QLineEdit()
        self.output.setObjectName("checkout_output")
        self.output.setPlaceholderText("the venue copy to write, e.g. venue.db")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.output, 1)
        file_row.addWidget(browse)
        self.lock = QCheckBox("Lock the copied talks for this copy")
        self.lock.setObjectName("checkout_lock")
        self.lock.setChecked(True)
        form.addRow("Show", self.show_box)
        form.addRow("Room", self.room_box)
        form.addRow("Day", self.day_box)
        form.addRow("File", file_row)
        form.addRow(self.lock)
        layout.addLayout(form)
        self.status = plain_label("")
        self.status.setObjectName("checkout_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.go_button = buttons.addButton("Check out", QDialogButtonBox.ButtonRole.ActionRole)
        self.go_button.setObjectName("checkout_go")
        self.go_button.clicked.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_to_screen(self, 560, 320)
        self.go_button.setEnabled(False)
        self.runner.submit(self._read_shows, self._shows_read, self._failed)

    # -- choices, read off the GUI thread ---------------------------------------------------
    def _read_shows(self) -> list[ShowRef]:
        with self.sessions() as session:
            return list_shows(session)

    def _shows_read(self, shows: list[ShowRef]) -> None:
        self.shows = shows
        self.show_box.blockSignals(True)
        self.show_box.clear()
        for ref in shows:
            self.show_box.addItem(ref.label, ref.id)
        self.show_box.blockSignals(False)
        index = self.show_box.findData(self.wanted_show) if self.wanted_show else -1
        self.show_box.setCurrentIndex(max(index, 0))
        self._show_chosen()

    def _show_chosen(self) -> None:
        show_id = self.show_box.currentData()
        self.room_box.clear()
        self.day_box.clear()
        self.go_button.setEnabled(False)
        if show_id is None:
            return

        def read() -> tuple[list[tuple[str, str]], list[date]]:
            with self.sessions() as session:
                return admin.show_rooms(session, show_id), admin.show_days(session, show_id)

        def done(found: tuple[list[tuple[str, str]], list[date]]) -> None:
            if self.show_box.currentData() != show_id:
                return  # another show was chosen meanwhile
            rooms, days = found
            self.room_box.addItem("All rooms", None)
            for slug, name in rooms:
                self.room_box.addItem(name, slug)
            self.day_box.addItem("All days", None)
            for day in days:
                self.day_box.addItem(f"{day:%a %d %b %Y}", day.isoformat())
            self.go_button.setEnabled(True)

        self.runner.submit(read, done, self._failed)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Venue copy", self.output.text() or "venue.db", "SQLite (*.db)"
        )
        if path:
            self.output.setText(path)

    # -- the checkout -------------------------------------------------------------------------
    def start(self) -> None:
        """Check out what is chosen into the file named (off the GUI thread)."""
        ref = next((s for s in self.shows if s.id == self.show_box.currentData()), None)
        text = self.output.text().strip()
        if ref is None:
            self.status.setText("Choose a show first.")
            return
        if not text:
            self.status.setText("Name the file to write the venue copy to (File).")
            return
        target = Path(text).expanduser()
        room, day, lock = (
            self.room_box.currentData(),
            self.day_box.currentData(),
            self.lock.isChecked(),
        )
        sessions, who = self.sessions, self.identity

        def work() -> Any:
            return venue.checkout(
                sessions,
                target,
                client=ref.client,
                show=ref.slug,
                room=room,
                day=day,
                who=who,
                machine=editing.machine_name(),
                lock=lock,
            )

        self.go_button.setEnabled(False)
        self.status.setText(f"Checking out {ref.label} to {target}…")
        self.runner.submit(work, self._done, self._failed)

    def _done(self, result: Any) -> None:
        self.go_button.setEnabled(True)
        talks = len(result.episode_ids)
        locked = f"; {len(result.locked)} locked for it" if self.lock.isChecked() else ""
        others = (
            f"; {len(result.not_locked)} already locked by someone else"
            if result.not_locked
            else ""
        )
        self.status.setText(
            f"Checked out {talks} talks to {result.path}{locked}{others}. Edit it with "
            f"veyedesk --db sqlite:///{result.path.resolve()}"
        )
        self.checked_out.emit(result)

    def _failed(self, exc: Exception) -> None:
        self.go_button.setEnabled(self.show_box.currentData() is not None)
        self.status.setText(f"Not checked out: {exc}")
