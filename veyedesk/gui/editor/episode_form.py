"""The episode form: every editable field with the right widget, read-only facts, where the
talk was published, Logs, Raw files.

Widgets never write the database: each edit is a document command (so it is undoable,
journaled and saved with Ctrl+S), and each document change updates its widget (so undo
shows up in the form).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QWidget,
)

from veyedesk.gui.document.editable import STATE, EditorDocument
from veyedesk.gui.editor.form_facts import FormFacts
from veyedesk.gui.editor.form_published import PublishedPanel
from veyedesk.gui.editor.title_preview import TitlePreview
from veyedesk.gui.widgets.safe_text import (
    MarkdownPreview,
    link_label,
    plain_label,
    tooltip,
)
from veyedesk.model.shared_files import OutsideRoot, resolve
from veyedesk.model.states import CHANNELCOPY, STATE_SLUGS
from veyedesk.model.timecode import (
    TimecodeError,
    format_duration,
    parse_offset,
)
from veyedesk.services.editing import EpisodeContext

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


class EpisodeForm(FormFacts, QTabWidget):
    """Tabs: Episode (the fields), Title slide, Facts, Published, Logs, Raw files."""

    thumbnail_requested = Signal()  # "use current frame": the window asks the player
    add_raw_file = Signal(int)  # raw file id to append to the cut list
    release_form_requested = Signal()  # the window writes the open talk's release.pdf
    play_encode_requested = Signal()  # the window plays the open talk's encode

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: EditorDocument | None = None
        self.context: EpisodeContext | None = None
        self.files_root = ""  # what a stored thumbnail path is relative to (Settings.files_root)
        self._loading = False
        self.lines: dict[str, QLineEdit] = {}
        # Title slide, credits and frame rate of the encode: the Facts tab's chapter times.
        self.slide_timing = (5.0, 4.0, 25.0)
        self.title_preview = TitlePreview()
        self._build_episode_tab()
        self.addTab(self.title_preview, "Title slide")
        self._build_facts_tab()
        self.published = PublishedPanel()
        self.addTab(self.published, "Published")
        self._build_logs_tab()
        self._build_raw_tab()
        self.set_document(None, None)

    # -- construction -------------------------------------------------------------------
    def _build_episode_tab(self) -> None:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.banner = plain_label()  # names the lock holder
        self.banner.setObjectName("lock_banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fde7c8; padding: 4px; border-radius: 3px")
        self.take_over_button = QPushButton("Take over the lock…")
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.take_over_button)
        form.addRow(banner_row)
        labels = {
            "name": "Title",
            "subtitle": "Subtitle",
            "authors": "Speakers",
            "emails": "Emails",
            "license": "Licence",
            "tags": "Tags",
            "language": "Language",
            "normalise": "Normalise (LUFS)",
        }
        for name in LINE_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"field_{name}")
            edit.textEdited.connect(lambda text, n=name: self._edited(n, text))
            self.lines[name] = edit
        self.lines["emails"].setPlaceholderText("a@example.org, b@example.org")
        self.lines["normalise"].setPlaceholderText("blank = off, e.g. -16")
        self.lines["name"].setStyleSheet("font-weight: bold")
        for name in ("name", "subtitle", "authors", "emails"):
            form.addRow(labels[name], self.lines[name])
            if name == "name":
                # What the title slide had to give up, while typing (the Title slide tab
                # shows the picture).
                self.title_warning = plain_label()
                self.title_warning.setObjectName("title_fit_warning")
                self.title_warning.setWordWrap(True)
                self.title_warning.setStyleSheet("color: #b00020")
                self.title_warning.hide()
                form.addRow("", self.title_warning)
                self.title_preview.warning_changed.connect(self._show_title_warning)

        self.description = QPlainTextEdit()
        self.description.setObjectName("field_description")
        self.description.textChanged.connect(
            lambda: self._edited("description", self.description.toPlainText())
        )
        self.preview = MarkdownPreview()
        self.preview.setObjectName("description_preview")
        self.description_tabs = QTabWidget()
        self.description_tabs.addTab(self.description, "Markdown")
        self.description_tabs.addTab(self.preview, "Preview")
        self.description_tabs.currentChanged.connect(self._render_preview)
        self.description_tabs.setMinimumHeight(120)
        form.addRow("Description", self.description_tabs)

        self.released = QComboBox()
        self.released.setObjectName("field_released")
        for text, value in RELEASED:
            self.released.addItem(text, value)
        self.released.currentIndexChanged.connect(
            lambda: self._edited("released", self.released.currentData())
        )
        # Why the talk waits before publishing (plain text: it names states, never markup).
        self.release_status = plain_label()
        self.release_status.setObjectName("release_status")
        self.release_status.setStyleSheet("color: #b00020; font-weight: bold")
        self.release_status.setWordWrap(True)
        self.release_status.hide()
        form.addRow("Released", self.released)
        form.addRow("", self.release_status)
        for name in ("license", "tags", "language", "normalise"):
            form.addRow(labels[name], self.lines[name])

        self.channelcopy = QComboBox()
        self.channelcopy.setObjectName("field_channelcopy")
        self.channelcopy.addItem("room default", "")
        for code, meaning in CHANNELCOPY.items():
            self.channelcopy.addItem(f"{code} — {meaning}", code)
        self.channelcopy.currentIndexChanged.connect(
            lambda: self._edited("channelcopy", self.channelcopy.currentData())
        )
        form.addRow("Channel copy", self.channelcopy)
        self.av_offset = QSpinBox()
        self.av_offset.setObjectName("field_av_offset_ms")
        self.av_offset.setRange(-5000, 5000)
        self.av_offset.setSingleStep(40)
        self.av_offset.setSuffix(" ms")
        self.av_offset.setToolTip("Positive: audio later than video")
        self.av_offset.valueChanged.connect(lambda v: self._edited("av_offset_ms", int(v)))
        form.addRow("A/V offset", self.av_offset)

        self.thumbnail = plain_label("no thumbnail")
        self.thumbnail.setObjectName("thumbnail_image")
        self.thumbnail.setFixedSize(160, 90)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setStyleSheet("border: 1px solid #aaa; color: #777")
        self.thumbnail_button = QPushButton("Use current frame")
        self.thumbnail_button.setObjectName("thumbnail_button")
        self.thumbnail_button.clicked.connect(self.thumbnail_requested)
        thumb_row = QHBoxLayout()
        thumb_row.addWidget(self.thumbnail)
        thumb_row.addWidget(self.thumbnail_button, 0, Qt.AlignmentFlag.AlignTop)
        thumb_row.addStretch(1)
        form.addRow("Thumbnail", thumb_row)

        self.comment = QPlainTextEdit()
        self.comment.setObjectName("field_comment")
        self.comment.setPlaceholderText("Production notes (not published)")
        self.comment.setMaximumHeight(70)
        self.comment.textChanged.connect(
            lambda: self._edited("comment", self.comment.toPlainText())
        )
        form.addRow("Notes", self.comment)

        self.state = QComboBox()
        self.state.setObjectName("field_state")
        for slug in STATE_SLUGS:
            self.state.addItem(slug, slug)
        self.state.currentIndexChanged.connect(
            lambda: self._edited(STATE, self.state.currentData())
        )
        form.addRow("State", self.state)

        self.start = QDateTimeEdit()
        self.start.setObjectName("field_start")
        self.start.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.start.setCalendarPopup(True)
        # No start (or no talk) shows blank: Qt shows an unset QDateTime as 2000-01-01,
        # which reads like a date. The minimum stands for "none" and shows as " ".
        self.start.setMinimumDateTime(NO_START)
        self.start.setSpecialValueText(" ")
        self.start.setDateTime(NO_START)
        self.start.dateTimeChanged.connect(self._start_edited)
        self.duration = QLineEdit()
        self.duration.setObjectName("field_duration")
        self.duration.setMaximumWidth(90)
        self.duration.editingFinished.connect(self._duration_edited)
        self.match_button = QPushButton("Set from cuts")
        self.match_button.setToolTip(
            "Scheduled start := first cut's wall clock, duration := total cuts time"
        )
        self.match_button.clicked.connect(self._match_schedule)
        form.addRow("Scheduled start", self.start)
        when_row = QHBoxLayout()
        when_row.addWidget(self.duration)
        when_row.addWidget(self.match_button)
        when_row.addStretch(1)
        form.addRow("Duration", when_row)

        self.conf_url = link_label("conf_url")
        form.addRow("Schedule page", self.conf_url)
        # Results state commands wrote back (jobs.results); links only for http(s).
        self.result_links: dict[str, QLabel] = {}
        for name, label in (("host_url", "Hosted at"), ("public_url", "Published at")):
            link = link_label(name)
            self.result_links[name] = link
            form.addRow(label, link)
        self.selection = QLineEdit()
        self.selection.setObjectName("cli_selection")
        self.selection.setReadOnly(True)
        copy_button = QPushButton("Copy")
        copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.selection.text())
        )
        cli_row = QHBoxLayout()
        cli_row.addWidget(self.selection, 1)
        cli_row.addWidget(copy_button)
        form.addRow("CLI selection", cli_row)
        self.release_button = QPushButton("Release form…")
        self.release_button.setObjectName("release_form_button")
        self.release_button.setToolTip("The speakers' release form as a PDF, one page each")
        self.release_button.clicked.connect(self.release_form_requested)
        self.play_encode_button = QPushButton("Play encode…")
        self.play_encode_button.setObjectName("play_encode_button")
        self.play_encode_button.setToolTip("Play this talk's encoded file (choose the profile)")
        self.play_encode_button.clicked.connect(self.play_encode_requested)
        outputs_row = QHBoxLayout()
        outputs_row.addWidget(self.release_button)
        outputs_row.addWidget(self.play_encode_button)
        outputs_row.addStretch(1)
        form.addRow("Outputs", outputs_row)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(page)
        self.addTab(scroll, "Episode")
        self._editables: list[QWidget] = [
            *self.lines.values(),
            self.description,
            self.released,
            self.channelcopy,
            self.av_offset,
            self.thumbnail_button,
            self.comment,
            self.state,
            self.start,
            self.duration,
            self.match_button,
        ]

    # -- document binding -------------------------------------------------------------
    def set_document(self, document: EditorDocument | None, context: EpisodeContext | None) -> None:
        """Show this episode (None: an empty, disabled form)."""
        self.document = document
        self.context = context
        self.title_preview.set_document(document)
        if document is not None:
            document.field_changed.connect(self._field_changed)
            document.cuts_changed.connect(self._update_facts)
        self._loading = True
        try:
            for name in (*LINE_FIELDS, "description", "released", "channelcopy"):
                self._show_field(name)
            for name in ("av_offset_ms", "thumbnail", "comment", STATE, "start", "duration"):
                self._show_field(name)
        finally:
            self._loading = False
        self._render_preview()
        self._update_facts()
        self._fill_context()
        self.published.show_episode(document.draft.episode_id if document else None)
        self.refresh_read_only()

    def set_context(self, context: EpisodeContext | None) -> None:
        """Fill the parts that arrive after the episode opened: Log rows, raw-file usage."""
        self.context = context
        self._fill_context()
        if context is not None:
            self.published.refresh()  # also when the talk's state moved (a publish job)

    def refresh_read_only(self) -> None:
        doc = self.document
        editable = doc is not None and not doc.read_only
        for widget in self._editables:
            if isinstance(widget, QLineEdit | QPlainTextEdit):
                widget.setReadOnly(not editable)
                widget.setEnabled(doc is not None)
            else:
                widget.setEnabled(editable)
        self.add_raw_button.setEnabled(editable)
        self.release_button.setEnabled(doc is not None)
        self.play_encode_button.setEnabled(doc is not None)
        self.copy_chapters_button.setEnabled(doc is not None)
        self.title_preview.refresh_read_only()
        reason = doc.read_only_reason if doc is not None else ""
        self.banner.setText(reason)
        self.banner.setVisible(bool(reason))
        self.take_over_button.setVisible(doc is not None and bool(doc.lock_holder))

    def _value(self, name: str) -> Any:
        return self.document.draft.fields.get(name) if self.document is not None else None

    def _field_changed(self, name: str) -> None:
        self._loading = True
        try:
            self._show_field(name)
        finally:
            self._loading = False
        if name in ("start", "duration"):
            self._update_facts()

    def _show_field(self, name: str) -> None:
        value = self._value(name)
        if name in self.lines:
            edit = self.lines[name]
            text = "" if value is None else str(value)
            if edit.text() != text:  # keeps the cursor where it is while typing
                edit.setText(text)
                if not edit.hasFocus():
                    edit.setCursorPosition(0)  # a long title shows its start, not its end
            if name == "emails":
                self._check_emails()
        elif name in ("description", "comment"):
            box = self.description if name == "description" else self.comment
            text = value or ""
            if box.toPlainText() != text:
                box.setPlainText(text)
            if name == "description" and self.description_tabs.currentIndex() == 1:
                self._render_preview()
        elif name == "released":
            self.released.setCurrentIndex(max(self.released.findData(value), 0))
        elif name == "channelcopy":
            self.channelcopy.setCurrentIndex(max(self.channelcopy.findData(value or ""), 0))
        elif name == "av_offset_ms":
            self.av_offset.setValue(int(value or 0))
        elif name == STATE:
            self.state.setCurrentIndex(self.state.findData(value))  # -1 (blank) when none
        elif name == "start":
            self.start.setDateTime(QDateTime(value) if value else NO_START)
        elif name == "duration":
            text = format_duration(value)
            if self.duration.text() != text:
                self.duration.setText(text)
        elif name == "thumbnail":
            self._show_thumbnail(value or "")

    def _edited(self, name: str, value: Any) -> None:
        if self._loading or self.document is None:
            return
        if name == "emails":
            self._check_emails()
        if self.document.read_only:
            # Put the stored value back: the edit is refused (the document says why).
            self.document.set_field(name, value)
            self._field_changed(name)
            return
        self.document.set_field(name, value)

    def _start_edited(self, when: QDateTime) -> None:
        if self._loading or self.document is None:
            return
        value = when.toPython() if when.isValid() and when != NO_START else None
        if isinstance(value, datetime):
            value = value.replace(tzinfo=None, microsecond=0)
        self._edited("start", value)

    def _duration_edited(self) -> None:
        if self._loading or self.document is None:
            return
        text = self.duration.text().strip()
        try:
            value = parse_offset(text) if text else None
        except TimecodeError as exc:
            self.document.notice.emit(f"duration: {exc}")
            self._field_changed("duration")
            return
        if value != self._value("duration"):
            self._edited("duration", value)

    def _check_emails(self) -> None:
        bad = invalid_emails(self.lines["emails"].text())
        edit = self.lines["emails"]
        if bad:
            edit.setStyleSheet("border: 2px solid #b00020")
            edit.setToolTip(tooltip(f"not an email address: {', '.join(bad)}"))
        else:
            edit.setStyleSheet("")
            edit.setToolTip("")

    def _render_preview(self, *_args: object) -> None:
        self.preview.show_markdown(self._value("description") or "")

    def _show_thumbnail(self, path: str) -> None:
        try:
            found = str(resolve(path, self.files_root)) if path else ""
        except OutsideRoot:
            found = ""
        pixmap = QPixmap(found) if found else QPixmap()
        if pixmap.isNull():
            self.thumbnail.setPixmap(QPixmap())
            self.thumbnail.setText("missing thumbnail" if path else "no thumbnail")
        else:
            self.thumbnail.setPixmap(
                pixmap.scaled(
                    self.thumbnail.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        self.thumbnail.setToolTip(tooltip(path))

    def _match_schedule(self) -> None:
        doc = self.document
        if doc is None:
            return
        first = self._cut_walls()[0]
        if first is None:
            doc.notice.emit("no applied cut with a known wall clock to take the time from")
            return
        doc.undo_stack.beginMacro("Set the scheduled time from the cuts")
        doc.set_field("start", first.replace(microsecond=0))
        doc.set_field("duration", round(doc.draft.cuts_time(), 2))
        doc.undo_stack.endMacro()

    def _show_title_warning(self, text: str) -> None:
        self.title_warning.setText(f"⚠ Title slide: {text}" if text else "")
        self.title_warning.setVisible(bool(text))
