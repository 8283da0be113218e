"""The player panel: video, transport and timeline for one episode, driven from the keyboard.

Hosts (the standalone `veyedesk play` window and the editor window) load an
EpisodeDocument into it; every cut edit goes through that document, so the keyboard, the
timeline and the cut table share one undo history. What each key does is
`gui/player/actions.py`; which keys do it is `keymap.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedLayout,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from veyedesk.gui.document.episode import EpisodeDocument
from veyedesk.gui.player.actions import PlayerActions
from veyedesk.gui.player.keyboard_help import KeyboardHelp
from veyedesk.gui.player.keymap import KEYMAP
from veyedesk.gui.player.timeline import TimelineWidget
from veyedesk.gui.player.timeline_media import TimelineMedia
from veyedesk.gui.widgets.safe_text import plain_label
from veyedesk.gui.widgets.video import VideoWidget
from veyedesk.model.cuts import fps_or_default
from veyedesk.model.timecode import (
    format_offset,
    format_wall,
)
from veyedesk.player import Source, Timeline
from veyedesk.services.editing import EpisodeDraft

POSITION_HZ = 30


@dataclass(frozen=True)
class PlayheadPosition:
    """Where the playhead is: raw file + offset, wall clock, and player timeline seconds."""

    raw_file_id: int | None
    offset: float
    wall: datetime | None
    timeline: float


# How long `after_picture` waits for a talk's first picture, `after_repaint` for a repaint.
PICTURE_WAIT_MS = 500
REPAINT_WAIT_MS = 150


class PlayerPanel(PlayerActions):
    """Video + transport + timeline for one episode."""

    position_changed = Signal(object)  # PlayheadPosition, at most POSITION_HZ times a second
    mark_requested = Signal(object)  # datetime: the host persists it, then calls set_marks()
    notice = Signal(str)  # status-bar text (clamps, refusals, errors)

    def __init__(self, parent: QWidget | None = None, *, standby: bool = False) -> None:
        super().__init__(parent)
        self.document: EpisodeDocument | None = None
        self.timeline = Timeline([])
        self.marks: list[datetime] = []
        self.video = VideoWidget(self)
        self.player = self.video.player
        # A second player, behind the first, holds the talk likely opened next (the
        # selected line or Save and next's target), opened and decoded at its in point:
        # showing it is swapping the two. One prepared talk at most, so memory stays flat.
        # Only hosts that `prepare` ask for it (the editor): a second mpv costs memory.
        self.standby: VideoWidget | None = VideoWidget(self) if standby else None
        self._prepared: tuple[Any, float] | None = None  # (segments, in point) on standby
        # Work that waits until the shown talk's exact frame is up, so its decode has the
        # cores to itself: the standby's next talk, the timeline's peaks and thumbnails.
        self._after_exact: dict[str, Callable[[], None]] = {}
        # `after_picture` work waiting for the picture of a talk mpv is opening.
        self._awaiting_picture = False
        self._picture_waiters: list[Callable[[], None]] = []
        self._standby_start: float | None = None  # waiting for the standby's GL context
        self._standby_timeline = Timeline([])
        self._screens = QStackedLayout()
        # Both stay visible (the standby covered): a hidden QOpenGLWidget gets no GL
        # context, and mpv's libmpv output decodes nothing without one.
        self._screens.setStackingMode(QStackedLayout.StackingMode.StackAll)
        if self.standby is not None:
            self._screens.addWidget(self.standby)
            self.standby.ready.connect(self._standby_ready)
        self._screens.addWidget(self.video)
        self._screens.setCurrentWidget(self.video)
        self.timeline_view = TimelineWidget(self)
        self.media = TimelineMedia(self)
        self.actions_by_name: dict[str, QAction] = {}
        self._dirty_position = False
        self._pending_start: float | None = None
        # (segments, in point) of what `preview` opened, until `load` takes it over.
        self._previewed: tuple[Any, float] | None = None
        self._last_sent: PlayheadPosition | None = None
        # Fit the timeline to the talk again on each resize until the user zooms or scrolls:
        # a window loads its episode before it is laid out, when the timeline is still a
        # hundred pixels wide, and a fit at that width is half an hour at full width.
        self._fit_pending = False

        self.position_label = plain_label("—", self)  # shows the raw file's name
        self.position_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A long file name is cut at the right rather than widening the window past a
        # laptop's screen (the timecode comes first and stays).
        self.position_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.speed_label = QLabel("", self)
        transport = QHBoxLayout()
        transport.setContentsMargins(4, 0, 4, 0)
        pixmap = QStyle.StandardPixmap
        for icon, action, tip in (
            (pixmap.SP_MediaSkipBackward, "prev_boundary", "Previous boundary ( [ )"),
            (pixmap.SP_MediaSeekBackward, "shuttle_back", "Shuttle back (J)"),
            (pixmap.SP_MediaPlay, "play_pause", "Play / pause (Space, K)"),
            (pixmap.SP_MediaSeekForward, "shuttle_forward", "Shuttle forward (L)"),
            (pixmap.SP_MediaSkipForward, "next_boundary", "Next boundary ( ] )"),
            (pixmap.SP_BrowserReload, "loop", "Loop in to out ( \\ )"),
        ):
            button = QToolButton(self)
            button.setIcon(self.style().standardIcon(icon))
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(self._handler(action))
            transport.addWidget(button)
        transport.addSpacing(12)
        transport.addWidget(self.position_label, 1)
        transport.addWidget(self.speed_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self._screens, 1)
        layout.addLayout(transport)
        layout.addWidget(self.timeline_view)

        self.video.events.happened.connect(self._on_player_event)
        self.video.render_failed.connect(self.notice)
        self.timeline_view.seek_requested.connect(self._on_timeline_seek)
        self.timeline_view.installEventFilter(self)
        self.media.peaks_ready.connect(self.timeline_view.set_peaks)
        self.media.thumbs_ready.connect(self.timeline_view.set_thumbs)
        self.media.failed.connect(lambda _id, message: self.notice.emit(message))
        self._tick = QTimer(self)
        self._tick.setInterval(1000 // POSITION_HZ)
        self._tick.timeout.connect(self._flush_position)
        self._tick.start()

    # -- loading ----------------------------------------------------------------------
    @staticmethod
    def _media(draft: EpisodeDraft) -> tuple[Timeline, float]:
        """The draft's usable raw files as one timeline, and its first cut's in point on it."""
        sources = [
            Source(
                r.id,
                r.path,
                r.start,
                float(r.media_duration if r.media_duration is not None else r.duration or 0.0),
                r.fps,
                media_offset=r.media_offset,
            )
            for r in draft.raw_files.values()
            if r.usable
        ]
        timeline = Timeline(sources)
        start = 0.0
        for cut in draft.cuts:
            at = timeline.to_timeline(cut.raw_file_id, draft.cut_bounds(cut)[0])
            if at is not None:
                start = at
                break
        return timeline, start

    def preview(self, draft: EpisodeDraft) -> None:
        """Show a talk's first picture before its document is here (`load` follows).

        Only the video: `load` with a document on the same files and in point keeps what
        mpv has opened (and decoded) by then instead of opening it again. A talk `prepare`d
        on the standby player is shown by swapping the players (its frame is decoded).
        """
        self.unload()
        timeline, start = self._media(draft)
        self.timeline = timeline
        self._previewed = (timeline.segments, start)
        if self._prepared is not None and self._prepared == self._previewed:
            self._swap()
        else:
            self._open_when_ready(start)

    def prepare(self, draft: EpisodeDraft) -> None:
        """Open a talk on the standby player at its in point, ready for `preview`."""
        if self.standby is None:
            return
        timeline, start = self._media(draft)
        key = (timeline.segments, start)
        if key == self._prepared or key == self._previewed or not timeline:
            return
        self._prepared = key
        standby = self.standby

        def go() -> None:
            if self._prepared != key or standby.player.closed:
                return  # swapped in or replaced meanwhile, or the window closed
            if standby.is_ready:
                standby.player.open(timeline, start)
            else:
                self._standby_start = start
                self._standby_timeline = timeline

        self._when_settled("prepare", go)

    def _when_settled(self, kind: str, work: Callable[[], None]) -> None:
        """Run `work` now, or once the shown talk's exact frame is up (newest per kind)."""
        # Without a picture (no GL) no exact frame is ever reported: nothing waits.
        if self.player.settled or (self.video.is_ready and not self.video.renders):
            self._after_exact.pop(kind, None)
            work()
        else:
            self._after_exact[kind] = work

    def _settled(self) -> None:
        waiting, self._after_exact = self._after_exact, {}
        for work in waiting.values():
            work()

    def _standby_ready(self) -> None:
        if self.standby is not None and self._standby_start is not None:
            self.standby.player.open(self._standby_timeline, self._standby_start)
            self._standby_start = None

    def _swap(self) -> None:
        old, new = self.video, self.standby
        assert new is not None  # only a prepared talk is swapped in
        old.events.happened.disconnect(self._on_player_event)
        old.render_failed.disconnect(self.notice)
        new.events.happened.connect(self._on_player_event)
        new.render_failed.connect(self.notice)
        self.video, self.standby = new, old
        self.player = new.player
        self._screens.setCurrentWidget(new)
        # The talk left behind is not kept: one prepared talk at most.
        old.player.open(Timeline([]))
        self._prepared = None
        self._standby_start = None
        self._dirty_position = True
        self._picture_up()  # the swapped-in talk's picture is decoded

    def load(
        self,
        document: EpisodeDocument,
        marks: Sequence[datetime] = (),
        scheduled: tuple[datetime | None, datetime | None] = (None, None),
    ) -> None:
        """Open the document's usable raw files as one timeline at the first cut's in point."""
        draft = document.draft
        timeline, start = self._media(draft)
        # The same media as the preview: mpv is already opening it (or showing it).
        keep = self._previewed == (timeline.segments, start)
        self.unload(keep_player=keep)
        self.document = document
        skipped = [r.filename for r in draft.raw_files.values() if not r.usable]
        if skipped:
            self.notice.emit(f"not shown (missing or unreadable): {', '.join(skipped)}")
        self.timeline = timeline
        self.timeline_view.set_episode(document, self.timeline, scheduled)  # fits the talk
        self._fit_pending = True
        self.set_marks(marks)
        if not keep:
            self._open_when_ready(start)
        self.timeline_view.set_playhead(start)
        # Not waited for: the GUI thread must not stall while mpv opens and seeks.
        self._apply_field("channelcopy", wait=False)
        self._apply_field("av_offset_ms", wait=False)
        document.field_changed.connect(self._apply_field)
        document.notice.connect(self.notice)
        self._dirty_position = True
        # The talk's files first, so the part the editor looks at fills in first.
        used = {c.raw_file_id for c in draft.cuts}
        order = sorted(self.timeline.segments, key=lambda s: s.raw_file_id not in used)
        files = [(s.raw_file_id, s.source.path, s.source.duration) for s in order]
        self._when_settled("media", lambda: self.media.start(files))

    def after_picture(self, work: Callable[[], None]) -> None:
        """Run `work` once the talk's picture is on screen and the window repainted.

        For work that would slow that picture down: Python work on another thread takes
        the interpreter lock from the GUI thread while it paints the window. A talk mpv is
        still opening is waited for (at most PICTURE_WAIT_MS), then the next repaint.
        """
        if not self.video.renders:
            QTimer.singleShot(0, work)
        elif self._awaiting_picture:
            self._picture_waiters.append(work)
            QTimer.singleShot(PICTURE_WAIT_MS, self, self._picture_up)  # none came in time
        else:
            self.after_repaint(work)

    def after_repaint(self, work: Callable[[], None]) -> None:
        """Run `work` once the window's last change is on screen (at most REPAINT_WAIT_MS)."""
        video = self.video
        if not video.renders:
            QTimer.singleShot(0, work)
            return
        done = False

        def once() -> None:
            nonlocal done
            if done:
                return
            done = True
            video.frameSwapped.disconnect(once)
            work()

        video.frameSwapped.connect(once)
        # No repaint came (a covered window). Tied to the panel: gone with the window,
        # whose closing runs what still waits (EpisodeSession.release).
        QTimer.singleShot(REPAINT_WAIT_MS, self, once)

    def _picture_up(self) -> None:
        self._awaiting_picture = False
        waiting, self._picture_waiters = self._picture_waiters, []
        for work in waiting:
            self.after_repaint(work)

    def _open_when_ready(self, start: float) -> None:
        self._awaiting_picture = bool(self.timeline)
        if self.video.is_ready:
            self.player.open(self.timeline, start)
            return
        self._pending_start = start
        self.player._position = start

        def go() -> None:
            self.video.ready.disconnect(go)
            if self._pending_start is not None:
                self.player.open(self.timeline, self._pending_start)
                self._pending_start = None

        self.video.ready.connect(go)

    def unload(self, *, keep_player: bool = False) -> None:
        self.media.cancel(wait=0)  # closing the window (shutdown) waits for ffmpeg
        if self.document is not None:
            self.document.field_changed.disconnect(self._apply_field)
            self.document.notice.disconnect(self.notice)
        self.document = None
        self._previewed = None
        self._after_exact.pop("media", None)
        if not keep_player:
            self._picture_up()  # no picture is coming: what waits for one goes on
            self._pending_start = None
            self.timeline = Timeline([])
            self.player.open(self.timeline)
        self.timeline_view.set_episode(None, Timeline([]))

    def shutdown(self) -> None:
        """Stop background work and mpv (render context first). The host calls it on close."""
        self._tick.stop()
        self._after_exact.clear()
        self.media.cancel()
        self.video.shutdown()
        if self.standby is not None:
            self.standby.shutdown()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.timeline_view and self._fit_pending:
            kind = event.type()
            if kind in (QEvent.Type.Wheel, QEvent.Type.MouseButtonPress):
                self._fit_pending = False  # the user takes the view over
            elif kind in (QEvent.Type.Resize, QEvent.Type.Show):
                self.timeline_view.fit_talk()  # the new width is set before the event
        return super().eventFilter(watched, event)

    def _apply_field(self, name: str, *, wait: bool = True) -> None:
        if self.document is None:
            return
        value = self.document.draft.fields.get(name)
        if name == "channelcopy":
            self.player.set_channelcopy(value or "", wait=wait)
        elif name == "av_offset_ms":
            self.player.set_audio_delay(int(value or 0), wait=wait)

    def set_marks(self, marks: Sequence[datetime]) -> None:
        self.marks = sorted(marks)
        self.timeline_view.set_marks(self.marks)

    # -- position ---------------------------------------------------------------------
    def position(self) -> PlayheadPosition:
        at = self.player.position
        loc = self.timeline.locate(at)
        if loc is None:
            return PlayheadPosition(None, 0.0, None, at)
        return PlayheadPosition(loc.raw_file_id, loc.offset, loc.wall, at)

    def seek_to(self, raw_file_id: int, offset: float) -> None:
        self.player.seek_to(raw_file_id, offset)
        self._dirty_position = True

    def _seek(self, position: float, exact: bool = True) -> None:
        self.player.seek(position, exact=exact)
        self._dirty_position = True

    def _on_timeline_seek(self, raw_file_id: int, offset: float, exact: bool) -> None:
        target = self.timeline.to_timeline(raw_file_id, offset)
        if target is not None:
            self.player.pause()
            self._seek(target, exact)

    def _on_player_event(self, name: str, value: Any) -> None:
        if name == "position":
            self._dirty_position = True
        elif name == "shuttle":
            self.speed_label.setText("" if not value else f"{value:+g}×")
        elif name == "pause":
            if not value and not self.player.shuttle_speed:
                self.speed_label.setText("▶")
            elif value and not self.player.shuttle_speed:
                self.speed_label.setText("")
        elif name == "error":
            self.notice.emit(str(value))
        if name in ("image", "error") and self._awaiting_picture:
            self._picture_up()
        if self._after_exact and (name == "error" or self.player.settled):
            # The exact frame is up, a seek took over the open, or none is coming.
            self._settled()

    def _flush_position(self) -> None:
        if not self._dirty_position:
            return
        self._dirty_position = False
        pos = self.position()
        self.timeline_view.set_playhead(pos.timeline)
        if pos.raw_file_id is not None:
            raw = self.document.draft.raw_files.get(pos.raw_file_id) if self.document else None
            fps = fps_or_default(raw.fps if raw else None)
            name = raw.filename if raw else ""
            self.position_label.setText(
                f"{format_offset(pos.offset, fps)}  in {name}   ·   wall {format_wall(pos.wall)}"
            )
        if pos != self._last_sent:
            self._last_sent = pos
            self.position_changed.emit(pos)

    # -- keyboard -----------------------------------------------------------------------
    def install_shortcuts(self, host: QWidget) -> None:
        """Add the key map's actions to `host` (window-wide shortcuts)."""
        for entry in KEYMAP:
            action = QAction(entry.text, host)
            action.setShortcuts([QKeySequence(k) for k in entry.keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setAutoRepeat(entry.action.startswith(("frame_", "back_", "forward_", "zoom")))
            action.triggered.connect(self._handler(entry.action))
            host.addAction(action)
            self.actions_by_name[entry.action] = action

    def keyboard_help(self) -> QDialog:
        return KeyboardHelp(self)

    def _handler(self, action: str) -> Callable[[], None]:
        method = getattr(self, f"act_{action}")

        def run(*_args: object) -> None:
            method()

        return run

    def trigger(self, action: str) -> None:
        """Run a key-map action by name (the same code path as its keys)."""
        getattr(self, f"act_{action}")()

    # -- output ---------------------------------------------------------------------------
    def screenshot(self, path: Path) -> None:
        """The current frame, full resolution, to a PNG file."""
        self.player.screenshot(path)
