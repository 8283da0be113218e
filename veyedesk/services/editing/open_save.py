"""Editing one episode: open it for editing, save it, move it to another state.

This is the one path every front end takes (the editor window, the play window, the review
window, the CLI): it takes the acting identity and checks what that identity may do here,
so a reviewer's play window or a reviewer's `veyedesk state set` is refused the same way
the editor's form is. The caller owns the session and its transaction.

Saving is compare-and-swap on `Episode.serial` (see `services.edit.save_draft`) and needs
the episode's lock: an editor whose lock someone else holds now (taken over) cannot save
over the new holder's work; their edits stay in their journal. A lock that was released
meanwhile is taken back, and the serial check still stops a lost update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from veyedesk.config import Settings
from veyedesk.jobs.queue import JobError
from veyedesk.jobs.state_moves import enter_state, resume
from veyedesk.media.locator import MediaLocator
from veyedesk.model import EncodeJob, Episode
from veyedesk.model.kinds import MarkKind
from veyedesk.model.text import plain_text
from veyedesk.services.editing import draft as edit, marks as marking
from veyedesk.services.editing.draft import EpisodeDraft
from veyedesk.services.editing.facts import episode_row
from veyedesk.services.editing.locks import LockHeld, LockState, lock_state, release_lock, take_lock
from veyedesk.services.encoding import adopt_title_image
from veyedesk.services.episodes import EpisodeRow, get_episode, get_state
from veyedesk.services.errors import Conflict, InvalidInput
from veyedesk.services.identity import Identity, require_active

# The draft's pseudo-field for the episode's state: the form edits it like any other field,
# but saving it is a state change (logged, and it may queue a job), not a column write.
STATE = "state"

# Free-text fields: control characters are stripped when saved (a NUL in a title breaks
# every ffmpeg and command run); descriptions and notes keep their line breaks.
_ONE_LINE: tuple[str, ...] = ("name", "subtitle", "authors", "emails", "license", "tags")
_ONE_LINE += ("language", "thumbnail", "title_image")
_MULTI_LINE = ("description", "comment")


@dataclass
class OpenedEpisode:
    """What opening an episode for editing fetched (plain data, safe across threads)."""

    draft: EpisodeDraft  # includes the STATE pseudo-field
    lock: LockState | None  # the lock as it is now (ours, someone else's, or None)
    read_only: str  # why this user cannot edit it; "" when they can
    row: EpisodeRow
    marks: list[datetime] = field(default_factory=list)


@dataclass
class SavedEpisode:
    """The new base after a save, and the episode's list line."""

    draft: EpisodeDraft
    row: EpisodeRow
    job: str = ""  # "queued encode mp4" when the state change queued work


class LockLost(Conflict):
    """The episode's lock is not (or no longer) this editor's: the save is refused."""

    def __init__(self, state: LockState) -> None:
        why = state.describe()
        super().__init__(
            f"episode {state.episode_id} was not saved: {why}. Your edits are kept in this "
            "window and its journal; reopen the talk when it is free to save them"
        )
        self.state = state


def open_for_edit(
    session: Session,
    episode_id: int,
    who: Identity,
    settings: Settings,
    *,
    with_marks: bool = True,
) -> OpenedEpisode:
    """Load the episode as a draft and take its lock when `who` may edit it.

    A lock held by someone else does not fail the open: the episode opens read-only with the
    reason (and the lock, so the window can offer a take-over). The lock is written in the
    caller's transaction: commit it.
    """
    require_active(session, who)  # a login disabled since sign-in opens nothing
    draft = preview_draft(session, episode_id, settings)
    lock: LockState | None = None
    read_only = ""
    if who.can("edit"):
        try:
            lock = take_lock(session, episode_id, who, settings.lock_stale_minutes)
        except LockHeld as exc:
            lock, read_only = exc.state, exc.state.describe()
    else:
        read_only = f"{who.name} is a {who.role}: reviewers cannot edit"
    marks = edit.room_day_marks(session, episode_id) if with_marks else []
    return OpenedEpisode(draft, lock, read_only, episode_row(session, episode_id), marks)


def preview_draft(session: Session, episode_id: int, settings: Settings) -> EpisodeDraft:
    """The episode's draft as it is now, read only (no lock taken, nothing written).

    For showing a talk before `open_for_edit` returns (the editor reads it while a line is
    selected, and for the talk Save and next goes to, so the picture and the form show at
    once). The same draft `open_for_edit` returns, STATE included, so the editor can tell
    whether the talk changed between the two reads.
    """
    draft = edit.load_draft(session, episode_id, MediaLocator.for_settings(settings))
    episode = get_episode(session, episode_id)
    draft.fields[STATE] = episode.state.slug if episode.state else None
    return draft


def clean_fields(draft: EpisodeDraft) -> None:
    """Strip control characters from the draft's free-text fields (in place)."""
    for name in _ONE_LINE + _MULTI_LINE:
        value = draft.fields.get(name)
        if isinstance(value, str):
            draft.fields[name] = plain_text(value, multiline=name in _MULTI_LINE)


def save_episode(
    session: Session,
    draft: EpisodeDraft,
    base: EpisodeDraft,
    who: Identity,
    settings: Settings,
    *,
    release: bool = False,
) -> SavedEpisode:
    """Save the draft (fields, cuts, state) in the caller's transaction.

    Refused (nothing written) when `who` may not edit, does not hold the episode's lock,
    or a cut is impossible; `EditConflict` when someone saved the same fields meanwhile.
    A changed state goes through `change_state`, so it queues its job like any other.
    """
    who.require("edit")
    require_active(session, who)
    held = lock_state(session, draft.episode_id, settings.lock_stale_minutes)
    if held.free:
        # Released meanwhile (the taker closed it): take it back; the serial check still
        # refuses to overwrite whatever they saved.
        take_lock(session, draft.episode_id, who, settings.lock_stale_minutes)
    elif not held.held_by(who.name):
        raise LockLost(held)
    clean_fields(draft)
    image = draft.fields.get("title_image")
    if isinstance(image, str) and image and image != base.fields.get("title_image"):
        # A title image chosen outside the show's folder is copied in: the encode takes a
        # talk's own image from the show's folder only.
        episode = get_episode(session, draft.episode_id)
        draft.fields["title_image"] = adopt_title_image(episode, image, settings.files_root)
    saved = edit.save_draft(session, draft, base, who.name)
    wanted = draft.fields.get(STATE)
    job = ""
    if wanted and wanted != base.fields.get(STATE):
        episode = get_episode(session, draft.episode_id)
        queued = change_state(session, episode, wanted, who, settings.default_profile)
        job = f"queued {queued.kind} {queued.profile}" if queued is not None else ""
    moved = bool(wanted and wanted != base.fields.get(STATE))
    saved.fields[STATE] = wanted
    if draft.fields.get("released") != base.fields.get("released"):
        # A talk held before a public state carries on once its speaker said Yes.
        episode = get_episode(session, draft.episode_id)
        resumed = resume(session, episode, who.name, settings.default_profile)
        job = job or (f"queued {resumed.kind} {resumed.profile}" if resumed is not None else "")
        if episode.released is False:
            # A speaker who withdrew: take the talk down wherever it was published.
            from veyedesk.jobs.publishing import queue_depublish

            taken = queue_depublish(session, episode)
            job = job or (f"queued taking it down (job {taken.id})" if taken is not None else "")
        moved = True
    # Where the talk is now, moved or not: a pass state walks it on, a release hold keeps
    # it back, and a worker or a reviewer may have moved it since the form was opened (the
    # form's base must follow, or it shows a state the talk left long ago).
    now_in = get_episode(session, draft.episode_id).state
    saved.fields[STATE] = now_in.slug if now_in is not None else (wanted if moved else None)
    if release:
        release_lock(session, draft.episode_id, who)
    session.flush()
    return SavedEpisode(saved, episode_row(session, draft.episode_id), job)


def change_state(
    session: Session,
    episode: Episode,
    state_slug: str,
    who: Identity,
    default_profile: str,
    *,
    result: str = "",
    action: str = "edit",
    strict: bool = True,
) -> EncodeJob | None:
    """Move the episode to `state_slug` (logged) and queue what that state calls for.

    Every front end's state change comes here: the form, `veyedesk state set`, review's
    approve and reject. `action` is the permission it needs ("review" for a reviewer's
    approve/reject). A state picked by name (`strict`) that the talk's `released` keeps
    it out of is refused; an approval (`strict=False`) is kept and the talk held before
    it instead (see jobs.queue.enter_state). Returns the job queued, if any.
    """
    who.require(action)
    state = get_state(session, state_slug)
    try:
        return enter_state(
            session, episode, state, who.name, default_profile, result=result, strict=strict
        )
    except JobError as exc:
        raise InvalidInput(str(exc)) from None


def add_mark(session: Session, episode_id: int, click: datetime, who: Identity) -> bool:
    """Record a "cut here" mark in the episode's room; False if one is already at that time."""
    who.require("edit")
    episode = get_episode(session, episode_id)
    if episode.location_id is None:
        raise InvalidInput(f"episode {episode_id} has no room, so a mark has nowhere to go")
    # Pressing M twice at a paused playhead is one mark (the Mark window, pressed live,
    # moves a second press on by a millisecond instead).
    if marking.mark_at(session, episode.location_id, click):
        return False
    marking.record_mark(
        session, who, episode.show_id, episode.location_id, MarkKind.CUT, click, source="editor"
    )
    return True


def renew_lock(session: Session, episode_id: int, who: Identity, settings: Settings) -> LockState:
    """Refresh the lock an open editor holds, so real editing never makes it stale.

    Raises LockLost when the lock is no longer theirs (taken over meanwhile).
    """
    try:
        return take_lock(session, episode_id, who, settings.lock_stale_minutes)
    except LockHeld as exc:
        raise LockLost(exc.state) from None
