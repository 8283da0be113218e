"""A window that plays one of a talk's encodes (any state, any profile) with veyedesk's player.

Opened from the editor (Go ▸ Play encode…, or the form's Play encode button) so an editor
can check a finished file without going through Review. Several profiles: a box picks
which file plays. mpv runs in its own VideoWidget here, so the editor's raw timeline,
cuts and playhead stay as they were.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from veyedesk.encode.plan import poster_time
from veyedesk.gui.widgets.safe_text import plain_label, window_title
from veyedesk.gui.widgets.screen_fit import fit_to_screen
from veyedesk.gui.widgets.video import VideoWidget
from veyedesk.model.timecode import format_offset
from veyedesk.player.timeline import Source, Timeline
from veyedesk.services.publishing import EncodedFile

SLIDER_STEPS = 1000


class EncodePlayer(QWidget):
    """Plays a talk's encoded files; the profile box switches between them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("encode_player")
        fit_to_screen(self, 960, 620)  # or less on a small screen
        self.files: list[EncodedFile] = []
        self.current: EncodedFile | None = None
        self.video = VideoWidget(self)
        self.video.events.happened.connect(self._player_event)
        self.profile_box = QComboBox()
        self.profile_box.setObjectName("encode_profile")
        self.profile_box.currentIndexChanged.connect(self._profile_chosen)
        self.play_button = QPushButton()
        self.play_button.setObjectName("encode_play")
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.setShortcut("Space")
        self.play_button.clicked.connect(lambda: self.video.player.toggle_pause())
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("encode_position")
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.sliderMoved.connect(self._slider_moved)
        self.time_label = plain_label("—")
        self.time_label.setObjectName("encode_time")
        self.file_label = plain_label()
        self.file_label.setObjectName("encode_file")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time_label)
        controls.addWidget(self.profile_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.video, 1)
        layout.addLayout(controls)
        layout.addWidget(self.file_label)

    def play_files(self, title: str, files: list[EncodedFile], profile: str = "") -> None:
        """Show the talk's encodes; start with `profile` (else the first), paused on the
        title (the play button or Space plays)."""
        self.files = list(files)
        self.setWindowTitle(window_title(f"Encode of {title}"))
        self.profile_box.blockSignals(True)
        self.profile_box.clear()
        for item in self.files:
            self.profile_box.addItem(f"{item.profile} ({item.size / 1e6:.1f} MB)", item.profile)
        self.profile_box.setVisible(len(self.files) > 1)
        index = max(0, self.profile_box.findData(profile))
        self.profile_box.setCurrentIndex(index)
        self.profile_box.blockSignals(False)
        self._open(index)

    def _profile_chosen(self, index: int) -> None:
        if 0 <= index < len(self.files):
            self._open(index)

    def _open(self, index: int) -> None:
        if not self.files:
            return
        item = self.files[index]
        self.current = item
        self.file_label.setText(str(item.path))
        timeline = Timeline([Source(0, item.path, None, item.duration, item.fps)])
        start = poster_time(item.duration)  # past the title's fade-in: frame 0 is black
        if self.video.is_ready:
            self.video.player.open(timeline, start)
        else:

            def go() -> None:
                self.video.ready.disconnect(go)
                if self.current is item:
                    self.video.player.open(timeline, start)

            self.video.ready.connect(go)
        self._show_position(start)

    def _slider_moved(self, value: int) -> None:
        if self.current is not None and self.current.duration > 0:
            self.video.player.seek(self.current.duration * value / SLIDER_STEPS, exact=False)

    def _player_event(self, name: str, value: Any) -> None:
        if name == "position" and isinstance(value, int | float):
            self._show_position(float(value))
        elif name == "pause":
            icon = (
                QStyle.StandardPixmap.SP_MediaPlay if value else QStyle.StandardPixmap.SP_MediaPause
            )
            self.play_button.setIcon(self.style().standardIcon(icon))

    def _show_position(self, seconds: float) -> None:
        item = self.current
        if item is None:
            return
        self.time_label.setText(
            f"{format_offset(seconds, item.fps)} / {format_offset(item.duration, item.fps)}"
        )
        if item.duration > 0 and not self.slider.isSliderDown():
            self.slider.setValue(round(SLIDER_STEPS * seconds / item.duration))

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing hides the window and pauses: mpv cannot restart inside a VideoWidget."""
        if not self.video.player.closed:
            self.video.player.pause()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop mpv for good (the editor window is closing)."""
        if not self.video.player.closed:
            self.video.shutdown()
        self.close()
