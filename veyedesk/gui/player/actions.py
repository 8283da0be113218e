"""What the player's keys do: playback, stepping, jumps, marks, cutting, zoom, undo.

`keymap.py` says which keys run which action; `PlayerPanel.trigger(name)` runs
`act_<name>` here, so keys, buttons and tests share one code path. A mixin of
`PlayerPanel`, which provides the video, the timeline and the open document.
"""

from __future__ import annotations

import bisect
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QWidget

from veyedesk.model.timecode import TIMECODE_HINT, TimecodeError, parse_offset

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtGui import QAction

    from veyedesk.gui.document.episode import EpisodeDocument
    from veyedesk.gui.player.panel import PlayheadPosition
    from veyedesk.gui.player.timeline import TimelineWidget
    from veyedesk.player import Timeline
    from veyedesk.player.engine import Player


class PlayerActions(QWidget):
    """Part of `PlayerPanel` (see the module docstring)."""

    if TYPE_CHECKING:  # what PlayerPanel provides (mypy checks each part alone)
        document: EpisodeDocument | None
        timeline: Timeline
        player: Player
        timeline_view: TimelineWidget
        marks: list[datetime]
        notice: SignalInstance
        mark_requested: SignalInstance
        actions_by_name: dict[str, QAction]
        _fit_pending: bool
        _dirty_position: bool

        def position(self) -> PlayheadPosition: ...
        def seek_to(self, raw_file_id: int, offset: float) -> None: ...
        def _seek(self, position: float, exact: bool = True) -> None: ...

    def _here(self) -> tuple[int, float] | None:
        pos = self.position()
        if pos.raw_file_id is None:
            return None
        return pos.raw_file_id, pos.offset

    def _cut_here(self) -> int | None:
        here = self._here()
        if here is None or self.document is None:
            return None
        index = self.document.cut_at(*here)
        if index is None:
            self.notice.emit("no cut in this raw file")
        return index

    # playback
    def act_play_pause(self) -> None:
        self.player.toggle_pause()

    def act_shuttle_back(self) -> None:
        self.player.shuttle(-1)

    def act_shuttle_forward(self) -> None:
        self.player.shuttle(+1)

    def act_loop(self) -> None:
        if self.player.looping:
            self.player.clear_loop()
            self.player.pause()
            return
        index = self._cut_here()
        if index is None or self.document is None:
            return
        cut = self.document.draft.cuts[index]
        a, b = self.document.cut_bounds(index)
        start = self.timeline.to_timeline(cut.raw_file_id, a)
        end = self.timeline.to_timeline(cut.raw_file_id, b)
        if start is not None and end is not None:
            self.player.loop(start, end)

    # moving
    def act_frame_back(self) -> None:
        self.player.step_frames(-1)
        self._dirty_position = True

    def act_frame_forward(self) -> None:
        self.player.step_frames(1)
        self._dirty_position = True

    def act_back_1s(self) -> None:
        self.player.step_seconds(-1.0)

    def act_forward_1s(self) -> None:
        self.player.step_seconds(1.0)

    def act_back_10s(self) -> None:
        self.player.step_seconds(-10.0)

    def act_forward_10s(self) -> None:
        self.player.step_seconds(10.0)

    def act_prev_keyframe(self) -> None:
        self.player.step_keyframe(-1)

    def act_next_keyframe(self) -> None:
        self.player.step_keyframe(+1)

    def _boundaries(self) -> list[float]:
        points = set(self.timeline.boundaries())
        if self.document is not None:
            for cut in self.document.draft.cuts:
                for offset in self.document.draft.cut_bounds(cut):
                    at = self.timeline.to_timeline(cut.raw_file_id, offset)
                    if at is not None:
                        points.add(at)
        return sorted(points)

    def _jump(self, points: list[float], forward: bool) -> None:
        here = self.player.position
        half = 0.5 / self.timeline.fps_at(here)
        if forward:
            i = bisect.bisect_right(points, here + half)
            target = points[i] if i < len(points) else None
        else:
            i = bisect.bisect_left(points, here - half) - 1
            target = points[i] if i >= 0 else None
        if target is not None:
            self.player.pause()
            self._seek(min(target, self.timeline.duration - 2 * half))

    def act_prev_boundary(self) -> None:
        self._jump(self._boundaries(), forward=False)

    def act_next_boundary(self) -> None:
        self._jump(self._boundaries(), forward=True)

    def _go_bound(self, which: int) -> None:
        index = self._cut_here()
        if index is None or self.document is None:
            return
        cut = self.document.draft.cuts[index]
        offset = self.document.cut_bounds(index)[which]
        raw = self.document.draft.raw_files.get(cut.raw_file_id)
        if which == 1 and raw and raw.duration and offset >= raw.duration:
            offset = raw.duration - 1.0 / raw.fps  # the last frame, not the next file's first
        self.player.pause()
        self.seek_to(cut.raw_file_id, offset)

    def act_go_in(self) -> None:
        self._go_bound(0)

    def act_go_out(self) -> None:
        self._go_bound(1)

    def act_goto_time(self) -> None:
        text, ok = QInputDialog.getText(
            self, "Go to", f"In this file: {TIMECODE_HINT}.\nOr wall clock HH:MM:SS:"
        )
        if ok and text.strip():
            self.goto_text(text)

    def goto_text(self, text: str) -> None:
        """Go to a typed time: an offset in this file (any `parse_offset` form) or wall clock.

        `HH:MM:SS` (two colons, no fraction) is the wall clock; everything else is read as
        an offset into the file under the playhead.
        """
        pos = self.position()
        text = text.strip()
        try:
            if text.count(":") == 2 and "." not in text and pos.wall is not None:
                h, m, s = (int(part) for part in text.split(":"))
                moment = pos.wall.replace(hour=h, minute=m, second=s, microsecond=0)
                target = self.timeline.at_wall(moment)
                if target is None:
                    raise TimecodeError(f"no recording at {text}")
                self._seek(target)
                return
            if pos.raw_file_id is None:
                return
            fps = self.timeline.fps_at(pos.timeline)
            self.seek_to(pos.raw_file_id, parse_offset(text, fps))
        except (TimecodeError, ValueError) as exc:
            self.notice.emit(str(exc))

    # cutting
    def act_set_in(self) -> None:
        here = self._here()
        if here is not None and self.document is not None:
            self.document.set_in(*here)

    def act_set_out(self) -> None:
        here = self._here()
        if here is not None and self.document is not None:
            self.document.set_out(*here)

    def _clear(self, clear_in: bool, clear_out: bool) -> None:
        index = self._cut_here()
        if index is not None and self.document is not None:
            self.document.clear_bounds(index, clear_in=clear_in, clear_out=clear_out)

    def act_clear_in(self) -> None:
        self._clear(True, False)

    def act_clear_out(self) -> None:
        self._clear(False, True)

    def act_clear_both(self) -> None:
        self._clear(True, True)

    def act_split(self) -> None:
        here = self._here()
        if here is not None and self.document is not None:
            self.document.split_at(*here)

    # marks
    def act_add_mark(self) -> None:
        wall = self.position().wall
        if wall is None:
            self.notice.emit("this raw file has no wall-clock start, so a mark cannot be placed")
            return
        self.mark_requested.emit(wall)

    def _mark_jump(self, forward: bool) -> None:
        points = [t for t in (self.timeline.at_wall(m) for m in self.marks) if t is not None]
        self._jump(sorted(points), forward)

    def act_prev_mark(self) -> None:
        self._mark_jump(False)

    def act_next_mark(self) -> None:
        self._mark_jump(True)

    # view and history
    def act_zoom_in(self) -> None:
        self._fit_pending = False
        self.timeline_view.zoom_in()

    def act_zoom_out(self) -> None:
        self._fit_pending = False
        self.timeline_view.zoom_out()

    def act_zoom_fit(self) -> None:
        self.timeline_view.fit_talk()

    def act_undo(self) -> None:
        if self.document is not None:
            self.document.undo_stack.undo()

    def act_redo(self) -> None:
        if self.document is not None:
            self.document.undo_stack.redo()
