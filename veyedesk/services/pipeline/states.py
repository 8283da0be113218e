"""A show's pipeline as people see and change it: `veyedesk pipeline`, the Pipeline view.

Reading is open to every role; changing how a state runs (its kind, command, public flag)
or the show's release settings is an admin's job, because a command runs on every worker
that allows its program. Talks move through `jobs.queue.enter_state`; this module only
describes and configures the pipeline, and carries held talks on when a setting frees them.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veyedesk.jobs.pipeline import ShowPipeline
from veyedesk.model import (
    Episode,
    PipelineSettings,
    PublishTarget,
    ReleaseHold,
    Show,
    ShowState,
)
from veyedesk.model.pipeline import (
    ENCODE_STATE,
    SETTABLE_KINDS,
    HoldReason,
    PublishAction,
    StateKind,
)
from veyedesk.services.episodes import get_state
from veyedesk.services.errors import InvalidInput
from veyedesk.services.identity import Identity


@dataclass(frozen=True)
class StageRow:
    """One line of a show's pipeline: a state, how it runs, and how many talks are in it."""

    state: str
    sequence: int
    kind: str
    command: str
    public: bool
    customised: bool
    talks: int
    held: int  # talks in this state stopped before a public state by `released`

    def as_dict(self) -> dict[str, object]:
        return {
            "state": self.state,
            "kind": self.kind,
            "command": self.command,
            "public": self.public,
            "talks": self.talks,
            "held": self.held,
            "customised": self.customised,
        }


@dataclass(frozen=True)
class PipelineView:
    """A show's pipeline with its release settings (plain data, safe across threads)."""

    show_id: int
    stages: tuple[StageRow, ...]
    unknown_publishes: bool
    review_timeout_days: int | None
    no_state: int  # talks with no state at all


def show_pipeline(session: Session, show_id: int) -> PipelineView:
    """Every state of the show in order, with its kind, command, public flag and talk count."""
    pipeline = ShowPipeline.load(session, show_id)
    counts = dict(
        session.execute(
            select(Episode.state_id, func.count(Episode.id))
            .where(Episode.show_id == show_id)
            .group_by(Episode.state_id)
        ).all()
    )
    held = dict(
        session.execute(
            select(Episode.state_id, func.count(ReleaseHold.episode_id))
            .join(Episode, Episode.id == ReleaseHold.episode_id)
            .where(Episode.show_id == show_id)
            .group_by(Episode.state_id)
        ).all()
    )
    rows = tuple(
        StageRow(
            s.slug,
            s.sequence,
            s.kind,
            s.command or _publishes(s.action, s.targets),
            s.public,
            s.customised,
            counts.get(s.state_id, 0),
            held.get(s.state_id, 0),
        )
        for s in pipeline.stages
    )
    return PipelineView(
        show_id,
        rows,
        pipeline.rules.unknown_publishes,
        pipeline.rules.review_timeout_days,
        counts.get(None, 0),
    )


def _row(session: Session, show: Show, state_slug: str) -> ShowState:
    """The show's own row for a state, created from the state's current behaviour."""
    state = get_state(session, state_slug)
    row = session.scalar(
        select(ShowState).where(ShowState.show_id == show.id, ShowState.state_id == state.id)
    )
    if row is None:
        stage = ShowPipeline.load(session, show.id).stage(state)
        row = ShowState(
            show_id=show.id,
            state_id=state.id,
            kind=stage.kind,
            command=stage.command,
            public=stage.public,
        )
        session.add(row)
    return row


def _publishes(action: str | None, targets: tuple[str, ...]) -> str:
    """A publish state's action and targets as the pipeline's command column shows them."""
    if action is None:
        return ""
    return f"publish: {action} on {', '.join(targets) if targets else 'default targets'}"


def set_stage(
    session: Session,
    show: Show,
    state_slug: str,
    kind: str,
    who: Identity,
    command: str = "",
    *,
    targets: tuple[str, ...] = (),
) -> ShowState:
    """Make a state of the show person, pass, command (with its template) or publish.

    For publish, `command` is the action (upload, public, announce, remove; blank: the
    state's default, else upload) and `targets` the show's target names (none: the
    action's defaults, the video targets or the announcers). Admins only.

    Talks already in the state are left where they are; the new kind applies to talks
    entering it from now on.
    """
    who.require("admin")
    try:
        wanted = StateKind(kind)
    except ValueError:
        wanted = None
    if wanted not in SETTABLE_KINDS:
        raise InvalidInput(
            f"{kind!r} is not a kind a state can be set to; use person, pass, command or publish"
        )
    if state_slug == ENCODE_STATE:
        raise InvalidInput("the encode state is run by encode workers; its kind cannot change")
    if wanted == StateKind.COMMAND:
        if not command.strip():
            raise InvalidInput(
                "a command state needs its template: `veyedesk pipeline set "
                f"{shlex.quote(state_slug)} command 'rsync {{output}} host:/videos/'`"
            )
        from veyedesk.jobs.commands import check_template  # changing, not listing

        check_template(command)
    elif wanted == StateKind.PUBLISH:
        if command.strip() and command.strip() not in tuple(PublishAction):
            raise InvalidInput(
                f"{command!r} is not a publish action; use {', '.join(PublishAction)}"
            )
        known = {
            t.name
            for t in session.scalars(select(PublishTarget).where(PublishTarget.show_id == show.id))
        }
        unknown = [t for t in targets if t not in known]
        if unknown:
            raise InvalidInput(
                f"the show has no publish target {', '.join(unknown)}; add it with "
                "`veyedesk publish target add`"
            )
    elif command.strip():
        raise InvalidInput(f"only a command state takes a template; {kind} states run nothing")
    elif targets:
        raise InvalidInput(f"only a publish state takes targets; {kind} states publish nothing")
    row = _row(session, show, state_slug)
    row.kind = wanted
    row.command = command if wanted == StateKind.COMMAND else None
    row.publish_action = (command.strip() or None) if wanted == StateKind.PUBLISH else None
    row.publish_targets = (",".join(targets) or None) if wanted == StateKind.PUBLISH else None
    session.flush()
    return row


def set_public(
    session: Session,
    show: Show,
    state_slug: str,
    public: bool,
    who: Identity,
    *,
    default_profile: str,
) -> None:
    """Mark a state of the show public (release-gated) or not. Admins only.

    Talks held before a state that is no longer public carry on at once.
    """
    who.require("admin")
    if state_slug == ENCODE_STATE and public:
        raise InvalidInput("the encode state cannot be public")
    row = _row(session, show, state_slug)
    row.public = public
    session.flush()
    if not public:
        _resume_held(session, show, who.name, default_profile)


def set_release_rules(
    session: Session,
    show: Show,
    who: Identity,
    *,
    default_profile: str,
    unknown_publishes: bool | None = None,
    review_timeout_days: int | None = None,
) -> PipelineSettings:
    """Change "Unknown publishes" and the review-2 timeout in days (0 = never). Admins only.

    None leaves a setting as it is. Turning "Unknown publishes" on carries every talk
    waiting for its release on.
    """
    who.require("admin")
    settings = session.get(PipelineSettings, show.id)
    if settings is None:
        settings = PipelineSettings(show_id=show.id, unknown_publishes=False)
        session.add(settings)
    if unknown_publishes is not None:
        settings.unknown_publishes = unknown_publishes
    if review_timeout_days is not None:
        if review_timeout_days < 0:
            raise InvalidInput("the review timeout is a number of days (0 = never)")
        settings.review_timeout_days = review_timeout_days or None
    session.flush()
    if unknown_publishes:
        _resume_held(session, show, who.name, default_profile, HoldReason.WAITING)
    return settings


def _resume_held(
    session: Session,
    show: Show,
    user: str,
    default_profile: str,
    reason: HoldReason | None = None,
) -> int:
    stmt = (
        select(Episode)
        .join(ReleaseHold, ReleaseHold.episode_id == Episode.id)
        .where(Episode.show_id == show.id)
        .order_by(Episode.id)
    )
    if reason is not None:
        stmt = stmt.where(ReleaseHold.reason == reason)
    from veyedesk.jobs import state_moves  # moving talks, not listing

    moved = 0
    for episode in session.scalars(stmt):
        before = episode.state_id
        state_moves.resume(session, episode, user, default_profile)
        moved += episode.state_id != before
    session.flush()
    return moved


def find_show(session: Session, client: str | None, show: str | None) -> Show:
    """The show named by --client/--show; with neither, the only show there is."""
    from veyedesk.services.catalog import get_show

    if client and show:
        return get_show(session, client, show)
    if client or show:
        raise InvalidInput("give both --client and --show (or neither when there is one show)")
    shows = session.scalars(select(Show).order_by(Show.id).limit(2)).all()
    if len(shows) != 1:
        raise InvalidInput(
            "name the show with --client C --show S"
            + (" (the database has several)" if shows else " (the database has none yet)")
        )
    return shows[0]
