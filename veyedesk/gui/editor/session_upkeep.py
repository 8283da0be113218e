"""What keeps the episode open in the editor current while it is edited: its lock (renewed,
taken over, lost), its state (moved by workers and reviewers), the room's marks, and the
edit journal of unsaved edits.

A mixin of `EpisodeSession` (gui/editor/session.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from veyedesk.gui.document.editable import STATE, EditorDocument
from veyedesk.gui.editor.session_parts import SessionParts
from veyedesk.services import editing
from veyedesk.services.editing import (
    LockLost,
    LockState,
    discard_journal,
    episode_row,
    room_day_marks,
    take_over,
    write_journal,
)
from veyedesk.services.episodes import EpisodeRow

if TYPE_CHECKING:
    from PySide6.QtCore import QThreadPool, QTimer

    from veyedesk.gui.widgets.tasks import BackgroundRunner


class SessionUpkeep(SessionParts):
    """Part of `EpisodeSession` (see the module docstring)."""

    # Kept by EpisodeSession; declared for the type checker only (more in SessionParts).
    if TYPE_CHECKING:
        _polling_state: bool
        _journal_timer: QTimer
        _journal_runner: BackgroundRunner
        _journal_pool: QThreadPool

    def _announce_lock(self) -> None:
        doc = self.document
        if doc is None:
            self.lock_changed.emit("")
        elif doc.read_only:
            self.lock_changed.emit(f"read-only: {doc.read_only_reason}")
        else:
            self.lock_changed.emit(f"locked by you ({self.identity.name})")

    def take_over_lock(self) -> None:
        """Ask, then take the lock of the open episode from its holder (logged)."""
        doc, lock = self.document, self.lock
        if doc is None or lock is None or lock.held_by(self.identity.name):
            return
        if not self.prompts.take_over(lock):
            return
        identity, settings, episode_id = self.identity, self.settings, doc.draft.episode_id

        def work() -> LockState:
            with self.sessions() as session, session.begin():
                return take_over(session, episode_id, identity, settings.lock_stale_minutes)

        def done(state: LockState) -> None:
            self.lock = state
            if self.document is doc:
                doc.set_read_only("")
                self._announce_lock()
                self._renew.start()
                self.editable_changed.emit()
            self.status.emit("You hold the lock now (recorded in the episode's log)")

        self._writes.submit(work, done, lambda exc: self.prompts.error("lock", str(exc)))

    def _renew_lock(self) -> None:
        doc = self.document
        if doc is None or doc.read_only:
            self._renew.stop()
            return
        identity, settings, episode_id = self.identity, self.settings, doc.draft.episode_id

        def work() -> LockState:
            with self.sessions() as session, session.begin():
                return editing.renew_lock(session, episode_id, identity, settings)

        def failed(exc: Exception) -> None:
            if isinstance(exc, LockLost) and self.document is doc:
                self._lock_lost(doc, exc)
            # A dropped connection is retried at the next tick; the save path reports it.

        self._writes.submit(work, lambda state: setattr(self, "lock", state), failed)

    def _lock_lost(self, doc: EditorDocument, exc: LockLost) -> None:
        # Someone took the talk over: their work wins, ours stays in the journal, and the
        # form turns read-only with the take-over button (to take it back deliberately).
        self._renew.stop()
        self._write_journal()
        self.lock = exc.state
        doc.set_read_only(exc.state.describe(), lock_holder=exc.state.holder)
        self.lock_changed.emit(f"lock lost: {exc.state.describe()}")
        self.editable_changed.emit()
        self.status.emit(str(exc))

    def poll_state(self) -> None:
        """Read the open talk's state again (off the GUI thread) and follow a move made
        elsewhere: a worker finishing its encode, a reviewer, `veyedesk state set`."""
        doc = self.document
        if doc is None or self.shut or self.saving or self._polling_state:
            return
        self._polling_state = True
        episode_id = doc.draft.episode_id

        def read() -> EpisodeRow:
            with self.sessions() as session:
                return episode_row(session, episode_id)

        def done(row: EpisodeRow) -> None:
            self._polling_state = False
            # A save running meanwhile brings its own (newer) state with it.
            if self.shut or self.document is not doc or self.saving:
                return
            if (row.state or None) == doc.base.fields.get(STATE):
                return
            shown = doc.state_moved(row.state or None)
            self.row_changed.emit(row)
            self.reload_context()  # the hold line and the Log tab say why it moved
            if shown:
                self.status.emit(f"This talk moved on meanwhile: it is in {row.state} now")

        def failed(_exc: Exception) -> None:
            self._polling_state = False  # the next tick tries again; saving reports outages

        self.runner.submit(read, done, failed)

    def reload_context(self) -> None:
        """Read the open episode's context and room marks again (the document is untouched).

        For marks made elsewhere in this process (the Mark window): the timeline shows
        them, and unsaved edits stay as they are.
        """
        doc = self.document
        if doc is None or self.shut:
            return
        self._load_surroundings(doc.draft.episode_id, list(doc.draft.raw_files))

    def add_mark(self, click: datetime, done: Callable[[list[datetime]], None]) -> None:
        """Record a "cut here" mark in the episode's room; `done(marks)` gets the room-day's."""
        episode_id = self.episode_id
        if episode_id is None:
            return

        identity = self.identity

        def work() -> list[datetime]:
            with self.sessions() as session, session.begin():
                editing.add_mark(session, episode_id, click, identity)
                return room_day_marks(session, episode_id)

        def finished(marks: list[datetime]) -> None:
            self.marks = marks
            done(marks)

        self._writes.submit(work, finished, lambda exc: self.status.emit(f"Mark not saved: {exc}"))

    def _journal(self, *_args: object) -> None:
        """An edit happened: journal it once typing pauses (off the GUI thread)."""
        doc = self.document
        if doc is None or doc.read_only:
            return
        self._journal_timer.start()

    def _write_journal(self) -> None:
        doc = self.document
        if doc is None or doc.read_only:
            return
        db, user, episode_id = self.settings.db, self.identity.name, doc.draft.episode_id
        # `dirty` compares with the base: during an undo command's redo the stack's clean
        # flag has not moved yet, so it cannot tell whether this edit is saved.
        if doc.dirty:
            draft, base = doc.draft.copy(), doc.base.copy()
            self._journal_runner.submit(
                lambda: write_journal(db, draft, base, user),
                lambda _path: None,
                lambda exc: self.status.emit(f"Could not write the edit journal: {exc}"),
            )
        else:
            self._discard_journal(episode_id)

    def _discard_journal(self, episode_id: int) -> None:
        self._journal_timer.stop()
        db = self.settings.db
        self._journal_runner.submit(
            lambda: discard_journal(db, episode_id),
            lambda _none: None,
            lambda exc: self.status.emit(f"Could not remove the edit journal: {exc}"),
        )

    def flush_journal(self) -> None:
        """Write a pending journal entry now and wait for the writes (closing, tests)."""
        if self._journal_timer.isActive():
            self._journal_timer.stop()
            self._write_journal()
        self._journal_pool.waitForDone(5000)

    def _dirty_changed(self, dirty: bool) -> None:
        if self.document is None:
            return
        if dirty:
            self._journal()
        else:
            self._discard_journal(self.document.draft.episode_id)
