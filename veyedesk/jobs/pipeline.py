"""How one show runs its states: kinds, commands, public flags and release holds, read once.

`ShowPipeline.load` reads a show's rows (and the defaults of `model.pipeline` for states it
never changed) in two queries; `jobs.queue.enter_state` asks it what a state is, walks
pass states with it and stops before a public state a talk's `released` forbids. This
module writes only `ReleaseHold` rows; moving talks is `jobs.queue`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.model import (
    Episode,
    PipelineSettings,
    PublishTarget,
    ReleaseHold,
    ShowState,
    State,
)
from veyedesk.model.pipeline import (
    DEFAULT_PUBLIC_STATES as DEFAULT_PUBLIC_STATES,
    DEFAULT_PUBLISH_ACTIONS,
    HoldReason,
    PublishAction,
    StateKind,
    default_kind,
    release_hold,
)


@dataclass(frozen=True)
class Stage:
    """One state as a show runs it."""

    state_id: int
    slug: str
    sequence: int
    kind: StateKind
    command: str | None
    public: bool
    customised: bool  # the show has its own row for this state
    # A publish state's action and target names (empty: the action's default targets).
    action: PublishAction | None = None
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleaseRules:
    """A show's release and review settings."""

    unknown_publishes: bool = False
    review_timeout_days: int | None = None


class ShowPipeline:
    """The states of one show in order, each with its kind, command and public flag."""

    def __init__(self, show_id: int, stages: list[Stage], rules: ReleaseRules) -> None:
        self.show_id = show_id
        self.stages = stages
        self.rules = rules
        self._by_id = {s.state_id: s for s in stages}
        self._by_slug = {s.slug: s for s in stages}

    @classmethod
    def load(cls, session: Session, show_id: int) -> ShowPipeline:
        """The show's pipeline as the database says now."""
        own = {
            row.state_id: row
            for row in session.scalars(select(ShowState).where(ShowState.show_id == show_id))
        }
        stages = []
        has_targets = (
            session.scalar(
                select(PublishTarget.id).where(PublishTarget.show_id == show_id).limit(1)
            )
            is not None
        )
        for state in session.scalars(select(State).order_by(State.sequence)):
            row = own.get(state.id)
            if row is None:
                kind = default_kind(state.slug, state.command, has_targets)
                stages.append(
                    Stage(
                        state.id,
                        state.slug,
                        state.sequence,
                        kind,
                        state.command,
                        state.slug in DEFAULT_PUBLIC_STATES,
                        False,
                        DEFAULT_PUBLISH_ACTIONS.get(state.slug)
                        if kind == StateKind.PUBLISH
                        else None,
                    )
                )
            else:
                kind = StateKind(row.kind)
                action = None
                if kind == StateKind.PUBLISH:
                    action = PublishAction(
                        row.publish_action
                        or DEFAULT_PUBLISH_ACTIONS.get(state.slug, PublishAction.UPLOAD)
                    )
                names = tuple(
                    n.strip() for n in (row.publish_targets or "").split(",") if n.strip()
                )
                stages.append(
                    Stage(
                        state.id,
                        state.slug,
                        state.sequence,
                        kind,
                        row.command,
                        row.public,
                        True,
                        action,
                        names,
                    )
                )
        found = session.get(PipelineSettings, show_id)
        rules = (
            ReleaseRules(found.unknown_publishes, found.review_timeout_days)
            if found is not None
            else ReleaseRules()
        )
        return cls(show_id, stages, rules)

    def stage(self, state: State) -> Stage:
        """How the show runs `state`."""
        return self._by_id[state.id]

    def by_slug(self, slug: str) -> Stage | None:
        return self._by_slug.get(slug)

    def following(self, state: State) -> Stage | None:
        """The next state in sequence order (None after the last)."""
        later = [s for s in self.stages if s.sequence > state.sequence]
        return later[0] if later else None

    def hold_reason(self, episode: Episode, state: State) -> HoldReason | None:
        """Why `episode` may not enter `state` now (None: it may)."""
        if not self.stage(state).public:
            return None
        return release_hold(episode.released, self.rules.unknown_publishes)


def hold_of(session: Session, episode_id: int) -> ReleaseHold | None:
    """The talk's release hold, if it is stopped before a public state."""
    return session.get(ReleaseHold, episode_id)


def set_hold(
    session: Session, episode: Episode, state: State, reason: HoldReason
) -> tuple[ReleaseHold, bool]:
    """Record that `episode` stopped before `state`; True when that is news (log it)."""
    hold = session.get(ReleaseHold, episode.id)
    if hold is not None and hold.state_id == state.id and hold.reason == reason:
        return hold, False
    if hold is None:
        hold = ReleaseHold(episode_id=episode.id)
        session.add(hold)
    hold.state_id, hold.reason, hold.since = state.id, reason, datetime.now()
    session.flush()
    return hold, True


def clear_hold(session: Session, episode: Episode) -> None:
    """The talk moved on: it is no longer stopped before anything."""
    hold = session.get(ReleaseHold, episode.id)
    if hold is not None:
        session.delete(hold)
        session.flush()
