"""The Sheets tab: the recording sheets of the open talk, zoomable, beside the video.

Lists the sheets linked to the talk, then the other sheets of its room-day (to link by
hand), shows the chosen one in a QGraphicsView (wheel or +/- to zoom, 0 to fit, drag to
pan) with its OCR text below, and imports new ones (button or drag and drop) into the
talk's room-day, linked to it. Database work, image decoding and OCR run on the
window's thread pool; only the finished QImage reaches the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QImage,
    QImageReader,
    QKeyEvent,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from veyedesk.config import Settings
from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.safe_text import plain_label, tooltip
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.media.ocr import OCR_OFF_MESSAGE, find_ocr
from veyedesk.model.recording import SheetOcr
from veyedesk.services.admin import (
    IMAGE_SUFFIXES,
    SheetImport,
    SheetInfo,
    episode_sheets,
    import_for_episode,
    link_sheet,
    ocr_lines,
    ocr_targets,
    read_sheets,
    store_ocr,
    unlink_sheet,
)
from veyedesk.services.identity import Identity

log = logging.getLogger(__name__)

ID_ROLE = Qt.ItemDataRole.UserRole + 1
# Said once per run: every import without tesseract would otherwise repeat it.
_ocr_off_said = False


_OCR_STATES = {
    SheetOcr.PENDING: "(reading the text…)",
    SheetOcr.OFF: "(no OCR text: tesseract is not installed)",
    SheetOcr.FAILED: "(OCR failed on this image)",
}


def _ocr_shown(sheet: SheetInfo) -> str:
    if sheet.ocr == SheetOcr.DONE:
        return sheet.text or "(OCR found no text)"
    return _OCR_STATES.get(SheetOcr(sheet.ocr), "")


def image_files(paths: Sequence[Path]) -> list[Path]:
    """The local files among `paths` that have an image file name."""
    return [p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]


def dropped_images(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    """Image files carried by a drag (local file URLs only)."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return image_files([Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()])


_ZOOM_KEYS = (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus, Qt.Key.Key_0)


class SheetViewer(QGraphicsView):
    """One sheet image: wheel or +/- zoom around the cursor, 0 fits, the hand pans."""

    ZOOM_STEP = 1.25

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sheet_viewer")
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._scene.addItem(self._item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(Qt.GlobalColor.darkGray)
        self.fitted = True

    def set_image(self, image: QImage | None) -> None:
        self._item.setPixmap(QPixmap() if image is None else QPixmap.fromImage(image))
        self._scene.setSceneRect(self._item.boundingRect())
        self.fit()

    @property
    def scale_factor(self) -> float:
        return self.transform().m11()

    def fit(self) -> None:
        self.fitted = True
        if not self._item.pixmap().isNull():
            self.fitInView(self._item, Qt.AspectRatioMode.KeepAspectRatio)

    def zoom(self, factor: float) -> None:
        new = self.scale_factor * factor
        if 0.02 <= new <= 16:  # from a whole A3 scan down to single pen strokes
            self.fitted = False
            self.scale(factor, factor)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(self.ZOOM_STEP**steps)
        event.accept()

    def event(self, event: QEvent) -> bool:
        # +, - and 0 are also the timeline's window shortcuts; with the sheet focused they
        # zoom the sheet, so the shortcut is overridden and the key press comes here.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in _ZOOM_KEYS
            and not event.modifiers()
            & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(self.ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom(1 / self.ZOOM_STEP)
        elif key == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fitted:
            self.fit()


class SheetsPanel(QWidget):
    """The open talk's recording sheets: list, zoomable view, OCR text, import and links."""

    message = Signal(str)  # for the status bar
    sheet_text_changed = Signal()  # OCR stored or links changed: the episode filter re-reads

    def __init__(
        self,
        sessions: SessionFactory,
        settings: Settings,
        identity: Identity,
        runner: BackgroundRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sheets_panel")
        self.sessions, self.settings, self.identity, self.runner = (
            sessions,
            settings,
            identity,
            runner,
        )
        self.episode_id: int | None = None
        self.sheets: list[SheetInfo] = []
        # A late answer for a previous talk (list) or a previous sheet (image) is dropped.
        self._list_generation = 0
        self._image_generation = 0
        self.setAcceptDrops(True)

        self.list = QListWidget()
        self.list.setObjectName("sheet_list")
        self.list.setIconSize(QSize(64, 48))
        self.list.currentRowChanged.connect(self._current_changed)
        self.viewer = SheetViewer()
        self.text = QPlainTextEdit()
        self.text.setObjectName("sheet_text")
        self.text.setReadOnly(True)
        self.text.setPlaceholderText("OCR text of the sheet (when tesseract is installed)")
        self.text.setMaximumHeight(90)
        self.caption = plain_label()
        self.caption.setObjectName("sheet_caption")
        self.caption.setWordWrap(True)

        self.attach_button = QPushButton("Attach sheets…")
        self.attach_button.setObjectName("attach_sheets")
        self.attach_button.setToolTip(
            "Photos or scans of this room's paper sheets; you can also drop them on the window"
        )
        self.attach_button.clicked.connect(self._choose_files)
        self.link_button = QPushButton("Link to this talk")
        self.link_button.setObjectName("link_sheet")
        self.link_button.clicked.connect(lambda: self._change_link(True))
        self.unlink_button = QPushButton("Unlink")
        self.unlink_button.setObjectName("unlink_sheet")
        self.unlink_button.clicked.connect(lambda: self._change_link(False))
        zoom_in, zoom_out, fit = QPushButton("+"), QPushButton("−"), QPushButton("Fit")
        for button, tip in ((zoom_in, "Zoom in (+)"), (zoom_out, "Zoom out (-)"), (fit, "Fit (0)")):
            button.setToolTip(tip)
            button.setMaximumWidth(44)
        zoom_in.clicked.connect(lambda: self.viewer.zoom(SheetViewer.ZOOM_STEP))
        zoom_out.clicked.connect(lambda: self.viewer.zoom(1 / SheetViewer.ZOOM_STEP))
        fit.clicked.connect(self.viewer.fit)

        buttons = QHBoxLayout()
        for w in (self.attach_button, self.link_button, self.unlink_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        # The zoom buttons sit by the caption, not in the row above: one row of six buttons
        # made the form dock too wide for a laptop's screen.
        caption_row = QHBoxLayout()
        caption_row.addWidget(self.caption, 1)
        for w in (zoom_in, zoom_out, fit):
            caption_row.addWidget(w)
        view_page = QWidget()
        view_layout = QVBoxLayout(view_page)
        view_layout.setContentsMargins(0, 0, 0, 0)
        view_layout.addLayout(caption_row)
        view_layout.addWidget(self.viewer, 1)
        view_layout.addWidget(self.text)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.list)
        split.addWidget(view_page)
        split.setStretchFactor(1, 4)
        split.setSizes([110, 500])
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)
        self._refresh_buttons()

    # -- loading ------------------------------------------------------------------------
    def set_episode(self, episode_id: int | None) -> None:
        """Show the sheets of a talk (None: nothing open)."""
        self.episode_id = episode_id
        self.sheets = []
        self.list.clear()
        self.viewer.set_image(None)
        self.text.clear()
        self.caption.setText("")
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        """Re-read the talk's sheets (off the GUI thread)."""
        self._list_generation += 1
        generation, episode_id = self._list_generation, self.episode_id
        self._refresh_buttons()
        if episode_id is None:
            return
        raw_root = self.settings.raw_root

        def load() -> list[SheetInfo]:
            with self.sessions() as session:
                return episode_sheets(session, episode_id, raw_root)

        self.runner.submit(
            load,
            lambda sheets: self._loaded(generation, sheets, select_id),
            self._failed,
        )

    def _loaded(self, generation: int, sheets: list[SheetInfo], select_id: int | None) -> None:
        if generation != self._list_generation:
            return
        self.sheets = sheets
        self.list.blockSignals(True)
        self.list.clear()
        for sheet in sheets:
            linked = self.is_linked(sheet)
            mark = "●" if linked else "○"
            item = QListWidgetItem(f"{mark} {sheet.label}")
            item.setData(ID_ROLE, sheet.id)
            talks = ", ".join(name for _, name in sheet.episodes) or "no talk"
            item.setToolTip(tooltip(f"{sheet.filename}\nlinked to: {talks}"))
            if not linked:
                item.setForeground(Qt.GlobalColor.gray)
            self.list.addItem(item)
        self.list.blockSignals(False)
        if sheets:
            ids = [s.id for s in sheets]
            self.list.setCurrentRow(ids.index(select_id) if select_id in ids else 0)
        else:
            self.caption.setText(
                "No recording sheets for this room and day yet: attach photos or scans, "
                "or drop them on the window."
            )
        self._current_changed(self.list.currentRow())
        self._load_thumbnails(generation, [s.path for s in sheets])

    def _load_thumbnails(self, generation: int, paths: list[Path]) -> None:
        size = self.list.iconSize()

        def decode() -> list[QImage]:
            images = []
            for path in paths:
                reader = QImageReader(str(path))
                reader.setAutoTransform(True)
                full = reader.size()
                if full.isValid():  # decode small: a phone photo is 12 megapixels
                    reader.setScaledSize(full.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
                images.append(reader.read())
            return images

        def shown(images: list[QImage]) -> None:
            if generation != self._list_generation:
                return
            for row, image in enumerate(images):
                item = self.list.item(row)
                if item is not None and not image.isNull():
                    item.setIcon(QIcon(QPixmap.fromImage(image)))

        self.runner.submit(decode, shown, self._failed)

    def is_linked(self, sheet: SheetInfo) -> bool:
        return any(i == self.episode_id for i, _ in sheet.episodes)

    def current(self) -> SheetInfo | None:
        row = self.list.currentRow()
        return self.sheets[row] if 0 <= row < len(self.sheets) else None

    def _current_changed(self, _row: int) -> None:
        sheet = self.current()
        self._refresh_buttons()
        if sheet is None:
            self._image_generation += 1  # an image still decoding is not shown any more
            self.viewer.set_image(None)
            self.text.clear()
            return
        talks = ", ".join(name for _, name in sheet.episodes) or "no talk yet"
        when = f"{sheet.taken:%H:%M:%S} ({sheet.taken_source})" if sheet.taken else "no time"
        self.caption.setText(f"{sheet.room_name} · {sheet.day} · {when} · linked to: {talks}")
        self.text.setPlainText(_ocr_shown(sheet))
        self._image_generation += 1
        generation, path = self._image_generation, sheet.path

        def decode() -> QImage:
            # QImage (unlike QPixmap) may be made off the GUI thread.
            reader = QImageReader(str(path))
            reader.setAutoTransform(True)  # a phone photo's EXIF rotation
            image = reader.read()
            if image.isNull():
                raise OSError(f"{path}: cannot show the image ({reader.errorString()})")
            return image

        def shown(image: QImage) -> None:
            if generation == self._image_generation:
                self.viewer.set_image(image)

        self.runner.submit(decode, shown, self._failed)

    def _refresh_buttons(self) -> None:
        can = self.identity.can("edit") and self.episode_id is not None
        sheet = self.current()
        self.attach_button.setEnabled(can)
        self.link_button.setEnabled(can and sheet is not None and not self.is_linked(sheet))
        self.unlink_button.setEnabled(can and sheet is not None and self.is_linked(sheet))

    def _failed(self, exc: Exception) -> None:
        self.message.emit(f"Sheets: {exc}")

    # -- importing ----------------------------------------------------------------------
    def _choose_files(self) -> None:
        patterns = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES))
        names, _ = QFileDialog.getOpenFileNames(
            self, "Attach recording sheets", "", f"Images ({patterns})"
        )
        if names:
            self.import_files([Path(n) for n in names])

    def import_files(self, paths: Sequence[Path]) -> None:
        """Import images as sheets of the open talk's room-day, linked to it."""
        episode_id = self.episode_id
        if episode_id is None:
            self.message.emit(
                "Open a talk first: sheets go to its room and day "
                "(or use `veyedesk sheets import --room R --day D`)"
            )
            return
        files = list(paths)
        raw_root, who = self.settings.raw_root, self.identity

        def work() -> SheetImport:
            with self.sessions() as session, session.begin():
                return import_for_episode(session, who, episode_id, files, raw_root)

        self.message.emit(f"Importing {len(files)} sheet(s)…")
        self.runner.submit(work, self._imported, self._failed)

    def _imported(self, result: SheetImport) -> None:
        global _ocr_off_said
        lines = [line for line in result.lines() if line != OCR_OFF_MESSAGE]
        self.message.emit("; ".join(lines) or "No sheets imported")
        first = result.added[0].id if result.added else None
        self.reload(select_id=first)
        self.sheet_text_changed.emit()
        if not result.added:
            return
        program = find_ocr()
        if program is None:
            if not _ocr_off_said:
                _ocr_off_said = True
                log.info(OCR_OFF_MESSAGE)
                self.message.emit(OCR_OFF_MESSAGE)
            return
        self.run_ocr([s.id for s in result.added], program)

    def run_ocr(self, sheet_ids: list[int], program: str) -> None:
        """Read the sheets' text in the background, store it, show it."""
        raw_root, who = self.settings.raw_root, self.identity

        def work() -> list[str]:
            with self.sessions() as session:
                targets = ocr_targets(session, raw_root, sheet_ids=sheet_ids)
            outcomes = read_sheets(targets, program)  # no transaction open while it reads
            with self.sessions() as session, session.begin():
                store_ocr(session, who, outcomes)
            return ocr_lines(outcomes)

        def done(lines: list[str]) -> None:
            self.message.emit("; ".join(lines) or "OCR found no text")
            shown = self.current()
            self.reload(select_id=shown.id if shown else None)
            self.sheet_text_changed.emit()

        self.runner.submit(work, done, self._failed)

    def _change_link(self, link: bool) -> None:
        sheet, episode_id = self.current(), self.episode_id
        if sheet is None or episode_id is None:
            return
        raw_root, who, sheet_id = self.settings.raw_root, self.identity, sheet.id

        def work() -> SheetInfo:
            with self.sessions() as session, session.begin():
                change = link_sheet if link else unlink_sheet
                return change(session, who, sheet_id, episode_id, raw_root)

        def done(info: SheetInfo) -> None:
            self.message.emit(
                f"Sheet {info.id} {'linked to' if link else 'unlinked from'} this talk"
            )
            self.reload(select_id=info.id)
            self.sheet_text_changed.emit()

        self.runner.submit(work, done, self._failed)

    # -- drag and drop ------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_images(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = dropped_images(event)
        if files:
            event.acceptProposedAction()
            self.import_files(files)
