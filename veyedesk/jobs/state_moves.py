"""State moves: one path for every change of a talk's state, and what each state queues.

`enter_state` is the rule (pass states walked, release gating, the work queued); workers,
services and venue syncs all come here. The queue itself is `jobs.queue`; what happens to a
job once a worker holds it is `jobs.claims`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.jobs.defaults import (
    DEFAULT_LEASE_SECONDS as DEFAULT_LEASE_SECONDS,
    DEFAULT_MAX_ATTEMPTS as DEFAULT_MAX_ATTEMPTS,
)

# The queue panel's view of the queue, re-exported so callers need only this module.
from veyedesk.jobs.listing import (
    JobView as JobView,
    job_counts as job_counts,
    list_jobs as list_jobs,
)
from veyedesk.jobs.pipeline import ShowPipeline, clear_hold, hold_of, set_hold
from veyedesk.jobs.queue import JobError, command_profile, describe, enqueue
from veyedesk.model import EncodeJob, Episode, Log, ReleaseHold, State
from veyedesk.model.kinds import JobKind, LogKind
from veyedesk.model.pipeline import ENCODE_STATE, HoldReason, StateKind


def queue_for_state(
    session: Session,
    episode: Episode,
    default_profile: str,
    *,
    priority: int = 0,
    pipeline: ShowPipeline | None = None,
) -> EncodeJob | None:
    """Queue what the talk's state calls for in its show: an encode, a command, or nothing.

    `enter_state` calls this after every move, in the same transaction, so a chain of
    command states runs by itself as workers finish each step.
    """
    state = episode.state
    if state is None:
        return None
    stage = (pipeline or ShowPipeline.load(session, episode.show_id)).stage(state)
    if stage.kind == StateKind.ENCODE:
        return enqueue(session, episode, default_profile, priority=priority)
    if stage.kind == StateKind.COMMAND and stage.command:
        return enqueue(
            session, episode, command_profile(state.slug), kind=JobKind.COMMAND, priority=priority
        )
    if stage.kind == StateKind.PUBLISH and stage.action is not None:
        return enqueue(session, episode, state.slug, kind=JobKind.PUBLISH, priority=priority)
    return None


def state_by_slug(session: Session, slug: str) -> State:
    state = session.scalar(select(State).where(State.slug == slug))
    if state is None:
        raise JobError(f"the database has no state {slug!r}; run `veyedesk db upgrade` to seed it")
    return state


def log_step(
    session: Session,
    episode: Episode,
    state: State | None,
    user: str,
    result: str,
    seconds: float = 0.0,
    *,
    kind: LogKind = LogKind.JOB,
) -> Log:
    end = datetime.now()
    log = Log(
        episode=episode,
        state=state,
        ready=end - timedelta(seconds=seconds),
        start=end - timedelta(seconds=seconds),
        end=end,
        user=user,
        result=result,
        kind=kind,
    )
    session.add(log)
    return log


def move(
    session: Session, episode: Episode, state: State, user: str, result: str, seconds: float = 0.0
) -> None:
    """Move the episode and log it (kind STATE), queueing nothing: see `enter_state`."""
    previous = episode.state.slug if episode.state else "none"
    clear_hold(session, episode)  # a talk that moves is no longer stopped before anything
    episode.state = state
    move = f"state {previous} -> {state.slug}"
    what = f"{result}; {move}" if result else move
    log_step(session, episode, state, user, what, seconds, kind=LogKind.STATE)


class ReleaseRefused(JobError):
    """A person asked to move a talk into a public state its `released` forbids."""


def enter_state(
    session: Session,
    episode: Episode,
    state: State,
    user: str,
    default_profile: str,
    *,
    result: str = "",
    seconds: float = 0.0,
    strict: bool = False,
) -> EncodeJob | None:
    """Move the episode to `state` (a Log row of kind STATE) and queue what it calls for.

    The one rule for a state change: whoever moves a talk (the editor's form, the CLI, a
    reviewer's approve or reject, a worker finishing its step), it comes here. In the
    talk's show (`jobs.pipeline.ShowPipeline`):

    - a *pass* state moves it straight on to the next, each step its own Log row; states
      are walked in sequence order only, so the walk ends (at the last state at worst);
    - a *public* state is entered only when `released` allows it: otherwise the talk stays
      where it is with a release hold (Log kind RELEASE) saying why, and `resume` carries
      it on once released = Yes. With `strict` (a person picked that state by name) it is
      refused with ReleaseRefused instead;
    - the state it ends in queues its work (an encode, a command) in the same transaction.

    Permission checks are the caller's (services.editing.change_state); a worker holds its
    job's lease.
    """
    show = ShowPipeline.load(session, episode.show_id)
    reason = show.hold_reason(episode, state)
    if reason is not None:
        if strict:
            raise ReleaseRefused(
                f"{describe(episode)} cannot enter {state.slug!r}: {reason.describe()}; "
                "set released to Yes first (it then continues by itself)"
            )
        if result:
            log_step(session, episode, episode.state, user, result, seconds)
        hold_before(session, episode, state, reason, user)
        session.flush()
        return None
    move(session, episode, state, user, result, seconds)
    seen = {state.id}
    while show.stage(state).kind == StateKind.PASS:
        following = show.following(state)
        if following is None or following.state_id in seen:
            break
        target = session.get(State, following.state_id)
        assert target is not None
        reason = show.hold_reason(episode, target)
        if reason is not None:
            hold_before(session, episode, target, reason, user)
            break
        move(session, episode, target, user, f"passed {state.slug}: nothing to do there")
        seen.add(target.id)
        state = target
    session.flush()
    return queue_for_state(session, episode, default_profile, pipeline=show)


def hold_before(
    session: Session, episode: Episode, before: State, reason: HoldReason, user: str
) -> None:
    _, news = set_hold(session, episode, before, reason)
    if news:
        here = episode.state.slug if episode.state else "none"
        log_step(
            session,
            episode,
            episode.state,
            user,
            f"{reason.describe()}: stopped in {here}, before {before.slug}",
            kind=LogKind.RELEASE,
        )


def resume(session: Session, episode: Episode, user: str, default_profile: str) -> EncodeJob | None:
    """Carry a talk held before a public state on, if its `released` allows it now.

    Called after `released` or the show's "Unknown publishes" changed. A talk still held
    gets its reason brought up to date (No after Unknown says "refused"). Returns the job
    queued, if any.
    """
    hold = hold_of(session, episode.id)
    if hold is None:
        return None
    show = ShowPipeline.load(session, episode.show_id)
    reason = show.hold_reason(episode, hold.state)
    if reason is not None:
        hold_before(session, episode, hold.state, reason, user)
        return None
    allowed = "released" if episode.released else "unknown publishes"
    return enter_state(
        session, episode, hold.state, user, default_profile, result=f"resumed: {allowed}"
    )


def resume_freed(session: Session, user: str, default_profile: str) -> list[int]:
    """Carry on every talk held before a state its show no longer counts public; their ids.

    A hold is set when the talk stops; if the show's pipeline changes later without
    `services.pipeline.states.set_public` (migration 0014 made *post* not public), the
    hold outlives its reason. Workers run this with review 2's timeout, about once a
    minute. Talks still held for their `released` are left alone (nothing is logged).
    """
    holds = session.execute(
        select(ReleaseHold.episode_id, ReleaseHold.state_id, Episode.show_id)
        .join(Episode, Episode.id == ReleaseHold.episode_id)
        .order_by(Episode.show_id, Episode.id)
    ).all()
    pipelines: dict[int, ShowPipeline] = {}
    moved: list[int] = []
    for episode_id, state_id, show_id in holds:
        show = pipelines.get(show_id)
        if show is None:
            show = pipelines[show_id] = ShowPipeline.load(session, show_id)
        if any(s.state_id == state_id and s.public for s in show.stages):
            continue
        episode = session.get(Episode, episode_id)
        if episode is None:
            continue
        before = episode.state_id
        resume(session, episode, user, default_profile)
        if episode.state_id != before:
            moved.append(episode_id)
    session.flush()
    return moved


def add_encode(
    session: Session,
    episode: Episode,
    profile: str,
    *,
    user: str,
    priority: int = 0,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> EncodeJob:
    """`queue add`: queue an encode; an episode still before *encode* is moved to it (logged)."""
    encode = state_by_slug(session, ENCODE_STATE)
    if episode.state is None or episode.state.sequence < encode.sequence:
        move(session, episode, encode, user, f"queued for {profile}")
    return enqueue(session, episode, profile, priority=priority, max_attempts=max_attempts)


def next_state(session: Session, state: State) -> State | None:
    return session.scalar(
        select(State).where(State.sequence > state.sequence).order_by(State.sequence).limit(1)
    )
