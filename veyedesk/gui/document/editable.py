"""The editor window's episode document: EpisodeDocument plus read-only mode and the state field.

Read-only (a reviewer, or someone else holds the lock) is enforced here, where every edit
from the form, the cut table, the timeline and the keyboard passes, so no widget can slip
an edit through. The workflow state is carried as the pseudo-field "state" (saved with the
episode through services.editing, which logs it and queues the state's work).
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import QObject

from veyedesk.gui.document.episode import EpisodeDocument
from veyedesk.services.editing import STATE as STATE, CutDraft, EpisodeDraft


class EditorDocument(EpisodeDocument):
    """An EpisodeDocument that can be made read-only and knows the episode's state."""

    def __init__(
        self, draft: EpisodeDraft, base: EpisodeDraft | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(draft, parent)
        if base is not None:
            # A restored journal: the edits sit on top of the base they were made on.
            self.base = base.copy()
            self.undo_stack.resetClean()
            self._force_dirty = bool(self.changed())
        else:
            self._force_dirty = False
        self.read_only_reason = ""
        # Who holds the lock when that is why it is read-only (the form offers a take-over).
        self.lock_holder = ""

    # -- read-only --------------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    def set_read_only(self, reason: str, *, lock_holder: str = "") -> None:
        """Refuse every edit while `reason` is non-empty (it is shown when an edit is tried).

        `lock_holder` names who holds the episode's lock when that is the reason.
        """
        self.read_only_reason = reason
        self.lock_holder = lock_holder if reason else ""

    def _refuse(self) -> bool:
        if self.read_only_reason:
            self.notice.emit(f"read-only: {self.read_only_reason}")
            return True
        return False

    def set_field(self, name: str, value: Any, label: str | None = None) -> None:
        if not self._refuse():
            super().set_field(name, value, label)

    def replace_cuts(
        self, label: str, cuts: list[CutDraft], before: list[CutDraft] | None = None
    ) -> None:
        if self._refuse():
            # A drag may have previewed cuts: put the real ones back.
            self._apply_cuts(before if before is not None else self.draft.cuts)
            return
        super().replace_cuts(label, cuts, before)

    def preview_cuts(self, cuts: list[CutDraft]) -> None:
        if not self.read_only_reason:
            super().preview_cuts(cuts)

    # -- state and dirtiness ------------------------------------------------------------
    def changed(self) -> list[str]:
        """Changed field names (with "cuts" and "state") against the base."""
        names = self.draft.changed_fields(self.base)
        if self.draft.fields.get(STATE) != self.base.fields.get(STATE):
            names.append(STATE)
        return names

    @property
    def dirty(self) -> bool:
        return bool(self.changed())

    def mark_saved(self, saved: EpisodeDraft) -> None:
        saved = saved.copy()
        saved.fields.setdefault(STATE, self.draft.fields.get(STATE))
        super().mark_saved(saved)
        moved_to = saved.fields.get(STATE)
        if moved_to != self.draft.fields.get(STATE):
            # The talk moved on by itself while saving (pass states walked, or released
            # Yes resumed it): show where it is, or the next save would move it back.
            self._apply_field(STATE, moved_to)
        self._force_dirty = False
        self.dirty_changed.emit(False)

    def state_moved(self, slug: str | None) -> bool:
        """Someone else moved the talk (a worker finishing its job, a reviewer): follow it.

        The base takes the new state, so a save does not move the talk back; the form's
        state follows too unless the user picked a state of their own, which a save then
        still asks for. True when the shown state changed.
        """
        picked = self.draft.fields.get(STATE) != self.base.fields.get(STATE)
        self.base.fields[STATE] = slug
        if picked or self.draft.fields.get(STATE) == slug:
            self.dirty_changed.emit(self.dirty)
            return False
        self._apply_field(STATE, slug)
        self.dirty_changed.emit(self.dirty)
        return True

    def replace_all(self, draft: EpisodeDraft, base: EpisodeDraft) -> None:
        """Swap in a merged draft and base (after a conflict), as edits not yet saved."""
        self.base = base.copy()
        self.draft.serial = draft.serial
        for name, value in draft.fields.items():
            if self.draft.fields.get(name) != value:
                self._apply_field(name, value)
        self._apply_cuts(copy.deepcopy(draft.cuts))
        self._force_dirty = True
        self.dirty_changed.emit(True)

    @property
    def unsaved(self) -> bool:
        """Edits not yet in the database (undo history or a restored / merged draft)."""
        return self.dirty and (self._force_dirty or not self.undo_stack.isClean())
