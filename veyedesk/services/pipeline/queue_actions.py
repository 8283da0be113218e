"""What people do to the encode queue: queue talks, cancel, retry, raise priority, set commands.

Workers drive the queue through veyedesk.jobs directly; people (the CLI's `queue …` and
`state command`, the window's queue panel) come through here, where their role is checked,
so a reviewer's queue panel cannot cancel a crew's encodes any more than their CLI can.
"""

from __future__ import annotations

import shlex

from sqlalchemy.orm import Session

from veyedesk.jobs import claims, queue, state_moves
from veyedesk.jobs.commands import check_template
from veyedesk.model import EncodeJob, State
from veyedesk.services.episodes import get_episode, get_state
from veyedesk.services.errors import InvalidInput
from veyedesk.services.identity import Identity


def add_to_queue(
    session: Session,
    episode_id: int,
    profile: str,
    who: Identity,
    *,
    priority: int = 0,
    max_attempts: int = queue.DEFAULT_MAX_ATTEMPTS,
) -> EncodeJob:
    """Queue an encode of the episode (moving it to *encode* if it was before it)."""
    who.require("edit")
    episode = get_episode(session, episode_id)
    try:
        return state_moves.add_encode(
            session, episode, profile, user=who.name, priority=priority, max_attempts=max_attempts
        )
    except queue.JobError as exc:
        raise InvalidInput(str(exc)) from None


def cancel_job(session: Session, job_id: int, who: Identity) -> EncodeJob:
    """Cancel a queued job, or ask a running job's worker to stop."""
    who.require("edit")
    try:
        return claims.cancel(session, job_id, user=who.name)
    except queue.JobError as exc:
        raise InvalidInput(str(exc)) from None


def retry_job(
    session: Session, job_id: int, who: Identity, *, priority: int | None = None
) -> EncodeJob:
    """Queue a failed or cancelled job again."""
    who.require("edit")
    try:
        return claims.retry(session, job_id, user=who.name, priority=priority)
    except queue.JobError as exc:
        raise InvalidInput(str(exc)) from None


def raise_priority(session: Session, job_id: int, who: Identity, by: int = 10) -> EncodeJob:
    """Move a job ahead in the queue."""
    who.require("edit")
    job = session.get(EncodeJob, job_id)
    if job is None:
        raise InvalidInput(f"no job with id {job_id}; `veyedesk queue list` shows the jobs")
    return claims.set_priority(session, job_id, job.priority + by)


def set_state_command(session: Session, state_slug: str, template: str, who: Identity) -> State:
    """Give a state a command template (blank: the state becomes manual again). Admins only.

    Anyone who can set a command can run code on every worker that allows it, so this is
    an admin's job; workers still run only commands their own config allows.
    """
    who.require("admin")
    state = get_state(session, state_slug)
    if template.strip():
        check_template(template)
        state.command = template
    else:
        state.command = None
    session.flush()
    return state


def describe_command(state: State) -> str:
    """One line saying what a state runs."""
    if not state.command:
        return f"state {state.slug!r} is manual (no command)"
    return f"state {state.slug!r} runs: {shlex.join(check_template(state.command))}"
