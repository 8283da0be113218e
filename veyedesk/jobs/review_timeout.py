"""Review 2 approves itself after a show's days of silence (Veyepar's timeout), logged.

Speakers without an account review by mail (the *email* state's command sends them the
link); many never answer. A show with `review_timeout_days` set lets a talk that has sat in
*review 2* that many days since it entered move on as if approved, with a Log row of kind
TIMEOUT. Workers run `approve_silent_reviews` about once a minute; `veyedesk pipeline tick`
runs it once, for crews that prefer cron.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veyedesk.jobs.pipeline import ShowPipeline
from veyedesk.jobs.state_moves import enter_state
from veyedesk.model import Episode, Log, PipelineSettings, State
from veyedesk.model.kinds import LogKind
from veyedesk.model.pipeline import REVIEW_2_STATE

TICK_SECONDS = 60.0  # how often a worker looks


def approve_silent_reviews(
    session: Session, user: str, default_profile: str, *, now: datetime | None = None
) -> list[int]:
    """Move on every talk whose review 2 timed out; returns their ids.

    "Silence" is counted from the Log row that moved the talk into review 2 (Log times
    are the venue's local wall clock, as `now` defaults to). Each talk is locked while it
    is checked and moved, so two workers ticking at once move it once.
    """
    now = now or datetime.now()
    review_2 = session.scalar(select(State).where(State.slug == REVIEW_2_STATE))
    if review_2 is None:
        return []
    entered = (
        select(Log.episode_id, func.max(Log.end).label("since"))
        .where(Log.kind == LogKind.STATE, Log.state_id == review_2.id)
        .group_by(Log.episode_id)
        .subquery()
    )
    rows = session.execute(
        select(Episode.id, PipelineSettings.review_timeout_days, entered.c.since)
        .join(PipelineSettings, PipelineSettings.show_id == Episode.show_id)
        .join(entered, entered.c.episode_id == Episode.id)
        .where(
            Episode.state_id == review_2.id,
            PipelineSettings.review_timeout_days.is_not(None),
        )
        .order_by(Episode.id)
    ).all()
    moved = []
    for episode_id, days, since in rows:
        if since is None or now - since < timedelta(days=days):
            continue
        episode = session.scalar(
            select(Episode)
            .where(Episode.id == episode_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if episode is None or episode.state_id != review_2.id:
            continue  # someone answered meanwhile
        following = ShowPipeline.load(session, episode.show_id).following(review_2)
        if following is None:
            continue
        target = session.get(State, following.state_id)
        assert target is not None
        what = f"review 2 approved itself after {days} days of silence (since {since:%Y-%m-%d})"
        session.add(
            Log(
                episode=episode,
                state=review_2,
                ready=since,
                start=since,
                end=now,
                user=user,
                result=what,
                kind=LogKind.TIMEOUT,
            )
        )
        enter_state(session, episode, target, user, default_profile, result=what)
        moved.append(episode_id)
    session.flush()
    return moved
