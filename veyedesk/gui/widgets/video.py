"""The mpv video widget: libmpv's render API drawing into a QOpenGLWidget (DESIGN.md §4).

Never `wid=` embedding (breaks on Wayland). The render context is created in
`initializeGL` with `get_proc_address` from the current QOpenGLContext, draws at the
widget's size × devicePixelRatio, and is freed before mpv terminates (`shutdown`).
mpv calls `update_cb` and the player's event sink on its own threads: both only emit
signals, which Qt queues into the GUI thread.
"""

from __future__ import annotations

import locale
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QOpenGLContext
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QWidget

from veyedesk.player import Player
from veyedesk.player.libmpv import mpv

# mpv's audio outputs in order, every one but SDL: where no sound server answers (a venue
# laptop without PulseAudio, CI) mpv falls back to SDL, whose audio state is global to the
# process, and two players (the editor's shown and standby ones) each starting and stopping
# it hung at teardown, mpv's core joining SDL's hotplug thread. Names a platform's libmpv
# lacks are skipped; "null" plays silently rather than not at all.
AUDIO_OUTPUTS = "pipewire,pulse,alsa,jack,coreaudio,wasapi,null"


class PlayerEvents(QObject):
    """Carries the player's events from mpv's threads into the GUI thread."""

    happened = Signal(str, object)

    def sink(self, name: str, value: Any) -> None:
        # Runs on an mpv thread: only emit (a queued connection delivers it in the GUI thread).
        self.happened.emit(name, value)


def _get_proc_address(_ctx: Any, name: bytes) -> int:
    context = QOpenGLContext.currentContext()
    if context is None:
        return 0
    address = context.getProcAddress(name)
    return int(address or 0) if not isinstance(address, int) else address


class VideoWidget(QOpenGLWidget):
    """Shows the frames of a `Player` (created here with vo=libmpv)."""

    frame_ready = Signal()  # emitted from mpv's render thread, queued to update()
    render_failed = Signal(str)
    ready = Signal()  # the render context exists: files may be loaded now

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.events = PlayerEvents(self)
        locale.setlocale(locale.LC_NUMERIC, "C")
        self.player = Player(self.events.sink, vo="libmpv", ao=AUDIO_OUTPUTS)
        self._render: mpv.MpvRenderContext | None = None
        self._proc = mpv.MpvGlGetProcAddressFn(_get_proc_address)
        self.frame_ready.connect(self._schedule_paint, Qt.ConnectionType.QueuedConnection)
        self.setMinimumSize(160, 90)
        self.frames_drawn = 0
        self.is_ready = False

    def initializeGL(self) -> None:
        try:
            self._render = mpv.MpvRenderContext(
                self.player.mpv,
                "opengl",
                opengl_init_params={"get_proc_address": self._proc},
            )
        except Exception as exc:  # e.g. no usable GL (offscreen platform)
            self._render = None
            self.render_failed.emit(f"video preview unavailable: {exc}")
        else:
            self._render.update_cb = self.frame_ready.emit
        # mpv's libmpv video output only starts once a render context exists, so loading
        # waits for this (or for the failure, to at least play sound).
        self.is_ready = True
        self.ready.emit()

    @property
    def renders(self) -> bool:
        """True when the video shows pictures (a render context exists)."""
        return self._render is not None

    @Slot()
    def _schedule_paint(self) -> None:
        if self._render is not None:
            self.update()

    def paintGL(self) -> None:
        if self._render is None:
            return
        ratio = self.devicePixelRatioF()
        self._render.render(
            flip_y=True,
            opengl_fbo={
                "w": round(self.width() * ratio),
                "h": round(self.height() * ratio),
                "fbo": self.defaultFramebufferObject(),
            },
        )
        self.frames_drawn += 1

    def shutdown(self) -> None:
        """Free the render context (with our GL context current), then stop mpv."""
        if self._render is not None:
            self.makeCurrent()
            self._render.free()
            self._render = None
            self.doneCurrent()
        self.player.set_sink(None)
        self.player.close()


__all__ = ["PlayerEvents", "VideoWidget"]
