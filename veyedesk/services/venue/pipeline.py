"""A venue copy and its show's pipeline: the copy runs it read-only, the shared side re-judges.

Checkout copies the show's pipeline rows (`ShowState`, `PipelineSettings`) so the editor on
a laptop walks pass states and holds talks before public states as the show says; each
sync refreshes them (the shared database's pipeline wins, a copy never pushes it).

A state change made at the venue was judged by the copy's view of the talk, which may be
out of date: the speaker may have refused release online meanwhile. So the shared side
does not just take the pushed state: `arrive` checks every public state the talk passed
through on the way from its shared state under the shared `released` and the shared
pipeline, stops it before the first one it may not enter (a release hold, logged, as
`jobs.queue.enter_state` does), walks on past a state the shared pipeline passes, and
queues what the state it ends in calls for. A `released` changed at the venue resumes a
talk held on the shared side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import Session

from veyedesk.jobs.pipeline import ShowPipeline, clear_hold
from veyedesk.jobs.state_moves import enter_state, queue_for_state, resume
from veyedesk.model import Episode, PipelineSettings, ReleaseHold, ShowState, State
from veyedesk.model.pipeline import StateKind
from veyedesk.services.venue.rows import chunks, table


def pipeline_rows(
    conn: Connection, show_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The show's own pipeline rows (states it changed, its release settings)."""
    st, ps = table(ShowState), table(PipelineSettings)
    states = [
        dict(r._mapping)
        for r in conn.execute(select(st).where(st.c.show_id == show_id).order_by(st.c.state_id))
    ]
    settings = [dict(r._mapping) for r in conn.execute(select(ps).where(ps.c.show_id == show_id))]
    return states, settings


def write_pipeline(
    conn: Connection,
    show_id: int,
    states: list[dict[str, Any]],
    settings: list[dict[str, Any]],
) -> bool:
    """Make the copy's pipeline rows of the show these (ids of the shared side); True if changed."""
    if pipeline_rows(conn, show_id) == (states, settings):
        return False
    st, ps = table(ShowState), table(PipelineSettings)
    conn.execute(delete(st).where(st.c.show_id == show_id))
    conn.execute(delete(ps).where(ps.c.show_id == show_id))
    if states:
        conn.execute(insert(st), states)
    if settings:
        conn.execute(insert(ps), settings)
    return True


def read_holds(conn: Connection, episode_uuids: list[str]) -> dict[str, tuple[str, str, Any]]:
    """Release holds of these talks: episode uuid -> (state slug, reason, since)."""
    ep, hold, st = table(Episode), table(ReleaseHold), table(State)
    found: dict[str, tuple[str, str, Any]] = {}
    for batch in chunks(sorted(episode_uuids)):
        stmt = (
            select(ep.c.uuid, st.c.slug, hold.c.reason, hold.c.since)
            .join(hold, hold.c.episode_id == ep.c.id)
            .join(st, st.c.id == hold.c.state_id)
            .where(ep.c.uuid.in_(batch))
        )
        found.update({r.uuid: (r.slug, r.reason, r.since) for r in conn.execute(stmt)})
    return found


def mirror_holds(conn: Connection, holds: dict[str, tuple[str, str, Any]]) -> None:
    """Make the copy's release holds the shared side's (it judges them; holds are not merged).

    A copy shows why a talk waits ("waiting for the speaker's release") like the shared
    database does; a hold the copy set offline is replaced by the shared side's verdict
    on the state the sync pushed.
    """
    ep, hold, st = table(Episode), table(ReleaseHold), table(State)
    ids = {r.uuid: r.id for r in conn.execute(select(ep.c.uuid, ep.c.id))}
    states = {r.slug: r.id for r in conn.execute(select(st.c.slug, st.c.id))}
    wanted = [
        {"episode_id": ids[uuid], "state_id": states[slug], "reason": reason, "since": since}
        for uuid, (slug, reason, since) in holds.items()
        if uuid in ids and slug in states
    ]
    current = [
        dict(r._mapping)
        for r in conn.execute(
            select(hold.c.episode_id, hold.c.state_id, hold.c.reason, hold.c.since)
        )
    ]
    key = lambda row: row["episode_id"]  # noqa: E731
    if sorted(current, key=key) == sorted(wanted, key=key):
        return
    conn.execute(delete(hold))
    if wanted:
        conn.execute(insert(hold), wanted)


@dataclass(frozen=True)
class Arrival:
    """A state pushed from a venue copy: the talk, where it was here, where the copy has it."""

    uuid: str
    before: str | None  # state slug on the shared side before the sync
    target: str | None  # the state the copy pushed


def arrive(
    session: Session, arrival: Arrival, user: str, default_profile: str
) -> tuple[str | None, str | None]:
    """Judge a pushed state change by the shared side's rules; (pushed, ended in) slugs.

    The row already holds the pushed state (and every other merged field, `released`
    included). Returns the pushed slug and the slug the talk ends in here.
    """
    episode = session.scalars(select(Episode).where(Episode.uuid == arrival.uuid)).one()
    target = episode.state
    if target is None:
        return arrival.target, None
    # It moved at the venue: a hold from before no longer says where it stops (a new
    # one is set below if it must stop again).
    clear_hold(session, episode)
    show = ShowPipeline.load(session, episode.show_id)
    before = session.scalar(select(State).where(State.slug == arrival.before))
    low = before.sequence if before is not None else 0
    blocked = next(
        (
            stage
            for stage in show.stages
            if low < stage.sequence <= target.sequence
            and show.hold_reason(episode, _state(session, stage.state_id)) is not None
        ),
        None,
    )
    if blocked is None:
        following = show.following(target)
        if show.stage(target).kind == StateKind.PASS and following is not None:
            enter_state(
                session,
                episode,
                _state(session, following.state_id),
                user,
                default_profile,
                result=f"passed {target.slug}: nothing to do there",
            )
        else:
            queue_for_state(session, episode, default_profile, pipeline=show)
        return arrival.target, _slug(episode)
    # It stops in the last state before the one it may not enter (never behind where it
    # was here), held there with the reason, as if it had moved on here.
    stop = max(
        (s for s in show.stages if low <= s.sequence < blocked.sequence),
        key=lambda s: s.sequence,
        default=None,
    )
    episode.state = _state(session, stop.state_id) if stop is not None else before
    session.flush()
    enter_state(session, episode, _state(session, blocked.state_id), user, default_profile)
    return arrival.target, _slug(episode)


def resume_released(session: Session, uuid: str, user: str, default_profile: str) -> None:
    """`released` changed at the venue: a talk held here carries on if it now may."""
    episode = session.scalars(select(Episode).where(Episode.uuid == uuid)).one()
    resume(session, episode, user, default_profile)
    session.flush()


def _state(session: Session, state_id: int) -> State:
    state = session.get(State, state_id)
    assert state is not None
    return state


def _slug(episode: Episode) -> str | None:
    return episode.state.slug if episode.state is not None else None
