"""Windows that fit the screen they open on (a 1366x768 laptop included).

A window asks for the size it would like; it gets at most the screen's available geometry
(the taskbar left out) minus room for the window manager's frame and title bar. A geometry
remembered from a bigger screen (QSettings restoreGeometry) is clamped the same way, and
moved back onto the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# The frame and title bar a window manager adds around a window: availableGeometry does
# not count them, and a window as tall as the available height would lose its bottom edge.
FRAME = QSize(16, 64)


def available(widget: QWidget) -> QRect:
    """The available geometry of the screen `widget` is (or will be) shown on."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fitting(widget: QWidget, wanted: QSize) -> QSize:
    """`wanted`, made no bigger than the screen allows (frame included)."""
    room = available(widget).size() - FRAME
    return wanted.boundedTo(room).expandedTo(QSize(200, 150))


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize `widget` to width x height, or less on a smaller screen."""
    widget.resize(fitting(widget, QSize(width, height)))


def clamp_to_screen(widget: QWidget) -> None:
    """Shrink and move a (not maximised) window so it lies on its screen's available area."""
    if widget.isMaximized() or widget.isFullScreen():
        return
    area = available(widget)
    size = fitting(widget, widget.size())
    if size != widget.size():
        widget.resize(size)
    x = min(
        max(widget.x(), area.left()), max(area.left(), area.right() - size.width() - FRAME.width())
    )
    y = min(
        max(widget.y(), area.top()), max(area.top(), area.bottom() - size.height() - FRAME.height())
    )
    if (x, y) != (widget.x(), widget.y()):
        widget.move(x, y)


def restore_geometry(widget: QWidget, saved: QByteArray) -> bool:
    """`restoreGeometry`, then clamped to this screen (it may have been saved on a bigger one)."""
    ok = widget.restoreGeometry(saved)
    clamp_to_screen(widget)
    return ok
