"""The episode open in the editor: load, lock, journal, save (with conflicts and retries), release.

Database work runs on the BackgroundRunner; this object only swaps results in on the GUI
thread. A save that cannot reach the database keeps the edits (in memory and in the
journal) and retries every few seconds, saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from veyedesk.config import Settings
from veyedesk.db import SessionFactory, is_connection_error
from veyedesk.errors import UserError
from veyedesk.gui.document.editable import STATE, EditorDocument
from veyedesk.gui.logfile import log_unexpected
from veyedesk.gui.widgets.prompts import Prompts
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.services import editing
from veyedesk.services.editing import (
    EditConflict,
    EpisodeContext,
    EpisodeDraft,
    JournalEntry,
    LockLost,
    LockState,
    OpenedEpisode,
    SavedEpisode,
    discard_journal,
    episode_context,
    episode_row,
    release_lock,
    room_day_marks,
    take_over,
    write_journal,
)
from veyedesk.services.episodes import EpisodeRow

RETRY_MS = 5000
# Typing bursts are journaled once they pause: a keystroke costs the GUI thread nothing,
# and a crash loses at most this much of the newest typing.
JOURNAL_DEBOUNCE_MS = 300
# Well inside the default 120-minute stale age, so hours of editing never look abandoned.
LOCK_RENEW_MS = 5 * 60 * 1000
# How often the open talk's state is read again: workers and reviewers move it while it is
# open (encode -> review 1), and the form must show where it is, not where it was.
STATE_POLL_MS = 3000


class Leave(Enum):
    """What leaving the open episode did."""

    DONE = "done"  # closed (saved or not changed or discarded): go on
    SAVING = "saving"  # a save is running; its continuation follows it
    CANCELLED = "cancelled"  # the user chose to stay


@dataclass
class Surroundings:
    """What the editor shows around an episode, fetched after it opened (off the GUI thread)."""

    episode_id: int
    context: EpisodeContext
    marks: list[datetime]


class EpisodeSession(QObject):
    """One episode at a time: its document, its lock and its journal."""

    opened = Signal(object)  # EditorDocument
    context_ready = Signal()  # `context` and `marks` of the open episode arrived
    closed = Signal()
    saved = Signal(object)  # EpisodeRow after the save
    row_changed = Signal(object)  # EpisodeRow (lock taken or released)
    status = Signal(str)  # a status-bar message
    lock_changed = Signal(str)  # status-bar text about the lock
    editable_changed = Signal()  # the open document became editable (lock taken over)
    connection_changed = Signal(bool)  # False while the database cannot be reached
    preview_ready = Signal(object)  # EpisodeDraft read by prefetch() (read only)

    def __init__(
        self,
        sessions: SessionFactory,
        settings: Settings,
        identity: Any,
        runner: BackgroundRunner,
        prompts: Prompts,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.sessions, self.settings, self.identity = sessions, settings, identity
        self.runner, self.prompts = runner, prompts
        self.document: EditorDocument | None = None
        self.context: EpisodeContext | None = None
        self.lock: LockState | None = None
        self.marks: list[datetime] = []
        self.saving = False
        self.shut = False  # the window closed: late results from the pool are dropped
        self.retry_ms = RETRY_MS
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._retry_save)
        self._pending_then: Callable[[], None] | None = None
        self._pending_release = False
        # Database writes (open takes the lock, save, release, renew, marks) go one after
        # another on a thread of their own: on SQLite two writers at once make the second
        # wait in SQLite's busy back-off (up to ~250 ms seen when switching episodes).
        self._write_pool = QThreadPool(self)
        self._write_pool.setMaxThreadCount(1)
        self._writes = BackgroundRunner(self, self._write_pool)
        # Journal writes go to one thread of their own, so they stay in order (a discard
        # never overtakes the write before it) and never wait behind database work.
        self._journal_pool = QThreadPool(self)
        self._journal_pool.setMaxThreadCount(1)
        self._journal_runner = BackgroundRunner(self, self._journal_pool)
        self._journal_timer = QTimer(self)
        self._journal_timer.setSingleShot(True)
        self._journal_timer.setInterval(JOURNAL_DEBOUNCE_MS)
        self._journal_timer.timeout.connect(self._write_journal)
        self._renew = QTimer(self)
        self._renew.setInterval(LOCK_RENEW_MS)
        self._renew.timeout.connect(self._renew_lock)
        self._state_poll = QTimer(self)
        self._state_poll.setInterval(STATE_POLL_MS)
        self._state_poll.timeout.connect(self.poll_state)
        self._polling_state = False
        # The selected line's media, read while it is only selected, so Enter can show a
        # picture before the open (lock, form) comes back. One talk at most: memory stays
        # flat however long the list is browsed.
        self._preview: EpisodeDraft | None = None
        self._preview_wanted: int | None = None
        self._preview_running = False

    @property
    def episode_id(self) -> int | None:
        return self.document.draft.episode_id if self.document else None

    # -- preview of the selected line ---------------------------------------------------
    def prefetch(self, episode_id: int) -> None:
        """Read `episode_id`'s media (read only, off the GUI thread) for `preview()`.

        Reads one at a time: while one runs, only the newest wish waits, so holding an arrow
        key down the list queues one read, not one per line passed. Read again each time it
        is asked for, so a talk someone else saved meanwhile is prepared as it is now.
        """
        if self.shut or episode_id == self.episode_id:
            return
        self._preview_wanted = episode_id
        if self._preview_running:
            return
        self._preview_running = True
        settings = self.settings

        def read() -> EpisodeDraft:
            with self.sessions() as session:
                return editing.preview_draft(session, episode_id, settings)

        def done(draft: EpisodeDraft | None) -> None:
            self._preview_running = False
            if self.shut:
                return
            if draft is not None:
                self._preview = draft
                self.preview_ready.emit(draft)
            elif self._preview_wanted == episode_id:
                self._preview_wanted = None  # failed: no retry (the open says what is wrong)
            wanted = self._preview_wanted
            if wanted is not None and wanted != episode_id:
                self.prefetch(wanted)

        # A failed read only means no early picture.
        self.runner.submit(read, done, lambda _exc: done(None))

    def preview(self, episode_id: int) -> EpisodeDraft | None:
        """The media read for `episode_id` while it was selected, if it is here."""
        draft = self._preview
        return draft if draft is not None and draft.episode_id == episode_id else None

    # -- open -------------------------------------------------------------------------
    def open(self, episode_id: int, restore: JournalEntry | None = None) -> None:
        """Load the episode, take its lock if this user may edit, and show it."""
        identity, settings = self.identity, self.settings

        # Only what the video and the form need comes first; the Log, which other talks use
        # the raw files and the room's marks follow in a second query (`context_ready`).
        def load() -> OpenedEpisode:
            with self.sessions() as session, session.begin():
                return editing.open_for_edit(
                    session, episode_id, identity, settings, with_marks=False
                )

        self.status.emit("Opening the episode…")
        self._writes.submit(load, lambda loaded: self._loaded(loaded, restore), self._open_failed)

    def _loaded(self, opened: OpenedEpisode, restore: JournalEntry | None) -> None:
        if self.shut:
            return
        if restore is not None:
            draft, base = restore.restore(opened.draft)
            draft.fields.setdefault(STATE, opened.draft.fields.get(STATE))
            base.fields.setdefault(STATE, opened.draft.fields.get(STATE))
            document = EditorDocument(draft, base)
        else:
            document = EditorDocument(opened.draft)
        lock = opened.lock
        holder = lock.holder if lock is not None and not lock.held_by(self.identity.name) else ""
        document.set_read_only(opened.read_only, lock_holder=holder)
        self.document, self.context, self.lock = document, None, opened.lock
        self.marks = []
        document.field_changed.connect(self._journal)
        document.cuts_changed.connect(self._journal)
        document.dirty_changed.connect(self._dirty_changed)
        self._announce_lock()
        if not document.read_only:
            self._renew.start()
        self._state_poll.start()
        self.row_changed.emit(opened.row)
        self.opened.emit(document)
        self._load_surroundings(document.draft.episode_id, list(document.draft.raw_files))
        if restore is not None:
            self._journal()
            self.status.emit(f"Restored unsaved edits of “{restore.name}”: save them with Ctrl+S")
        else:
            self.status.emit("")

    def _load_surroundings(self, episode_id: int, raw_file_ids: list[int]) -> None:
        def load() -> Surroundings:
            with self.sessions() as session:
                return Surroundings(
                    episode_id,
                    episode_context(session, episode_id, raw_file_ids),
                    room_day_marks(session, episode_id),
                )

        def done(found: Surroundings) -> None:
            if self.shut or self.episode_id != found.episode_id:
                return  # another episode was opened meanwhile
            self.context, self.marks = found.context, found.marks
            self.context_ready.emit()

        self.runner.submit(load, done, self._open_failed)

    def _open_failed(self, exc: Exception) -> None:
        self.status.emit(f"Could not open the episode: {exc}")
        if not isinstance(exc, UserError) and not is_connection_error(exc):
            self.prompts.error(
                "could not open the episode", f"{type(exc).__name__}: {exc}", unexpected=True
            )
        if is_connection_error(exc):
            self.connection_changed.emit(False)

    def _announce_lock(self) -> None:
        doc = self.document
        if doc is None:
            self.lock_changed.emit("")
        elif doc.read_only:
            self.lock_changed.emit(f"read-only: {doc.read_only_reason}")
        else:
            self.lock_changed.emit(f"locked by you ({self.identity.name})")

    # -- lock take-over -----------------------------------------------------------------
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

    # -- moves made elsewhere ----------------------------------------------------------
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

    # -- marks ------------------------------------------------------------------------
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

    # -- journal ----------------------------------------------------------------------
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

    def wait(self, msecs: int = 5000) -> bool:
        """Block until this session's database writes and journal writes are done (closing)."""
        return self._write_pool.waitForDone(msecs) and self._journal_pool.waitForDone(msecs)

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

    # -- save -------------------------------------------------------------------------
    def save(self, then: Callable[[], None] | None = None, *, release: bool = False) -> None:
        """Save the open episode in one transaction (optionally releasing its lock), then `then`."""
        doc = self.document
        if doc is None or self.saving:
            return
        if doc.read_only:
            self.status.emit(f"Not saved: {doc.read_only_reason}")
            return
        self._pending_then, self._pending_release = then, release
        draft, base = doc.draft.copy(), doc.base.copy()
        identity, settings = self.identity, self.settings

        def work() -> SavedEpisode:
            with self.sessions() as session, session.begin():
                return editing.save_episode(
                    session, draft, base, identity, settings, release=release
                )

        self.saving = True
        self.status.emit("Saving…")
        self._writes.submit(work, lambda saved: self._saved(doc, saved), self._save_failed)

    def _saved(self, doc: EditorDocument, saved: SavedEpisode) -> None:
        self.saving = False
        self.connection_changed.emit(True)
        if self.document is doc:
            doc.mark_saved(saved.draft)
            self._discard_journal(doc.draft.episode_id)
        done = f"Saved “{saved.draft.fields.get('name')}”"
        self.status.emit(f"{done}; {saved.job}" if saved.job else done)
        self.saved.emit(saved.row)
        then, self._pending_then = self._pending_then, None
        if self._pending_release:
            self._forget()
        if then is not None:
            then()

    def _save_failed(self, exc: Exception) -> None:
        self.saving = False
        doc = self.document
        if doc is None:
            return
        if isinstance(exc, EditConflict):
            mine = doc.draft.copy()
            choice = self.prompts.resolve_conflict(exc, mine, doc.base)
            if choice is None:
                self.status.emit("Not saved: the conflict is still open; your edits are kept")
                return
            merged, base = choice
            merged.fields[STATE] = mine.fields.get(STATE)
            base.fields[STATE] = doc.base.fields.get(STATE)
            doc.replace_all(merged, base)
            self._write_journal()
            self.save(self._pending_then, release=self._pending_release)
            return
        if is_connection_error(exc):
            self.connection_changed.emit(False)
            self._write_journal()
            self.status.emit(
                "The database cannot be reached: your edits are kept (memory and journal); "
                f"retrying the save every {max(self.retry_ms // 1000, 1)} s"
            )
            self._retry.start(self.retry_ms)
            return
        if isinstance(exc, LockLost):
            self._lock_lost(doc, exc)
        expected = isinstance(exc, UserError)
        message = str(exc) if expected else f"{type(exc).__name__}: {exc}"
        # LockLost's own message already starts "episode N was not saved".
        self.status.emit(message if isinstance(exc, LockLost) else f"Not saved: {message}")
        self.prompts.error("not saved", message, unexpected=not expected)

    def _retry_save(self) -> None:
        if self.document is not None and self.document.unsaved:
            self.save(self._pending_then, release=self._pending_release)

    # -- close ------------------------------------------------------------------------
    def leave(self, after_save: Callable[[], None], *, background: bool = True) -> Leave:
        """Close the open episode, asking save / discard / cancel if it has unsaved edits.

        The one place that asks: switching episodes and closing the window both come here.
        SAVING means the save runs in the background and `after_save` follows it; DONE
        means the episode is closed (its lock released) and the caller goes on.
        """
        doc = self.document
        if doc is None:
            return Leave.DONE
        if doc.unsaved and not doc.read_only:
            answer = self.prompts.unsaved(str(doc.draft.fields.get("name")))
            if answer == "cancel":
                return Leave.CANCELLED
            if answer == "save":
                self.save(after_save, release=True)
                return Leave.SAVING
            self.discard()
        self.release(background=background)
        return Leave.DONE

    def discard(self) -> None:
        """Drop unsaved edits of the open episode (and its journal)."""
        if self.document is not None:
            self._discard_journal(self.document.draft.episode_id)

    def release(self, *, background: bool = False) -> None:
        """Release the lock (closing the episode or the window).

        Switching episodes releases in the background, so opening the next one does not
        wait for it; closing the window releases in place, before the process ends.
        """
        doc, lock = self.document, self.lock
        self._forget()
        if doc is None or lock is None or not lock.held_by(self.identity.name):
            return
        episode_id, identity = doc.draft.episode_id, self.identity

        def work() -> EpisodeRow:
            with self.sessions() as session, session.begin():
                release_lock(session, episode_id, identity)
                return episode_row(session, episode_id)

        def failed(exc: Exception) -> None:
            self.status.emit(f"Could not release the lock (it goes stale in time): {exc}")

        if background:
            self._writes.submit(work, self.row_changed.emit, failed)
            return
        try:
            self.row_changed.emit(work())
        except Exception as exc:  # closing must go on; the lock goes stale in time
            if not is_connection_error(exc):
                log_unexpected(exc, "releasing the lock")
            failed(exc)

    def _forget(self) -> None:
        self._retry.stop()
        self._renew.stop()
        self._state_poll.stop()
        self.flush_journal()
        self.document, self.context, self.lock = None, None, None
        self.lock_changed.emit("")
        self.closed.emit()
