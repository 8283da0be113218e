"""The talk's title slide as the encode will draw it, re-rendered as its text changes.

Typing in Title, Speakers or Licence (or choosing the talk's own title image) restarts a
short timer; when it runs out the slide is rendered off the GUI thread by
`services.title_proofs` (the encode's template and wrapping, at preview size). A result
that arrives after a newer edit is dropped. When the text had to be shrunk, cut short or
lost characters, a warning says which field and how, here and beside the Title field.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.encode.proofs import RenderedSlide
from veyedesk.gui.document.editable import EditorDocument
from veyedesk.gui.widgets.safe_text import plain_label, tooltip
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.model.shared_files import to_stored
from veyedesk.services.encoding import SLIDE_FIELDS
from veyedesk.services.publishing import preview_source, render_preview

DEBOUNCE_MS = 400
WARNING_STYLE = "color: #b00020; font-weight: bold"


class SlideView(QLabel):
    """A 16:9 picture that fits its width (kept whole, never cropped, as the dock resizes)."""

    def __init__(self) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.source = QPixmap()
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumSize(240, 135)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width * 9 // 16

    def show_pixmap(self, pixmap: QPixmap) -> None:
        self.source = pixmap
        self._fit()

    def clear_picture(self, text: str) -> None:
        self.source = QPixmap()
        self.setPixmap(QPixmap())
        self.setText(text)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self.source.isNull():
            return
        self.setPixmap(
            self.source.scaled(
                self.contentsRect().size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )


class TitlePreview(QWidget):
    """Shows the open talk's title slide and what did not fit; picks its own title image."""

    warning_changed = Signal(str)  # "" when the slide came out as designed
    rendered = Signal()  # a new picture (or failure) is shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("title_preview")
        self.sessions: SessionFactory | None = None
        self.files_root = ""
        self.runner: BackgroundRunner | None = None
        self.document: EditorDocument | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="veyedesk-title-")
        self._generation = itertools.count(1)
        self._latest = 0
        self.warning = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.render_now)

        self.image = SlideView()
        self.image.setText("no episode open")
        self.image.setObjectName("title_preview_image")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setStyleSheet("border: 1px solid #aaa; color: #777")
        self.warning_label = plain_label()
        self.warning_label.setObjectName("title_preview_warning")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(WARNING_STYLE)
        self.source_label = plain_label()
        self.source_label.setObjectName("title_preview_source")
        self.source_label.setWordWrap(True)
        self.source_label.setStyleSheet("color: #555")
        self.choose_button = QPushButton("Own title image…")
        self.choose_button.setObjectName("title_image_button")
        self.choose_button.setToolTip(
            "This talk's own title slide: an SVG template or a ready PNG/JPEG "
            "(Veyepar's custom/titles/<slug>); the encode uses it instead of the client's"
        )
        self.choose_button.clicked.connect(self._choose)
        self.clear_button = QPushButton("Use the client's template")
        self.clear_button.setObjectName("title_image_clear")
        self.clear_button.clicked.connect(lambda: self.set_title_image(""))
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.image)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.source_label)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._show_warning("")
        self._refresh_buttons()

    def attach(
        self, sessions: SessionFactory, runner: BackgroundRunner, files_root: str = ""
    ) -> None:
        """Where the preview reads the episode (a session per render) and runs its work;
        `files_root` is what stored title image paths are relative to (Settings.files_root)."""
        self.sessions = sessions
        self.runner = runner
        self.files_root = files_root
        self.schedule()

    def set_document(self, document: EditorDocument | None) -> None:
        """Follow this episode's edits (None: nothing open)."""
        if self.document is not None:
            self.document.field_changed.disconnect(self._field_changed)
        self.document = document
        self._latest = next(self._generation)  # whatever is in flight is for another talk
        if document is not None:
            document.field_changed.connect(self._field_changed)
            self.image.setText("rendering the title slide…")
            self.schedule()
        else:
            self._timer.stop()
            self.image.clear_picture("no episode open")
            self._show_warning("")
            self.source_label.setText("")
        self._refresh_buttons()

    def refresh_read_only(self) -> None:
        self._refresh_buttons()

    def _refresh_buttons(self) -> None:
        doc = self.document
        editable = doc is not None and not doc.read_only
        own = bool(doc.draft.fields.get("title_image")) if doc is not None else False
        self.choose_button.setEnabled(editable)
        self.clear_button.setEnabled(editable and own)

    def _field_changed(self, name: str) -> None:
        if name in SLIDE_FIELDS:
            self.schedule()
        if name == "title_image":
            self._refresh_buttons()

    def schedule(self) -> None:
        """Render again once the typing pauses (DEBOUNCE_MS)."""
        if self.document is not None and self.sessions is not None:
            self._timer.start()

    def render_now(self) -> None:
        """Start rendering the current draft's slide in the background."""
        self._timer.stop()
        doc, sessions, runner = self.document, self.sessions, self.runner
        if doc is None or sessions is None or runner is None:
            return
        generation = self._latest = next(self._generation)
        episode_id = doc.draft.episode_id
        draft: dict[str, Any] = {k: doc.draft.fields.get(k) for k in SLIDE_FIELDS}
        png = Path(self._folder.name) / f"title-{generation}.png"
        root = self.files_root

        def work() -> RenderedSlide:
            with sessions() as session:
                source = preview_source(session, episode_id, draft, root)
            # The session is closed before ffmpeg runs: rendering needs no database.
            return render_preview(source, png)

        runner.submit(
            work,
            lambda slide: self._rendered(generation, slide),
            lambda exc: self._failed(generation, exc),
        )

    def _rendered(self, generation: int, slide: RenderedSlide) -> None:
        if generation != self._latest:
            return  # a newer edit is being rendered
        if slide.png is not None:
            self.image.show_pixmap(QPixmap(str(slide.png)))
            slide.png.unlink(missing_ok=True)
            slide.png.with_suffix(".svg").unlink(missing_ok=True)
        else:
            self.image.clear_picture("the title slide could not be drawn")
        own = self.document.draft.fields.get("title_image") if self.document else ""
        self.source_label.setText(
            f"This talk's own title: {own}" if own else "The client's title template"
        )
        self.source_label.setToolTip(tooltip(str(own or "")))
        self._show_warning(slide.warning())
        self.rendered.emit()

    def _failed(self, generation: int, exc: Exception) -> None:
        if generation != self._latest:
            return
        self.image.clear_picture("the title slide could not be drawn")
        self._show_warning(str(exc))
        self.rendered.emit()

    def _show_warning(self, text: str) -> None:
        self.warning = text
        self.warning_label.setText(f"⚠ Does not fit as designed: {text}" if text else "")
        self.warning_label.setVisible(bool(text))
        self.warning_changed.emit(text)

    def _choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "This talk's title slide", "", "Title slides (*.svg *.png *.jpg *.jpeg)"
        )
        if path:
            self.set_title_image(to_stored(path, self.files_root))

    def set_title_image(self, path: str) -> None:
        """Use `path` as this talk's own title slide ("" = the client's template); undoable.

        `path` as stored (model.shared_files): relative to the shared files root when the
        file is under it, so every machine finds it.
        """
        if self.document is not None:
            label = "Choose the title image" if path else "Use the client's title template"
            self.document.set_field("title_image", path, label)

    def shutdown(self) -> None:
        self._timer.stop()
        self._latest = next(self._generation)
        self._folder.cleanup()
