"""Text from schedules and users on screen: plain text, never Qt rich text.

Qt guesses: a QLabel, QMessageBox or tooltip whose text *looks* like HTML is rendered as
HTML, and rendering `<img src="/dev/zero">` reads that file until memory runs out
(std::bad_alloc, the editor gone). Titles, speakers, descriptions, URLs, file names and
error messages quoting them therefore go through these helpers:

- `plain_label` / `make_plain`: labels that show their text as typed.
- `ElidedLabel`: a plain label that shrinks with its window, eliding, its whole text in the
  tooltip.
- `message_box` / `warn` / `ask`: message boxes whose text is plain.
- `tooltip`: tooltips cannot be told "plain", so the text is escaped inside a tag.
- `window_title`: window titles are plain, but "[*]" is Qt's unsaved-changes marker.
- `link_html`: the one place a schedule value becomes a link (http/https only, escaped);
  `wrap=True` lets a long URL break after its slashes and dots (the link itself unchanged).
- `WrappedText`: plain text, selectable, that wraps anywhere a long token (an id, a hash in
  an error) needs it instead of widening its window.
- `MarkdownPreview`: the description preview; Markdown without raw HTML, and a document
  that loads no resource at all (no file, no network), images included.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QByteArray, QSize, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetrics,
    QImage,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextDocument,
    QTextOption,
)
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QTextBrowser,
    QTextEdit,
    QWidget,
)

Button = QMessageBox.StandardButton


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that shows `text` exactly, whatever it contains."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


_DRAWABLE: dict[tuple[str, int], bool] = {}  # (font family, code point) -> some font has it


def _drawable(char: str, font: QFont) -> bool:
    code = ord(char)
    if code < 0x2000:  # Latin, Greek, Cyrillic and the like: every desktop font has them
        return True
    key = (font.family(), code)
    if key not in _DRAWABLE:
        found = QFontMetrics(font).inFontUcs4(code) or any(
            QFontMetrics(QFont(family)).inFontUcs4(code) for family in QFontDatabase.families()
        )
        _DRAWABLE[key] = found
    return _DRAWABLE[key]


def drawable_text(text: str, font: QFont) -> str:
    """`text` without the characters no installed font can draw (an emoji without an emoji
    font would show as an empty box); for hints whose whole text is in a tooltip."""
    return "".join(c for c in text if _drawable(c, font)).replace("  ", " ")


class ElidedLabel(QLabel):
    """A plain-text label that fits any width: the text ends in "…" where it does not fit
    and the tooltip holds all of it. `text()` stays the whole text.

    `sizeHint` is the whole text up to `widest` pixels, so a long title does not make its
    toolbar or window wider than a laptop's screen.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, widest: int = 420):
        super().__init__(parent)
        self.widest = widest
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)

    def setText(self, text: str, /) -> None:
        super().setText(text)
        self.setToolTip(tooltip(text))

    def shown_text(self) -> str:
        """What is drawn: the drawable characters, elided to the label's width."""
        shown = drawable_text(self.text(), self.font())
        return self.fontMetrics().elidedText(
            shown, Qt.TextElideMode.ElideRight, max(0, self.contentsRect().width())
        )

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), self.widest), hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        least = self.fontMetrics().horizontalAdvance("MMMMM…") + 8
        return QSize(min(hint.width(), least), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(self.alignment()),
            self.palette(),
            self.isEnabled(),
            self.shown_text(),
            self.foregroundRole(),
        )


def make_plain(*labels: QLabel) -> None:
    """Switch existing labels to plain text (before any schedule text reaches them)."""
    for label in labels:
        label.setTextFormat(Qt.TextFormat.PlainText)


def escape(text: str) -> str:
    """`text` as HTML that reads exactly as given (line breaks kept)."""
    return html.escape(text, quote=True).replace("\n", "<br>")


def tooltip(text: str) -> str:
    """A tooltip that reads exactly `text`.

    Qt decides per tooltip whether it is rich text and offers no switch, so the text is
    escaped and wrapped in a tag: always rich, never interpreted.
    """
    if not text:
        return ""
    return f"<p style='white-space:pre-wrap'>{escape(text)}</p>"


def window_title(text: str) -> str:
    """`text` for setWindowTitle: Qt turns "[*]" into the modified marker; "[*][*]" reads "[*]"."""
    return text.replace("[*]", "[*][*]")


def link_label(name: str) -> QLabel:
    """A label that shows one link: fill it only with `link_html` (escaped, http/https)."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setObjectName(name)
    label.setOpenExternalLinks(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    return label


def bold_label(text: str) -> QLabel:
    """A plain-text heading in bold (no markup, so nothing in `text` is interpreted)."""
    label = plain_label(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


BREAK_AFTER = frozenset("/.-_?&=")
ZERO_WIDTH_SPACE = "\u200b"


def link_html(url: str, *, wrap: bool = False) -> str:
    """Rich text for a label: a link when `url` is http(s), else the escaped text, no link.

    `wrap`: the shown text may break after `/ . - _ ? & =` (a zero-width space there), so
    a long URL wraps in a narrow panel; the link (href) is the URL as given.
    """
    shown = "".join(c + ZERO_WIDTH_SPACE if c in BREAK_AFTER else c for c in url) if wrap else url
    scheme = QUrl(url).scheme().lower()
    if scheme in ("http", "https"):
        return f'<a href="{html.escape(url, quote=True)}">{escape(shown)}</a>'
    return escape(shown)


class WrappedText(QTextEdit):
    """Read-only plain text (`setPlainText`, never interpreted) as tall as its text, which
    wraps at word boundaries or, for a token wider than the widget, anywhere: a long id or
    hash in an error message neither widens the window nor is cut off. Selectable."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().setDocumentMargin(0)
        self.viewport().setAutoFillBackground(False)
        self.setPlainText(text)
        self._fit()

    def text(self) -> str:
        return self.toPlainText()

    def _fit(self) -> None:
        self.document().setTextWidth(max(1, self.viewport().width()))
        height = int(self.document().size().height() + 0.999) + 2 * self.frameWidth()
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("MMMMM"), self.height())

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("M" * 30), self.height())


def message_box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    informative: str = "",
    buttons: Button = Button.Ok,
) -> QMessageBox:
    """A QMessageBox whose text and informative text are plain (not shown yet)."""
    box = QMessageBox(icon, window_title(title), "", buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # also the informative text's format
    box.setText(text)
    if informative:
        box.setInformativeText(informative)
    return box


def warn(parent: QWidget | None, title: str, text: str) -> None:
    """QMessageBox.warning with plain text."""
    message_box(parent, QMessageBox.Icon.Warning, title, text).exec()


def critical(parent: QWidget | None, title: str, text: str) -> None:
    """QMessageBox.critical with plain text."""
    message_box(parent, QMessageBox.Icon.Critical, title, text).exec()


def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: Button = Button.Yes | Button.No,
    default: Button = Button.NoButton,
) -> Button:
    """QMessageBox.question with plain text; returns the button clicked."""
    box = message_box(parent, QMessageBox.Icon.Question, title, text, buttons=buttons)
    if default != Button.NoButton:
        box.setDefaultButton(default)
    return Button(box.exec())


def _placeholder() -> QImage:
    # A valid image, so Qt's image handler takes it: given nothing, it would fall back to
    # reading the file named in the document itself.
    image = QImage(1, 1, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    return image


class InertDocument(QTextDocument):
    """A text document that never loads a resource (image, style sheet, file or URL)."""

    asked: list[str]

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.asked = []  # URLs it was asked for and did not load (tests read it)

    def loadResource(self, kind: int, name: QUrl | str, /) -> Any:
        self.asked.append(name.toString() if isinstance(name, QUrl) else name)
        if getattr(kind, "value", kind) == QTextDocument.ResourceType.ImageResource.value:
            return _placeholder()
        return QByteArray()


class MarkdownPreview(QTextBrowser):
    """Renders a description's Markdown: no raw HTML, no resources, links not followed."""

    FEATURES = QTextDocument.MarkdownFeature(
        QTextDocument.MarkdownFeature.MarkdownDialectGitHub.value
        | QTextDocument.MarkdownFeature.MarkdownNoHTML.value
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inert = InertDocument(self)
        self.setDocument(self.inert)
        # A click would make the browser load the target into itself (reading local files).
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)

    def show_markdown(self, text: str) -> None:
        self.inert.setMarkdown(text, self.FEATURES)

    def loadResource(self, kind: int, name: QUrl | str, /) -> Any:
        return self.inert.loadResource(kind, name)
