"""The talk shown before the database answers: read ahead while a line is selected or while
the editor works on the talk before it, shown from that read on Enter or Save and next,
and then given its lock by the open (or shown as the open found it).

A mixin of `EpisodeSession` (gui/editor/session.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from veyedesk.gui.document.editable import EditorDocument
from veyedesk.gui.editor.session_parts import SessionParts
from veyedesk.services import editing
from veyedesk.services.editing import EpisodeDraft, OpenedEpisode, SavedEpisode

if TYPE_CHECKING:
    from veyedesk.services.editing import JournalEntry


class Stages(Protocol):
    """When the steps of showing a talk may run (the editor: its PlayerHost)."""

    def after_repaint(self, work: Callable[[], None]) -> None:
        """Run `work` once the window's last change is on screen."""

    def after_picture(self, work: Callable[[], None]) -> None:
        """Run `work` once the talk's picture is on screen (decoded, then repainted)."""


class ReadAhead(SessionParts):
    """Part of `EpisodeSession` (see the module docstring)."""

    # Kept by EpisodeSession; declared for the type checker only (more in SessionParts).
    if TYPE_CHECKING:
        _preview: EpisodeDraft | None
        _preview_wanted: int | None
        _preview_running: bool
        _awaiting_lock: EditorDocument | None
        _pending_step: Callable[[], None] | None

        def open(
            self,
            episode_id: int,
            restore: JournalEntry | None = None,
            stages: Stages | None = None,
        ) -> None: ...
        def _stop_timers(self) -> None: ...
        def flush_journal(self) -> None: ...
        def _write_journal(self) -> None: ...
        def _discard_journal(self, episode_id: int) -> None: ...
        def _follow(self, document: EditorDocument, opened: OpenedEpisode) -> None: ...
        def _forget(self) -> None: ...
        def _open_failed(self, exc: Exception) -> None: ...
        def _save_failed(self, exc: Exception) -> None: ...
        def _release_in_background(self, episode_id: int) -> None: ...
        def _loaded(
            self,
            opened: OpenedEpisode,
            restore: JournalEntry | None,
            *,
            shown: EditorDocument | None = None,
        ) -> None: ...

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

    def _show_prepared(
        self, draft: EpisodeDraft | None, stages: Stages | None, then: Callable[[], None]
    ) -> EditorDocument | None:
        """Show a talk from its read-ahead draft before its open (the lock) comes back.

        In steps (`stages`): the picture (the caller has handed it to the player), the
        form once the window's last change is on screen (never waiting for a decode), and
        `then` (the database work) once the picture is on screen too: on a laptop each
        repaint of the window takes a while, and Python work on the writer thread holds
        the interpreter lock the painting needs. Only for users who may edit: a
        reviewer's talks open read-only, and an editable form turning read-only a moment
        later would be a lie. None (and `then` is not called) when not shown.
        """
        if draft is None or not self.identity.can("edit"):
            return None
        self._stop_timers()
        self.flush_journal()
        shown = self.document = self._awaiting_lock = EditorDocument(draft.copy())
        self.context, self.lock, self.marks = None, None, []
        ran = False

        def step() -> None:  # `then`, once: from its stage, or earlier from `release`
            nonlocal ran
            if ran:
                return
            ran = True
            if self._pending_step is step:
                self._pending_step = None
            then()

        self._pending_step = step

        def fill() -> None:
            if self.document is shown:  # not left meanwhile
                self.opened.emit(shown)
            if stages is None:
                step()
            else:
                stages.after_picture(step)

        if stages is None:
            fill()
        else:
            stages.after_repaint(fill)
        return shown

    def _adoptable(self, shown: EditorDocument, opened: OpenedEpisode) -> bool:
        """Whether the open keeps the document shown from the read ahead: when the talk is as
        it was read, or when edits were typed meanwhile (they stay on the base they were
        made on: if the talk changed since, their save meets the usual conflict check)."""
        return shown.unsaved or _same_talk(shown.draft, opened.draft)

    def _adopt(self, shown: EditorDocument, opened: OpenedEpisode) -> None:
        """The open came back for the document already shown: add the lock to it."""
        if shown.unsaved:
            self._write_journal()  # before a refused lock makes it read-only
        lock = opened.lock
        holder = lock.holder if lock is not None and not lock.held_by(self.identity.name) else ""
        shown.set_read_only(opened.read_only, lock_holder=holder)
        self.lock, self._awaiting_lock = lock, None
        self._follow(shown, opened)
        if shown.read_only:
            self.editable_changed.emit()
        self._load_surroundings(shown.draft.episode_id, list(shown.draft.raw_files))

    def save_and_open(self, episode_id: int, stages: Stages | None = None) -> None:
        """Save and next: save the open episode (releasing its lock), then open `episode_id`.

        Both run in one task on the writer thread, so the open follows the save without a
        round trip through the GUI thread, and never runs when the save failed. When the
        talk was read ahead (`prefetch`), it is shown before either comes back
        (`_show_prepared`): the form is filled and editable from that read, and the open
        then only adds the lock (or, if the talk changed or someone holds it meanwhile,
        shows it as it is now). A failed save brings the saved-from episode back, as if
        it had never been left, and reports the failure as `save` does.

        `stages` say when each step may run (the editor: its PlayerHost); None runs each
        step at once.
        """
        leaving = self.document
        if leaving is None or self.saving or leaving.read_only:
            return
        draft, base = leaving.draft.copy(), leaving.base.copy()
        identity, settings = self.identity, self.settings

        def work() -> tuple[SavedEpisode, OpenedEpisode | Exception]:
            with self.sessions() as session, session.begin():
                saved = editing.save_episode(session, draft, base, identity, settings, release=True)
            try:
                with self.sessions() as session, session.begin():
                    opened = editing.open_for_edit(
                        session, episode_id, identity, settings, with_marks=False
                    )
            except Exception as exc:  # the save stands; the open says what went wrong
                return saved, exc
            return saved, opened

        self.saving = True
        # A failed save falls back to the plain path: retried or resolved, then opened.
        self._pending_then, self._pending_release = (lambda: self.open(episode_id)), True
        self.status.emit("Saving…")
        shown: EditorDocument | None = None

        def go() -> None:
            self._writes.submit(
                work,
                lambda result: self._saved_and_opened(leaving, shown, result),
                lambda exc: self._save_and_open_failed(leaving, shown, exc),
            )

        shown = self._show_prepared(self.preview(episode_id), stages, go)
        if shown is None:
            go()

    def _saved_and_opened(
        self,
        leaving: EditorDocument,
        shown: EditorDocument | None,
        result: tuple[SavedEpisode, OpenedEpisode | Exception],
    ) -> None:
        saved, opened = result
        self.saving = False
        self._pending_then = None
        self.connection_changed.emit(True)
        self._discard_journal(leaving.draft.episode_id)
        self.status.emit(saved_message(saved))
        self.saved.emit(saved.row)
        if self.shut:
            return
        if shown is None:
            if self.document is not leaving:
                # Another talk was opened meanwhile: the lock this open took goes back.
                if not isinstance(opened, Exception):
                    self._release_in_background(opened.draft.episode_id)
                return
            self._forget()
        if isinstance(opened, Exception):
            if shown is not None and self.document is shown:
                self._forget()
            self._open_failed(opened)
            return
        self._loaded(opened, None, shown=shown)

    def _save_and_open_failed(
        self, leaving: EditorDocument, shown: EditorDocument | None, exc: Exception
    ) -> None:
        if shown is not None and self.document is shown and not self.shut:
            # Back to the talk that was not saved, with its edits and its lock.
            if shown.unsaved:
                self._write_journal()  # edits made meanwhile: on disk for its next open
            self.document, self._awaiting_lock = leaving, None
            self.opened.emit(leaving)
            self._state_poll.start()
            if not leaving.read_only:
                self._renew.start()
            self._load_surroundings(leaving.draft.episode_id, list(leaving.draft.raw_files))
        self._save_failed(exc)


def _same_talk(shown: EpisodeDraft, opened: EpisodeDraft) -> bool:
    """True when the open read the talk as the prepared read had it (nothing saved since)."""
    return (
        shown.serial == opened.serial
        and shown.fields == opened.fields
        and [c.values() for c in shown.cuts] == [c.values() for c in opened.cuts]
        and shown.raw_files == opened.raw_files
    )


def saved_message(saved: SavedEpisode) -> str:
    """The status line of a finished save."""
    done = f"Saved “{saved.draft.fields.get('name')}”"
    return f"{done}; {saved.job}" if saved.job else done
