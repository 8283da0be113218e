"""Review: the episodes waiting in *review 1* / *review 2*, the structure of their encode
(title, each cut, credits, and the seams between), approve and reject.

A reviewer must have opened the current encode before approving it: opening writes a Log
row, and approval looks for one by the same user after the newest encode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from veyedesk.config import Settings
from veyedesk.encode.plan import frames
from veyedesk.media.probe import MediaError, probe
from veyedesk.model import Cut, Episode, Log, ReleaseHold, State
from veyedesk.model.kinds import LogKind
from veyedesk.model.pipeline import HoldReason
from veyedesk.services.editing import change_state
from veyedesk.services.encoding import output_path
from veyedesk.services.episodes import get_episode
from veyedesk.services.errors import InvalidInput, NotFound, PermissionDenied
from veyedesk.services.identity import Identity

REVIEW_STATES = ("review 1", "review 2")
OPENED = "opened the encode for review"


@dataclass(frozen=True)
class ReviewItem:
    """An episode waiting for review, as the review list shows it."""

    episode_id: int
    name: str
    room: str
    start: datetime | None
    state: str


@dataclass(frozen=True)
class Part:
    """A stretch of the encode: the title, one cut (with where it came from), or the credits."""

    label: str
    start: float
    end: float
    raw_file_id: int | None = None
    raw_offset: float = 0.0  # where this part starts in its raw file

    def raw_position(self, t: float) -> tuple[int, float] | None:
        """The raw file and offset shown at encode time `t` (None for title and credits)."""
        if self.raw_file_id is None:
            return None
        return self.raw_file_id, self.raw_offset + max(0.0, min(t, self.end) - self.start)


@dataclass(frozen=True)
class ReviewPackage:
    """What the reviewer needs: the file, its parts and seams, and the verification facts."""

    episode_id: int
    name: str
    state: str
    path: Path
    exists: bool
    parts: tuple[Part, ...]
    expected_duration: float
    duration: float | None
    size: int
    fps: float
    encode_log: str  # the newest encode's Log line (duration, size, loudness, speed)
    problem: str = ""  # why the file cannot be played, if it cannot

    @property
    def seams(self) -> list[float]:
        """Times worth checking: end of the title, every cut boundary, start of the credits."""
        return [p.end for p in self.parts[:-1]]

    def part_at(self, t: float) -> Part | None:
        for part in self.parts:
            if part.start <= t < part.end:
                return part
        return self.parts[-1] if self.parts and t >= self.parts[-1].start else None

    @property
    def duration_error(self) -> float | None:
        """Actual minus expected duration, in seconds."""
        return None if self.duration is None else self.duration - self.expected_duration


def review_items(session: Session, show_id: int) -> list[ReviewItem]:
    """Episodes of the show in a review state, in time order.

    A talk approved but held there by its `released` (before a public state) is not
    waiting for a reviewer any more, so it is left out.
    """
    held = select(ReleaseHold.episode_id)
    stmt = (
        select(Episode)
        .join(State, Episode.state_id == State.id)
        .where(
            Episode.show_id == show_id,
            State.slug.in_(REVIEW_STATES),
            Episode.id.not_in(held),
        )
        .options(selectinload(Episode.location), selectinload(Episode.state))
        .order_by(Episode.start, Episode.id)
    )
    return [
        ReviewItem(
            episode_id=e.id,
            name=e.name,
            room=e.location.name if e.location else "",
            start=e.start,
            state=e.state.slug if e.state else "",
        )
        for e in session.scalars(stmt)
    ]


@dataclass(frozen=True)
class HeldItem:
    """A talk stopped before a public state by its `released`, as the review window lists it."""

    episode_id: int
    name: str
    room: str
    start: datetime | None
    state: str
    reason: HoldReason
    before: str  # the public state it waits to enter

    def describe(self) -> str:
        """Why it waits, in the list's words: "waiting for the speaker's release (before …)"."""
        return f"{self.reason.describe()} (before {self.before})"


def held_items(session: Session, show_id: int) -> list[HeldItem]:
    """Talks of the show held before a public state, in time order (reviewers see why).

    Approved talks whose speaker has not said Yes wait here; "speaker said yes" in the
    review window sets `released` through `services.pipeline.release.set_released`.
    """
    stmt = (
        select(Episode, ReleaseHold)
        .join(ReleaseHold, ReleaseHold.episode_id == Episode.id)
        .where(Episode.show_id == show_id)
        .options(
            selectinload(Episode.location),
            selectinload(Episode.state),
            selectinload(ReleaseHold.state),
        )
        .order_by(Episode.start, Episode.id)
    )
    return [
        HeldItem(
            episode_id=e.id,
            name=e.name,
            room=e.location.name if e.location else "",
            start=e.start,
            state=e.state.slug if e.state else "",
            reason=HoldReason(hold.reason),
            before=hold.state.slug,
        )
        for e, hold in session.execute(stmt).all()
    ]


def _parts(episode: Episode, settings: Settings, fps: float) -> list[Part]:
    # The same frame quantisation as the encode plan, so seams land on the encoded frames.
    def seconds(duration: float) -> float:
        return frames(duration, fps) / fps

    parts: list[Part] = []
    at = 0.0
    if settings.title_seconds > 0:
        at = seconds(settings.title_seconds)
        parts.append(Part("Title", 0.0, at))
    for n, cut in enumerate(episode.applied_cuts(), start=1):
        length = seconds(cut.duration())
        parts.append(
            Part(
                f"Cut {n} ({cut.raw_file.filename})",
                at,
                at + length,
                raw_file_id=cut.raw_file_id,
                raw_offset=cut.in_offset(),
            )
        )
        at += length
    if settings.credits_seconds > 0:
        parts.append(Part("Credits", at, at + seconds(settings.credits_seconds)))
    return parts


def _newest_encode_log(episode: Episode) -> Log | None:
    # A newer encode needs a new look: approval counts only openings after it.
    encodes = [log for log in episode.logs if log.kind == LogKind.ENCODED]
    return encodes[-1] if encodes else None


def load_review(
    session: Session, episode_id: int, settings: Settings, profile: str | None = None
) -> ReviewPackage:
    """The episode's encode (for `profile`) with its parts and what ffprobe says of it."""
    episode = session.scalar(
        select(Episode)
        .where(Episode.id == episode_id)
        .options(selectinload(Episode.cuts).selectinload(Cut.raw_file), selectinload(Episode.logs))
    )
    if episode is None:
        raise NotFound(f"no episode with id {episode_id}; `veyedesk episodes` lists them")
    chosen = settings.profile(profile)
    path = output_path(settings, episode.show.client.slug, episode.show.slug, chosen, episode.slug)
    parts = _parts(episode, settings, chosen.fps)
    duration, size, problem = None, 0, ""
    if path.is_file():
        try:
            info = probe(path)
            duration, size = info.duration, info.size
        except MediaError as exc:
            problem = str(exc)
    else:
        problem = f"{path} does not exist: encode the episode first (state encode)"
    log = _newest_encode_log(episode)
    return ReviewPackage(
        episode_id=episode.id,
        name=episode.name,
        state=episode.state.slug if episode.state else "",
        path=path,
        exists=path.is_file(),
        parts=tuple(parts),
        expected_duration=parts[-1].end if parts else 0.0,
        duration=duration,
        size=size,
        fps=chosen.fps,
        encode_log=log.result if log else "",
        problem=problem,
    )


def _log(session: Session, episode: Episode, user: str, result: str, kind: LogKind) -> Log:
    now = datetime.now()
    log = Log(
        episode=episode,
        state=episode.state,
        ready=now,
        start=now,
        end=now,
        user=user,
        result=result,
        kind=kind,
    )
    session.add(log)
    return log


def mark_opened(session: Session, episode_id: int, who: Identity) -> None:
    """Record that `who` opened the current encode (approval needs it)."""
    who.require("review")
    _log(session, get_episode(session, episode_id), who.name, OPENED, LogKind.REVIEW_OPENED)
    session.flush()


def _opened_since_last_encode(episode: Episode, user: str) -> bool:
    newest = _newest_encode_log(episode)
    floor = newest.id if newest is not None else 0
    return any(
        log.kind == LogKind.REVIEW_OPENED and log.user == user and log.id > floor
        for log in episode.logs
    )


def _in_review(session: Session, episode_id: int, who: Identity) -> Episode:
    who.require("review")
    episode = get_episode(session, episode_id)
    slug = episode.state.slug if episode.state else "none"
    if slug not in REVIEW_STATES:
        raise InvalidInput(
            f"episode {episode_id} is in state {slug!r}, not waiting for review; nothing changed"
        )
    return episode


def approve(session: Session, episode_id: int, who: Identity, default_profile: str) -> str:
    """Advance a reviewed episode to the next state (queueing its work); returns where it is now."""
    episode = _in_review(session, episode_id, who)
    if not _opened_since_last_encode(episode, who.name):
        raise PermissionDenied(
            f"open the encode of episode {episode_id} and watch its seams before approving it"
        )
    assert episode.state is not None
    following = session.scalar(
        select(State).where(State.sequence > episode.state.sequence).order_by(State.sequence)
    )
    if following is None:
        raise InvalidInput(f"episode {episode_id} is in the last state already")
    change_state(
        session,
        episode,
        following.slug,
        who,
        default_profile,
        result="approved",
        action="review",
        strict=False,
    )
    session.flush()
    # Where the talk is now: pass states after the approved one walk it on.
    return episode.state.slug if episode.state else following.slug


def reject(
    session: Session, episode_id: int, who: Identity, comment: str, default_profile: str
) -> None:
    """Send an episode back to *edit* with the reviewer's comment in the Log and the notes."""
    text = comment.strip()
    if not text:
        raise InvalidInput("say what is wrong: a rejection needs a comment for the editor")
    episode = _in_review(session, episode_id, who)
    from_state = episode.state.slug if episode.state else ""
    note = f"[{from_state} rejected by {who.name}, {datetime.now():%Y-%m-%d %H:%M}] {text}"
    episode.comment = f"{episode.comment.rstrip()}\n{note}".strip() if episode.comment else note
    change_state(
        session, episode, "edit", who, default_profile, result=f"rejected: {text}", action="review"
    )
    session.flush()
