"""The episode being edited: a draft plus its undo stack; every user edit is one named command.

The timeline, the keyboard (I/O/S/X…), the cut table and the form all change the episode
through this object, so they share one history and Ctrl+Z undoes whichever made the edit.
Offsets are snapped to the raw file's frame grid and clamped to the file, with a notice
saying what was clamped.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from veyedesk.model.cuts import frame_seconds, snap_into_file
from veyedesk.model.timecode import format_offset
from veyedesk.services.editing import CutDraft, EpisodeDraft


class _SetField(QUndoCommand):
    def __init__(self, doc: EpisodeDocument, name: str, value: Any, label: str) -> None:
        super().__init__(label)
        self.doc, self.name, self.after = doc, name, value
        self.before = doc.draft.fields.get(name)

    def redo(self) -> None:
        self.doc._apply_field(self.name, self.after)

    def undo(self) -> None:
        self.doc._apply_field(self.name, self.before)

    def id(self) -> int:
        return 1

    def mergeWith(self, other: QUndoCommand) -> bool:
        # Typing a title is one undo step per field, not one per key press.
        if not isinstance(other, _SetField) or other.name != self.name:
            return False
        self.after = other.after
        return True


class _SetCuts(QUndoCommand):
    def __init__(
        self, doc: EpisodeDocument, label: str, before: list[CutDraft], after: list[CutDraft]
    ) -> None:
        super().__init__(label)
        self.doc = doc
        self.before, self.after = copy.deepcopy(before), copy.deepcopy(after)

    def redo(self) -> None:
        self.doc._apply_cuts(self.after)

    def undo(self) -> None:
        self.doc._apply_cuts(self.before)


class EpisodeDocument(QObject):
    """Holds the draft being edited and the base it was loaded (or last saved) as."""

    field_changed = Signal(str)
    cuts_changed = Signal()
    dirty_changed = Signal(bool)
    notice = Signal(str)  # a status-bar message, e.g. "out clamped to the end of the file"

    def __init__(self, draft: EpisodeDraft, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.base = draft.copy()
        self.draft = draft
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)

    def _clean_changed(self, clean: bool) -> None:
        # A bound slot (not a lambda) so Qt drops the connection when this object goes away.
        self.dirty_changed.emit(not clean)

    # -- state ------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return bool(self.draft.changed_fields(self.base))

    def mark_saved(self, saved: EpisodeDraft) -> None:
        """After a save: the saved draft is the new base; history stays for undo."""
        self.base = saved.copy()
        self.draft.serial = saved.serial
        for mine, stored in zip(self.draft.cuts, saved.cuts, strict=False):
            mine.id = stored.id
        self.undo_stack.setClean()

    def cut_bounds(self, index: int) -> tuple[float, float]:
        return self.draft.cut_bounds(self.draft.cuts[index])

    def fps_of(self, raw_file_id: int) -> float:
        return self.draft.fps_of(raw_file_id)

    # -- fields -----------------------------------------------------------------------
    def set_field(self, name: str, value: Any, label: str | None = None) -> None:
        """Change one episode field (undoable; consecutive edits of a field merge)."""
        if self.draft.fields.get(name) == value:
            return
        self.undo_stack.push(_SetField(self, name, value, label or f"Edit {name}"))

    def _apply_field(self, name: str, value: Any) -> None:
        self.draft.fields[name] = value
        self.field_changed.emit(name)

    # -- cuts -------------------------------------------------------------------------
    def replace_cuts(
        self, label: str, cuts: list[CutDraft], before: list[CutDraft] | None = None
    ) -> None:
        """Push one command that turns the cut list into `cuts` (renumbered in order).

        `before` is the list the gesture started from, for edits previewed while dragging.
        """
        for n, cut in enumerate(cuts, start=1):
            cut.sequence = n
        start = before if before is not None else self.draft.cuts
        if [c.values() for c in start] == [c.values() for c in cuts]:
            self._apply_cuts(cuts)
            return
        self.undo_stack.push(_SetCuts(self, label, start, cuts))

    def preview_cuts(self, cuts: list[CutDraft]) -> None:
        """Show a cut list while a drag is in progress, without an undo step."""
        self._apply_cuts(cuts)

    def _apply_cuts(self, cuts: list[CutDraft]) -> None:
        self.draft.cuts = copy.deepcopy(cuts)
        self.cuts_changed.emit()

    def _snap_clamp(self, raw_file_id: int, offset: float, what: str) -> float:
        raw = self.draft.raw_files.get(raw_file_id)
        fps = self.fps_of(raw_file_id)
        value, clamped = snap_into_file(offset, raw.duration if raw else None, fps)
        if clamped == "start":
            self.notice.emit(f"{what} clamped to the start of the file")
        elif clamped == "end":
            self.notice.emit(f"{what} clamped to the end of the file ({format_offset(value, fps)})")
        return value

    def cut_at(self, raw_file_id: int, offset: float) -> int | None:
        """Index of the cut on this raw file that contains `offset`, else the first on it."""
        on_file = [i for i, c in enumerate(self.draft.cuts) if c.raw_file_id == raw_file_id]
        for i in on_file:
            start, end = self.cut_bounds(i)
            if start <= offset <= end:
                return i
        return on_file[0] if on_file else None

    def set_in(self, raw_file_id: int, offset: float) -> int:
        """Set the in point of the current cut (created if the file has none). Returns its index."""
        return self._set_bound(raw_file_id, offset, "start")

    def set_out(self, raw_file_id: int, offset: float) -> int:
        """Set the out point of the current cut (created if the file has none)."""
        return self._set_bound(raw_file_id, offset, "end")

    def _set_bound(self, raw_file_id: int, offset: float, which: str) -> int:
        what = "in" if which == "start" else "out"
        value = self._snap_clamp(raw_file_id, offset, what)
        cuts = copy.deepcopy(self.draft.cuts)
        index = self.cut_at(raw_file_id, value)
        if index is None:
            index = self._insert_in_time_order(cuts, CutDraft(raw_file_id=raw_file_id, sequence=0))
        cut = cuts[index]
        setattr(cut, which, value)
        start, end = self.draft.cut_bounds(cut)
        if end <= start:
            # Keep at least one frame: the other bound gives way, never an inverted cut.
            frame = frame_seconds(self.fps_of(raw_file_id))
            if which == "start":
                cut.end = None if self._is_file_end(raw_file_id, start + frame) else start + frame
                self.notice.emit("out moved after the new in (a cut cannot end before it starts)")
            else:
                cut.start = max(0.0, end - frame)
                self.notice.emit("in moved before the new out (a cut cannot end before it starts)")
        self.replace_cuts(f"Set {what} to {format_offset(value, self.fps_of(raw_file_id))}", cuts)
        return index

    def _is_file_end(self, raw_file_id: int, offset: float) -> bool:
        raw = self.draft.raw_files.get(raw_file_id)
        return bool(raw and raw.duration and offset >= raw.duration)

    def _insert_in_time_order(self, cuts: list[CutDraft], new: CutDraft) -> int:
        """Insert `new` before the first cut whose raw file starts later; returns its index.

        The rest keep the order the editor gave them.
        """

        def start_of(c: CutDraft) -> Any:
            raw = self.draft.raw_files.get(c.raw_file_id)
            return raw.start if raw else None

        new_start = start_of(new)
        index = len(cuts)
        if new_start is not None:
            for i, c in enumerate(cuts):
                other = start_of(c)
                if other is not None and other > new_start:
                    index = i
                    break
        cuts.insert(index, new)
        return index

    def clear_bounds(self, index: int, *, clear_in: bool, clear_out: bool) -> None:
        """Blank a cut's in and/or out (back to the file's start / end)."""
        cuts = copy.deepcopy(self.draft.cuts)
        if clear_in:
            cuts[index].start = None
        if clear_out:
            cuts[index].end = None
        label = (
            "Clear in and out"
            if clear_in and clear_out
            else "Clear in"
            if clear_in
            else "Clear out"
        )
        self.replace_cuts(label, cuts)

    def set_cut_bounds(
        self, index: int, start: float | None, end: float | None, label: str
    ) -> None:
        """Set both offsets of a cut (typed in the table, or a finished edge drag)."""
        cuts = copy.deepcopy(self.draft.cuts)
        raw_id = cuts[index].raw_file_id
        cuts[index].start = None if start is None else self._snap_clamp(raw_id, start, "in")
        cuts[index].end = None if end is None else self._snap_clamp(raw_id, end, "out")
        s, e = self.draft.cut_bounds(cuts[index])
        if e <= s:
            self.notice.emit("refused: a cut cannot end before it starts")
            return
        self.replace_cuts(label, cuts)

    def split_at(self, raw_file_id: int, offset: float) -> bool:
        """Split the cut containing `offset` into two at that frame."""
        index = self.cut_at(raw_file_id, offset)
        value = self._snap_clamp(raw_file_id, offset, "split")
        if index is None:
            self.notice.emit("no cut here to split")
            return False
        start, end = self.cut_bounds(index)
        if not start < value < end:
            self.notice.emit("split point must be inside the cut")
            return False
        cuts = copy.deepcopy(self.draft.cuts)
        first = cuts[index]
        second = copy.deepcopy(first)
        second.id, second.start = None, value
        first.end = value
        cuts.insert(index + 1, second)
        self.replace_cuts(f"Split cut at {format_offset(value, self.fps_of(raw_file_id))}", cuts)
        return True

    def add_cut(self, raw_file_id: int) -> None:
        """Append a whole raw file as a new cut, placed in time order."""
        cuts = copy.deepcopy(self.draft.cuts)
        self._insert_in_time_order(cuts, CutDraft(raw_file_id=raw_file_id, sequence=0))
        raw = self.draft.raw_files.get(raw_file_id)
        self.replace_cuts(f"Add {raw.filename if raw else 'raw file'}", cuts)

    def delete_cut(self, index: int) -> None:
        cuts = copy.deepcopy(self.draft.cuts)
        del cuts[index]
        self.replace_cuts(f"Delete cut {index + 1}", cuts)

    def move_cut(self, index: int, delta: int) -> None:
        target = index + delta
        if not 0 <= target < len(self.draft.cuts):
            return
        cuts = copy.deepcopy(self.draft.cuts)
        cuts.insert(target, cuts.pop(index))
        self.replace_cuts(f"Move cut {index + 1} {'up' if delta < 0 else 'down'}", cuts)

    def set_cut_apply(self, index: int, apply: bool) -> None:
        cuts = copy.deepcopy(self.draft.cuts)
        cuts[index].apply = apply
        self.replace_cuts(f"{'Apply' if apply else 'Skip'} cut {index + 1}", cuts)

    def set_cut_comment(self, index: int, comment: str) -> None:
        cuts = copy.deepcopy(self.draft.cuts)
        cuts[index].comment = comment
        self.replace_cuts(f"Comment on cut {index + 1}", cuts)
