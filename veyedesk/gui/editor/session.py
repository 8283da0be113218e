"""The episode open in the editor: load, lock, journal, save (with conflicts and retries), release.

Database work runs on the BackgroundRunner; this object only swaps results in on the GUI
thread. A save that cannot reach the database keeps the edits (in memory and in the
journal) and retries every few seconds, saying so. Two mixins hold the rest:
`read_ahead.py` (a talk shown from a read made ahead, and Save and next) and
`session_upkeep.py` (lock renewal and take-over, state moves, marks, the journal).
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
from veyedesk.gui.editor.read_ahead import ReadAhead, Stages, saved_message
from veyedesk.gui.editor.session_upkeep import SessionUpkeep
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
    episode_context,
    episode_row,
    release_lock,
    room_day_marks,
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


class EpisodeSession(ReadAhead, SessionUpkeep):
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
        # The document shown from a read ahead while its open (the lock) is on its way.
        self._awaiting_lock: EditorDocument | None = None
        # Its database work (Save and next's save, the open) until its stage runs it.
        self._pending_step: Callable[[], None] | None = None

    @property
    def episode_id(self) -> int | None:
        return self.document.draft.episode_id if self.document else None

    # -- open -------------------------------------------------------------------------
    def open(
        self,
        episode_id: int,
        restore: JournalEntry | None = None,
        stages: Stages | None = None,
    ) -> None:
        """Load the episode, take its lock if this user may edit, and show it.

        A talk read ahead (`prefetch`) is shown from that read before the open comes back,
        as Save and next does (`_show_prepared`, `stages` as in `save_and_open`).
        """
        identity, settings = self.identity, self.settings

        # Only what the video and the form need comes first; the Log, which other talks use
        # the raw files and the room's marks follow in a second query (`context_ready`).
        def load() -> OpenedEpisode:
            with self.sessions() as session, session.begin():
                return editing.open_for_edit(
                    session, episode_id, identity, settings, with_marks=False
                )

        shown: EditorDocument | None = None

        def failed(exc: Exception) -> None:
            if shown is not None and self.document is shown:
                self._forget()
            self._open_failed(exc)

        def go() -> None:
            self._writes.submit(
                load, lambda loaded: self._loaded(loaded, restore, shown=shown), failed
            )

        prepared = self.preview(episode_id) if restore is None else None
        shown = self._show_prepared(prepared, stages, go)
        if shown is None:
            self.status.emit("Opening the episode…")
            go()

    def _loaded(
        self,
        opened: OpenedEpisode,
        restore: JournalEntry | None,
        *,
        shown: EditorDocument | None = None,
    ) -> None:
        """Show the opened episode; `shown` is the document already on screen for it
        (Save and next's prepared talk), kept when the open found the talk as prepared."""
        if self.shut:
            return
        if shown is not None and self.document is not shown:
            # Another talk was opened meanwhile: the lock this open took goes back.
            if opened.lock is not None and opened.lock.held_by(self.identity.name):
                self._release_in_background(opened.draft.episode_id)
            return
        if shown is not None and self._adoptable(shown, opened):
            self._adopt(shown, opened)
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
        self._awaiting_lock = None
        self.marks = []
        self._follow(document, opened)
        self.opened.emit(document)
        self._load_surroundings(document.draft.episode_id, list(document.draft.raw_files))
        if restore is not None:
            self._journal()
            self.status.emit(f"Restored unsaved edits of “{restore.name}”: save them with Ctrl+S")
        else:
            self.status.emit("")

    def _follow(self, document: EditorDocument, opened: OpenedEpisode) -> None:
        """Journal the document's edits, keep its lock and follow its state."""
        document.field_changed.connect(self._journal)
        document.cuts_changed.connect(self._journal)
        document.dirty_changed.connect(self._dirty_changed)
        self._announce_lock()
        if not document.read_only:
            self._renew.start()
        self._state_poll.start()
        self.row_changed.emit(opened.row)

    def _releasing(self, episode_id: int) -> Callable[[], EpisodeRow]:
        """The database work that releases this user's lock on `episode_id`."""
        identity = self.identity

        def work() -> EpisodeRow:
            with self.sessions() as session, session.begin():
                release_lock(session, episode_id, identity)
                return episode_row(session, episode_id)

        return work

    def _release_in_background(self, episode_id: int) -> None:
        def failed(exc: Exception) -> None:
            self.status.emit(f"Could not release the lock (it goes stale in time): {exc}")

        self._writes.submit(self._releasing(episode_id), self.row_changed.emit, failed)

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

    def wait(self, msecs: int = 5000) -> bool:
        """Block until this session's database writes and journal writes are done (closing)."""
        return self._write_pool.waitForDone(msecs) and self._journal_pool.waitForDone(msecs)

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
        self.status.emit(saved_message(saved))
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
        pending = self._pending_step
        if pending is not None:
            pending()  # the save and the open a shown talk waits for go first, never lost
        doc, lock = self.document, self.lock
        awaiting = doc is not None and doc is self._awaiting_lock
        self._forget()
        if doc is not None and awaiting:
            # Its open is still queued on the writer: release after it (a closing window
            # waits for the writer), or the lock it takes would stay until it goes stale.
            self._release_in_background(doc.draft.episode_id)
            return
        if doc is None or lock is None or not lock.held_by(self.identity.name):
            return
        if background:
            self._release_in_background(doc.draft.episode_id)
            return
        try:
            self.row_changed.emit(self._releasing(doc.draft.episode_id)())
        except Exception as exc:  # closing must go on; the lock goes stale in time
            if not is_connection_error(exc):
                log_unexpected(exc, "releasing the lock")
            self.status.emit(f"Could not release the lock (it goes stale in time): {exc}")

    def _stop_timers(self) -> None:
        self._retry.stop()
        self._renew.stop()
        self._state_poll.stop()

    def _forget(self) -> None:
        self._stop_timers()
        self.flush_journal()
        self.document, self.context, self.lock = None, None, None
        self._awaiting_lock = None
        self.lock_changed.emit("")
        self.closed.emit()
