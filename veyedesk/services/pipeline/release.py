"""Release gating as people act on it: set `released`, see why a talk is held, speakers' mail.

A talk whose speaker said No never enters a public state; Unknown waits before the first
one (unless the show has "Unknown publishes"). The rule lives in `jobs.queue.enter_state`;
here are the front ends' ways in: setting `released` (through `save_episode`, so it needs
the lock and is compare-and-swap like any edit, and carries a held talk on), the status
line the list and the form show, and review 2 answered by a speaker with no account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.config import Settings
from veyedesk.jobs.pipeline import ShowPipeline, hold_of
from veyedesk.model import Episode, Log, ReleaseHold
from veyedesk.model.kinds import LogKind
from veyedesk.model.pipeline import REVIEW_2_STATE, HoldReason
from veyedesk.services.editing import LockHeld, change_state, open_for_edit, save_episode
from veyedesk.services.episodes import get_episode
from veyedesk.services.errors import InvalidInput
from veyedesk.services.identity import Identity

RELEASED_WORDS: dict[str, bool | None] = {
    "yes": True,
    "no": False,
    "unknown": None,
}


def parse_released(word: str) -> bool | None:
    """`yes`/`no`/`unknown` as the tri-state `released`."""
    key = word.strip().lower()
    if key not in RELEASED_WORDS:
        raise InvalidInput(f"released is yes, no or unknown, not {word!r}")
    return RELEASED_WORDS[key]


def released_word(value: bool | None) -> str:
    """The tri-state `released` as a word."""
    return "unknown" if value is None else ("yes" if value else "no")


@dataclass(frozen=True)
class ReleaseStatus:
    """Why a talk is held before a public state, for the list, the form and the CLI."""

    reason: HoldReason
    before: str  # the public state it waits to enter

    def describe(self) -> str:
        return f"{self.reason.describe()} (before {self.before})"


def release_status(session: Session, episode_id: int) -> ReleaseStatus | None:
    """The talk's hold, or None when nothing holds it."""
    hold = hold_of(session, episode_id)
    if hold is None:
        return None
    return ReleaseStatus(HoldReason(hold.reason), hold.state.slug)


def show_holds(session: Session, show_id: int) -> dict[int, ReleaseStatus]:
    """Every held talk of the show, by episode id (one query, for the episode list)."""
    rows = session.scalars(
        select(ReleaseHold)
        .join(Episode, Episode.id == ReleaseHold.episode_id)
        .where(Episode.show_id == show_id)
    )
    return {h.episode_id: ReleaseStatus(HoldReason(h.reason), h.state.slug) for h in rows}


def set_released(
    session: Session, episode_id: int, value: bool | None, who: Identity, settings: Settings
) -> ReleaseStatus | None:
    """Set the talk's `released` as an editor saving the form would; returns its hold now.

    Goes through `open_for_edit` and `save_episode` (the lock, the serial check, the Log),
    so setting Yes carries a held talk on by itself. Refused while someone else has the
    talk open.
    """
    who.require("edit")
    opened = open_for_edit(session, episode_id, who, settings, with_marks=False)
    if opened.read_only:
        if opened.lock is not None and not opened.lock.held_by(who.name):
            raise LockHeld(opened.lock)
        raise InvalidInput(f"episode {episode_id} cannot be changed: {opened.read_only}")
    draft = opened.draft.copy()
    draft.fields["released"] = value
    save_episode(session, draft, opened.draft, who, settings, release=True)
    return release_status(session, episode_id)


def _review_2(session: Session, episode_id: int, who: Identity) -> Episode:
    who.require("review")
    episode = get_episode(session, episode_id)
    slug = episode.state.slug if episode.state else "none"
    if slug != REVIEW_2_STATE:
        raise InvalidInput(
            f"episode {episode_id} is in state {slug!r}, not {REVIEW_2_STATE!r}; nothing changed"
        )
    return episode


def approve_by_mail(
    session: Session, episode_id: int, who: Identity, mail_date: date, default_profile: str
) -> str:
    """Record "approved on behalf of the speaker (by mail)" and move review 2 on.

    For speakers without an account who answered the review mail: the reviewer records
    the mail's date (a Log row of kind BY_MAIL whose `start` is that date) and the talk
    continues as if approved. Returns the state it is in afterwards.
    """
    episode = _review_2(session, episode_id, who)
    when = datetime.combine(mail_date, time())
    if mail_date > date.today():
        raise InvalidInput(f"the mail's date {mail_date:%Y-%m-%d} is in the future")
    what = f"approved on behalf of the speaker (by mail of {mail_date:%Y-%m-%d})"
    now = datetime.now()
    session.add(
        Log(
            episode=episode,
            state=episode.state,
            ready=when,
            start=when,
            end=now,
            user=who.name,
            result=what,
            kind=LogKind.BY_MAIL,
        )
    )
    assert episode.state is not None
    following = ShowPipeline.load(session, episode.show_id).following(episode.state)
    if following is None:
        raise InvalidInput(f"episode {episode_id} is in the last state already")
    change_state(
        session,
        episode,
        following.slug,
        who,
        default_profile,
        result=what,
        action="review",
        strict=False,
    )
    session.flush()
    return episode.state.slug if episode.state else ""
