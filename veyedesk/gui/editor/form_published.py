"""The episode form's Published tab: where the open talk went, per publish target.

One block per target: its status and privacy, when that was, the host and public URLs as
links (http/https only, via safe_text.link_html) and the last error in red. Read through
services.publishing on the pool thread when the talk's context arrives (it opened, or its
state moved) and after each save; a result for a talk no longer open is dropped.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.safe_text import (
    WrappedText,
    bold_label,
    link_html,
    link_label,
    plain_label,
    tooltip,
)
from veyedesk.gui.widgets.save_status import FAILED_STYLE, run_in_session
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.services import publishing

NOTHING = "Not published anywhere yet (Show settings ▸ Publishing lists the show's targets)."


def _when(moment: datetime | None) -> str:
    return moment.strftime("%a %d %b %H:%M") if moment else ""


class PublishedPanel(QScrollArea):
    """Per-target publication status of one talk (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("published_panel")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sessions: SessionFactory | None = None
        self.runner: BackgroundRunner | None = None
        self.episode_id: int | None = None
        self.rows: list[publishing.PublicationRow] = []  # as last read
        self.links: dict[tuple[str, str], QLabel] = {}  # (target, host_url|public_url)
        self.loads = 0  # reads finished (tests wait on it)
        self._show([], "")

    def attach(self, sessions: SessionFactory, runner: BackgroundRunner) -> None:
        """Where to read from (the editor window's database and pool)."""
        self.sessions, self.runner = sessions, runner

    def show_episode(self, episode_id: int | None) -> None:
        """A talk opened (or none): forget the last one's rows until `refresh` reads these."""
        self.episode_id = episode_id
        self._show([], "" if episode_id is None else "Reading…")

    def refresh(self) -> None:
        """Read the open talk's publications again (off the GUI thread)."""
        episode_id = self.episode_id
        if episode_id is None or self.sessions is None or self.runner is None:
            return

        def done(rows: list[publishing.PublicationRow]) -> None:
            if self.episode_id == episode_id:
                self._show(rows, "" if rows else NOTHING)
            self.loads += 1

        def failed(exc: Exception) -> None:
            if self.episode_id == episode_id:
                self._show([], f"Could not read where this talk was published: {exc}", True)
            self.loads += 1

        run_in_session(
            self.runner,
            self.sessions,
            lambda s: publishing.episode_publications(s, episode_id),
            done,
            failed,
            commit=False,
        )

    def _show(self, rows: list[publishing.PublicationRow], note: str, failed: bool = False) -> None:
        self.rows = rows
        self.links = {}
        page = QWidget()
        layout = QVBoxLayout(page)
        self.note = plain_label(note)
        self.note.setObjectName("published_note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(FAILED_STYLE if failed else "")
        self.note.setVisible(bool(note))
        layout.addWidget(self.note)
        for row in rows:
            layout.addWidget(self._block(row))
        layout.addStretch(1)
        self.setWidget(page)  # the old page is deleted with its labels

    def _block(self, row: publishing.PublicationRow) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(bold_label(f"{row.target} ({row.kind})"))
        status = " · ".join(
            part for part in (row.status or "—", row.privacy, _when(row.updated)) if part
        )
        state = plain_label(status)
        state.setObjectName(f"published_status_{row.target}")
        state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Status", state)
        for key, label in (("host_url", "Hosted at"), ("public_url", "Published at")):
            url = row.host_url if key == "host_url" else row.public_url
            link = link_label(f"published_{key}_{row.target}")
            link.setText(link_html(url, wrap=True) if url else "—")
            link.setToolTip(tooltip(url))
            link.setWordWrap(True)
            self.links[(row.target, key)] = link
            form.addRow(label, link)
        if row.error:
            error = WrappedText(row.error)  # an id or hash in it must not widen the tab
            error.setObjectName(f"published_error_{row.target}")
            error.setStyleSheet(f"QTextEdit {{ {FAILED_STYLE}; background: transparent }}")
            form.addRow("Error", error)
        return box
