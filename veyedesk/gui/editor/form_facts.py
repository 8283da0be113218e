"""The episode form's read-only tabs: Facts (where the cuts fall, chapters), Logs, Raw files.

A part of `EpisodeForm` (a mixin, like the editor window's parts): the editable fields and
their undo commands stay in `episode_form.py`; what is only shown about the talk is here.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, SignalInstance
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from veyedesk.gui.widgets.safe_text import (
    link_html,
    plain_label,
)
from veyedesk.model.chapters import Chapter, chapters, youtube_text
from veyedesk.model.timecode import (
    add_seconds,
    format_duration,
    format_offset,
)

NO_START = QDateTime(QDate(1900, 1, 1), QTime(0, 0))  # the start field's "none" (shown blank)

EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
RELEASED = (("Unknown", None), ("Yes", True), ("No", False))
LINE_FIELDS = ("name", "subtitle", "authors", "emails", "license", "tags", "language", "normalise")


def split_emails(text: str) -> list[str]:
    """Addresses in a field separated by commas, semicolons or spaces."""
    return [part for part in re.split(r"[,;\s]+", text.strip()) if part]


def invalid_emails(text: str) -> list[str]:
    """The addresses in `text` that are not of the form name@host.domain."""
    return [a for a in split_emails(text) if not EMAIL.match(a)]


def _when(moment: datetime | None) -> str:
    return moment.strftime("%a %d %b %H:%M:%S") if moment else "—"


if TYPE_CHECKING:
    from veyedesk.gui.document.editable import EditorDocument
    from veyedesk.services.editing import EpisodeContext


class FormFacts(QTabWidget):
    """Part of `EpisodeForm` (see the module docstring)."""

    if TYPE_CHECKING:  # what the rest of EpisodeForm provides (mypy checks each part alone)
        add_raw_file: SignalInstance
        document: EditorDocument | None
        context: EpisodeContext | None
        slide_timing: tuple[float, float, float]
        release_status: QLabel
        conf_url: QLabel
        selection: QLineEdit
        result_links: dict[str, QLabel]

    def _build_facts_tab(self) -> None:
        page = QWidget()
        form = QFormLayout(page)
        self.facts: dict[str, QLabel] = {}
        for key, label in (
            ("first_raw", "First raw start"),
            ("last_raw", "Last raw end"),
            ("offset", "Offset (first raw − scheduled)"),
            ("first_cut", "Talk starts (first cut)"),
            ("last_cut", "Talk ends (last cut)"),
            ("cuts_time", "Total cuts time"),
            ("scheduled", "Scheduled duration"),
        ):
            value = plain_label()
            value.setObjectName(f"fact_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts[key] = value
            form.addRow(label, value)
        self.chapters = QLabel()
        self.chapters.setObjectName("fact_chapters")
        self.chapters.setTextFormat(Qt.TextFormat.PlainText)
        self.chapters.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chapters.setToolTip(
            "The encode's chapters: one per cut, named by the cut's comment; the title slide "
            "is in the first, the credits in the last"
        )
        form.addRow("Chapters", self.chapters)
        self.copy_chapters_button = QPushButton("Copy chapters")
        self.copy_chapters_button.setObjectName("copy_chapters_button")
        self.copy_chapters_button.setToolTip(
            "YouTube-style chapter lines (0:00 Title …), with ?t= links when the talk has "
            "a host URL"
        )
        self.copy_chapters_button.clicked.connect(self.copy_chapters)
        form.addRow("", self.copy_chapters_button)
        self.addTab(page, "Facts")

    def _build_logs_tab(self) -> None:
        self.logs = QTableWidget(0, 5)
        self.logs.setObjectName("logs_table")
        self.logs.setHorizontalHeaderLabels(["State", "User", "Start", "End", "Result"])
        self.logs.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.logs.verticalHeader().hide()
        self.logs.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.addTab(self.logs, "Logs")

    def _build_raw_tab(self) -> None:
        page = QWidget()
        self.raw_table = QTableWidget(0, 4)
        self.raw_table.setObjectName("raw_files_table")
        self.raw_table.setHorizontalHeaderLabels(["Start", "Duration", "File", "Used by"])
        self.raw_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.raw_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.raw_table.verticalHeader().hide()
        self.raw_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.add_raw_button = QPushButton("Add to cut list")
        self.add_raw_button.setObjectName("add_raw_button")
        self.add_raw_button.clicked.connect(self._add_raw_clicked)
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("This room's raw files on the day of the talk"))
        layout.addWidget(self.raw_table)
        layout.addWidget(self.add_raw_button, 0, Qt.AlignmentFlag.AlignRight)
        self.addTab(page, "Raw files")

    def _cut_walls(self) -> tuple[datetime | None, datetime | None]:
        doc = self.document
        if doc is None:
            return None, None
        walls = []
        for cut in doc.draft.cuts:
            raw = doc.draft.raw_files.get(cut.raw_file_id)
            if cut.apply and raw is not None and raw.start is not None:
                start, end = doc.draft.cut_bounds(cut)
                walls.append((add_seconds(raw.start, start), add_seconds(raw.start, end)))
        if not walls:
            return None, None
        return min(w[0] for w in walls), max(w[1] for w in walls)

    def _update_facts(self) -> None:
        doc = self.document
        for label in self.facts.values():
            label.setText("—")
        self.chapters.setText("—")
        if doc is None:
            return
        draft = doc.draft
        used = [
            draft.raw_files[c.raw_file_id] for c in draft.cuts if c.raw_file_id in draft.raw_files
        ]
        starts = [r.start for r in used if r.start is not None]
        ends = [add_seconds(r.start, r.duration) for r in used if r.start and r.duration]
        first_raw = min(starts) if starts else None
        scheduled: datetime | None = draft.fields.get("start")
        self.facts["first_raw"].setText(_when(first_raw))
        self.facts["last_raw"].setText(_when(max(ends) if ends else None))
        if first_raw is not None and scheduled is not None:
            self.facts["offset"].setText(format_duration((first_raw - scheduled).total_seconds()))
        first_cut, last_cut = self._cut_walls()
        self.facts["first_cut"].setText(_when(first_cut))
        self.facts["last_cut"].setText(_when(last_cut))
        self.facts["cuts_time"].setText(format_duration(draft.cuts_time()))
        self.facts["scheduled"].setText(format_duration(draft.fields.get("duration")))
        lines = [f"{format_offset(c.start)}  {c.title}" for c in self.chapter_list()]
        self.chapters.setText("\n".join(lines) or "—")

    def chapter_list(self) -> list[Chapter]:
        """The encode's chapters for the draft's applied cuts (the rule the encode uses)."""
        doc = self.document
        if doc is None:
            return []
        draft = doc.draft
        applied = [c for c in draft.cuts if c.apply]
        durations = [max(0.0, end - start) for start, end in map(draft.cut_bounds, applied)]
        title, credits, fps = self.slide_timing
        return chapters(durations, [c.comment or "" for c in applied], fps, title, credits)

    def chapters_text(self) -> str:
        """YouTube-style chapter lines, `?t=` links when the talk has a host URL."""
        host = self.context.host_url.strip() if self.context is not None else ""
        return youtube_text(self.chapter_list(), host)

    def copy_chapters(self) -> None:
        text = self.chapters_text()
        QGuiApplication.clipboard().setText(text)
        if self.document is not None:
            count = len(text.splitlines())
            self.document.notice.emit(f"copied {count} chapter line(s) to the clipboard")

    def _fill_context(self) -> None:
        ctx, doc = self.context, self.document
        if ctx is None:
            self.conf_url.setText("")
            for link in self.result_links.values():
                link.setText("")
            self.release_status.hide()
            self.selection.setText("")
            self.logs.setRowCount(0)
            self.raw_table.setRowCount(0)
            return
        url = ctx.conf_url
        self.conf_url.setText(link_html(url) if url else "—")
        self.result_links["host_url"].setText(link_html(ctx.host_url) if ctx.host_url else "—")
        self.result_links["public_url"].setText(
            link_html(ctx.public_url) if ctx.public_url else "—"
        )
        self.release_status.setText(ctx.hold)
        self.release_status.setVisible(bool(ctx.hold))
        self.selection.setText(ctx.cli_selection())
        self.selection.setCursorPosition(0)
        self.logs.setRowCount(len(ctx.logs))
        for row, log in enumerate(ctx.logs):
            for col, text in enumerate(
                (log.state, log.user, _when(log.start), _when(log.end), log.result)
            ):
                self.logs.setItem(row, col, QTableWidgetItem(text))
        raws = (
            sorted(doc.draft.raw_files.values(), key=lambda r: (r.start is None, r.start))
            if doc
            else []
        )
        mine = {c.raw_file_id for c in doc.draft.cuts} if doc else set()
        self.raw_table.setRowCount(len(raws))
        for row, raw in enumerate(raws):
            users = (["this talk"] if raw.id in mine else []) + ctx.raw_usage.get(raw.id, [])
            problem = " (missing)" if raw.missing else " (unreadable)" if raw.probe_error else ""
            cells = (
                _when(raw.start),
                format_duration(raw.duration),
                raw.filename + problem,
                "; ".join(users),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, raw.id)
                self.raw_table.setItem(row, col, item)
        self.raw_table.resizeColumnsToContents()

    def _add_raw_clicked(self) -> None:
        rows = self.raw_table.selectionModel().selectedRows()
        if rows:
            item = self.raw_table.item(rows[0].row(), 0)
            if item is not None:
                self.add_raw_file.emit(int(item.data(Qt.ItemDataRole.UserRole)))
