"""Editing an episode: load it as a plain-data draft, save it back with conflict detection.

The GUI edits an `EpisodeDraft` in memory (through undoable commands) and saves it in one
transaction. Saves are optimistic: the draft remembers the episode's `serial`; if someone
saved meanwhile, `save_draft` raises `EditConflict` carrying their values so the editor can
pick per field. Nothing is overwritten silently.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from veyedesk.media.locator import MediaLocator
from veyedesk.model import Cut, CutTombstone, Episode, RawFile
from veyedesk.model.cuts import bounds, cut_problem, fps_or_default
from veyedesk.services.editing.marks import MarkTime, day_marks
from veyedesk.services.episodes import day_bounds
from veyedesk.services.errors import Conflict, InvalidInput, NotFound

# Episode fields the editor form changes, in form order.
EDITABLE_FIELDS: tuple[str, ...] = (
    "name",
    "subtitle",
    "authors",
    "emails",
    "description",
    "released",
    "license",
    "tags",
    "language",
    "normalise",
    "channelcopy",
    "av_offset_ms",
    "thumbnail",
    "title_image",
    "comment",
    "start",
    "duration",
)

CUT_FIELDS: tuple[str, ...] = ("raw_file_id", "sequence", "start", "end", "apply", "comment")


@dataclass(frozen=True)
class RawFileInfo:
    """A raw file as the editor needs it: where it is on disk and in wall-clock time."""

    id: int
    filename: str
    path: Path
    start: datetime | None
    duration: float | None
    fps: float
    missing: bool = False
    probe_error: str = ""
    # The local file may hold only part of the raw file (an assets folder's segment or
    # proxy): raw-file seconds from `media_offset` on, `media_duration` long (None = all).
    media_offset: float = 0.0
    media_duration: float | None = None

    @property
    def usable(self) -> bool:
        """False for files that vanished or could not be read."""
        return not self.missing and not self.probe_error and bool(self.duration)


@dataclass
class CutDraft:
    """One cut as edited: offsets in seconds from the raw file's start (None = file bound)."""

    raw_file_id: int
    sequence: int
    start: float | None = None
    end: float | None = None
    apply: bool = True
    comment: str = ""
    id: int | None = None  # None until saved

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in CUT_FIELDS)


@dataclass
class EpisodeDraft:
    """An episode's editable fields and cut list, detached from the database."""

    episode_id: int
    serial: int
    fields: dict[str, Any]
    cuts: list[CutDraft]
    raw_files: dict[int, RawFileInfo] = field(default_factory=dict)

    def copy(self) -> EpisodeDraft:
        return copy.deepcopy(self)

    def changed_fields(self, base: EpisodeDraft) -> list[str]:
        """Field names (and "cuts") whose values differ from `base`."""
        names = [n for n in EDITABLE_FIELDS if self.fields.get(n) != base.fields.get(n)]
        if [c.values() for c in self.cuts] != [c.values() for c in base.cuts]:
            names.append("cuts")
        return names

    def cut_bounds(self, cut: CutDraft) -> tuple[float, float]:
        """The cut's in and out as offsets, blanks resolved against the raw file."""
        raw = self.raw_files.get(cut.raw_file_id)
        return bounds(cut.start, cut.end, raw.duration if raw else None)

    def fps_of(self, raw_file_id: int) -> float:
        """Frame rate of one of the room-day's raw files (the default for unknown ones)."""
        raw = self.raw_files.get(raw_file_id)
        return fps_or_default(raw.fps if raw else None)

    def cuts_time(self) -> float:
        """Seconds in the applied cuts."""
        total = 0.0
        for cut in self.cuts:
            if cut.apply:
                start, end = self.cut_bounds(cut)
                total += max(0.0, end - start)
        return total


class EditConflict(Conflict):
    """Someone saved the episode after this draft was loaded; `theirs` is what they saved."""

    def __init__(self, theirs: EpisodeDraft, fields: list[str], by: str) -> None:
        who = f" by {by}" if by else ""
        super().__init__(
            f"episode {theirs.episode_id} was saved{who} while you edited it; "
            f"both changed: {', '.join(fields) or 'nothing you changed'} — choose per field"
        )
        self.theirs = theirs
        self.fields = fields


def raw_file_info(raw: RawFile, media: MediaLocator | str) -> RawFileInfo:
    """Plain data for one raw file, with its media on this machine (see media.locator)."""
    locator = media if isinstance(media, MediaLocator) else MediaLocator(media)
    local = locator.locate(raw)
    return RawFileInfo(
        id=raw.id,
        filename=raw.filename,
        path=local.path,
        start=raw.start,
        duration=raw.duration,
        fps=fps_or_default(raw.fps),
        missing=raw.missing or local.kind == "absent",
        probe_error=raw.probe_error,
        media_offset=local.offset,
        media_duration=local.duration,
    )


def room_day_raw_files(session: Session, episode: Episode) -> list[RawFile]:
    """Raw files of the episode's room on the day of the talk (and any its cuts use)."""
    used = {c.raw_file_id for c in episode.cuts}
    stmt = select(RawFile).options(selectinload(RawFile.location), selectinload(RawFile.show))
    if episode.location_id is not None and episode.start is not None:
        lo, hi = day_bounds(episode.start)
        stmt = stmt.where(
            RawFile.location_id == episode.location_id,
            RawFile.show_id == episode.show_id,
            RawFile.trash.is_(False),
            ((RawFile.start >= lo) & (RawFile.start < hi)) | RawFile.id.in_(used),
        )
    else:
        stmt = stmt.where(RawFile.id.in_(used))
    return list(session.scalars(stmt.order_by(RawFile.start, RawFile.filename)))


def _draft_from(
    episode: Episode, media: MediaLocator | str, raw_files: list[RawFile]
) -> EpisodeDraft:
    cuts = [
        CutDraft(
            id=c.id,
            raw_file_id=c.raw_file_id,
            sequence=c.sequence,
            start=c.start,
            end=c.end,
            apply=c.apply,
            comment=c.comment,
        )
        for c in sorted(episode.cuts, key=lambda c: (c.sequence, c.id))
    ]
    locator = media if isinstance(media, MediaLocator) else MediaLocator(media)
    infos = {r.id: raw_file_info(r, locator) for r in raw_files}
    return EpisodeDraft(
        episode_id=episode.id,
        serial=episode.serial,
        fields={name: getattr(episode, name) for name in EDITABLE_FIELDS},
        cuts=cuts,
        raw_files=infos,
    )


def _load_episode(session: Session, episode_id: int) -> Episode:
    episode = session.scalar(
        select(Episode)
        .where(Episode.id == episode_id)
        .options(selectinload(Episode.cuts).selectinload(Cut.raw_file))
        .execution_options(populate_existing=True)
    )
    if episode is None:
        raise NotFound(f"episode {episode_id} no longer exists (deleted by someone else?)")
    return episode


def load_draft(session: Session, episode_id: int, media: MediaLocator | str) -> EpisodeDraft:
    """The episode, its cuts and its room-day's raw files, as a detached draft.

    `media` finds each raw file's media (a raw root folder, or a locator that knows an
    assets folder's pieces).
    """
    episode = _load_episode(session, episode_id)
    return _draft_from(episode, media, room_day_raw_files(session, episode))


def validate_cuts(draft: EpisodeDraft) -> None:
    """Refuse cuts that end before they start, run past their file, or name unknown files."""
    for n, cut in enumerate(draft.cuts, start=1):
        raw = draft.raw_files.get(cut.raw_file_id)
        if raw is None:
            raise InvalidInput(f"cut {n}: raw file {cut.raw_file_id} is not in this room's day")
        problem = cut_problem(cut.start, cut.end, raw.duration or None, raw.fps)
        if problem:
            raise InvalidInput(f"cut {n} ({raw.filename}): {problem}")


def save_draft(
    session: Session, draft: EpisodeDraft, base: EpisodeDraft, user: str
) -> EpisodeDraft:
    """Write the draft's changes (fields and cuts) in the caller's transaction.

    `base` is the draft as loaded; only fields that differ from it are written and marked as
    edited (so schedule re-imports keep them). Raises EditConflict if the episode's serial
    moved since `base` was loaded and the other save touched any field this one changes.
    Returns the new base (as saved).

    The serial is claimed with compare-and-swap (`UPDATE … WHERE serial = ?`), so of two
    saves from the same base exactly one wins, on SQLite and PostgreSQL alike; the other
    sees the winner's values and merges or gets the conflict.
    """
    validate_cuts(draft)
    mine = draft.changed_fields(base)
    expected = base.serial
    for _ in range(_CAS_TRIES):
        # The conditional UPDATE comes first: on SQLite it takes the write lock before any
        # read in this transaction, on PostgreSQL it waits for a concurrent saver's commit.
        if _claim_serial(session, draft.episode_id, expected):
            break
        episode = _load_episode(session, draft.episode_id)
        expected = episode.serial
        theirs = _draft_from(episode, "", [])
        theirs.raw_files = draft.raw_files
        touched = theirs.changed_fields(base)
        overlap = [n for n in mine if n in touched]
        if overlap:
            raise EditConflict(theirs, overlap, episode.locked_by)
        # Disjoint changes merge: keep theirs for everything we did not touch.
        for name in EDITABLE_FIELDS:
            if name not in mine:
                draft.fields[name] = theirs.fields[name]
        if "cuts" not in mine:
            draft.cuts = copy.deepcopy(theirs.cuts)
    else:
        raise Conflict(
            f"episode {draft.episode_id} kept changing while saving; your edits are kept, "
            "save again"
        )
    episode = _load_episode(session, draft.episode_id)
    for name in mine:
        if name != "cuts":
            setattr(episode, name, draft.fields[name])
    if "cuts" in mine:
        _write_cuts(session, episode, draft.cuts, base.cuts, user)
    edited = set(episode.edited_fields or []) | {n for n in mine if n != "cuts"}
    episode.edited_fields = sorted(edited)
    session.flush()
    saved = _draft_from(episode, "", [])
    saved.raw_files = draft.raw_files
    return saved


_CAS_TRIES = 3


def _claim_serial(session: Session, episode_id: int, expected: int) -> bool:
    """Bump the serial from `expected`; False when another save moved it first."""
    result = session.execute(
        update(Episode)
        .where(Episode.id == episode_id, Episode.serial == expected)
        .values(serial=expected + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _write_cuts(
    session: Session, episode: Episode, cuts: list[CutDraft], seen: list[CutDraft], user: str
) -> None:
    """Write the editor's cut list; remove only cuts the editor saw and deleted.

    Cuts added meanwhile (by `assoc`) stay, after the editor's; every raw file whose cuts
    the editor removed gets a tombstone so `assoc` does not bring them back.
    """
    existing = {c.id: c for c in episode.cuts}
    keep: set[int] = set()
    for n, draft_cut in enumerate(cuts, start=1):
        row = existing.get(draft_cut.id) if draft_cut.id is not None else None
        if row is None:
            row = Cut(raw_file_id=draft_cut.raw_file_id)
            episode.cuts.append(row)
        changed = (
            row.raw_file_id,
            row.start,
            row.end,
            row.apply,
            row.comment,
        ) != (
            draft_cut.raw_file_id,
            draft_cut.start,
            draft_cut.end,
            draft_cut.apply,
            draft_cut.comment,
        )
        row.raw_file_id = draft_cut.raw_file_id
        row.sequence = n
        row.start, row.end = draft_cut.start, draft_cut.end
        row.apply, row.comment = draft_cut.apply, draft_cut.comment
        row.edited = row.edited or changed
        if row.id is not None:
            keep.add(row.id)
    seen_ids = {c.id for c in seen if c.id is not None}
    removed = [row for cut_id, row in existing.items() if cut_id in seen_ids - keep]
    for row in removed:
        episode.cuts.remove(row)
    still_used = {c.raw_file_id for c in cuts}
    _bury(session, episode.id, {r.raw_file_id for r in removed} - still_used, user)
    # Cuts the editor never saw (added by assoc meanwhile) go after the editor's.
    top = len(cuts)
    for cut_id, row in existing.items():
        if cut_id not in keep and cut_id not in seen_ids:
            top += 1
            row.sequence = top
    session.flush()
    mine = sorted((c for c in episode.cuts if c.sequence <= len(cuts)), key=lambda c: c.sequence)
    for draft_cut, row in zip(cuts, mine, strict=True):
        draft_cut.id = row.id
        draft_cut.sequence = row.sequence


def _bury(session: Session, episode_id: int, raw_file_ids: set[int], user: str) -> None:
    """Leave a tombstone for each raw file whose cuts the editor deleted."""
    if not raw_file_ids:
        return
    have = set(
        session.scalars(
            select(CutTombstone.raw_file_id).where(
                CutTombstone.episode_id == episode_id,
                CutTombstone.raw_file_id.in_(raw_file_ids),
            )
        )
    )
    now = datetime.now()
    for raw_file_id in sorted(raw_file_ids - have):
        session.add(
            CutTombstone(episode_id=episode_id, raw_file_id=raw_file_id, deleted_at=now, user=user)
        )


def resolve_conflict(
    mine: EpisodeDraft, theirs: EpisodeDraft, keep_mine: set[str]
) -> tuple[EpisodeDraft, EpisodeDraft]:
    """Merge after a conflict: fields in `keep_mine` from mine, the rest from theirs.

    Returns (draft to save, new base): saving the draft against the new base then writes
    exactly the fields the editor kept from their own version.
    """
    merged = theirs.copy()
    for name in EDITABLE_FIELDS:
        if name in keep_mine:
            merged.fields[name] = mine.fields[name]
    if "cuts" in keep_mine:
        merged.cuts = copy.deepcopy(mine.cuts)
    merged = replace(merged, raw_files=mine.raw_files)
    base = replace(theirs.copy(), raw_files=mine.raw_files)
    return merged, base


def room_day_marks(session: Session, episode_id: int) -> list[datetime]:
    """Wall-clock marks of the episode's room on the day of the talk, in time order.

    Each is a `MarkTime`: a datetime that also carries the mark's kind.
    """
    episode = _load_episode(session, episode_id)
    if episode.location_id is None or episode.start is None:
        return []
    marks = day_marks(session, episode.location_id, episode.start.date())
    return [MarkTime.of(m.click, m.kind) for m in marks]
