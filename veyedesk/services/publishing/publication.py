"""Where a talk stands on each target, and publishing it in the foreground.

`run_publish` is what a worker's publish job does (jobs.publishing, the one rule), run
here and now with a progress callback: the action of the publish state the talk is in, on
that state's targets (or one named target). It does not move the talk: the queued job,
when a worker runs it, finds everything done (nothing is sent twice) and moves it on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from veyedesk.config import Settings
from veyedesk.jobs.handler import PermanentJobError
from veyedesk.jobs.pipeline import ShowPipeline
from veyedesk.jobs.publishing import Outcome, carry_out, plan, store_urls
from veyedesk.model import Episode, Publication, PublishTarget
from veyedesk.model.pipeline import StateKind
from veyedesk.publish.base import PublishError, TargetConfig, TargetKind
from veyedesk.publish.secrets import machine_secrets
from veyedesk.services.errors import InvalidInput, NotFound
from veyedesk.services.identity import Identity, require_active


@dataclass(frozen=True)
class PublicationRow:
    """One talk on one target, as the form shows it."""

    target: str
    kind: str
    status: str
    privacy: str
    host_url: str
    public_url: str
    error: str
    updated: datetime | None


def episode_publications(session: Session, episode_id: int) -> list[PublicationRow]:
    """Each target the talk was published to (or tried), in the targets' order."""
    rows = session.execute(
        select(Publication, PublishTarget)
        .join(PublishTarget, PublishTarget.id == Publication.target_id)
        .where(Publication.episode_id == episode_id)
        .order_by(PublishTarget.id)
    ).all()
    return [
        PublicationRow(
            t.name, t.kind, p.status, p.privacy, p.host_url, p.public_url, p.error, p.updated_at
        )
        for p, t in rows
    ]


def run_publish(
    session_factory: sessionmaker[Session],
    episode_id: int,
    who: Identity,
    settings: Settings,
    target: str | None = None,
    progress: Callable[[int, int, float | None], None] | None = None,
) -> list[str]:
    """Do the talk's publish state's action now (editors); one line per target."""
    with session_factory() as session:
        who.require("edit")
        require_active(session, who)
        episode = session.get(Episode, episode_id)
        if episode is None:
            raise NotFound(f"no episode with id {episode_id}")
        state = episode.state
        stage = ShowPipeline.load(session, episode.show_id).stage(state) if state else None
        if stage is None or stage.kind != StateKind.PUBLISH or stage.action is None:
            here = state.slug if state is not None else "none"
            raise InvalidInput(
                f"episode {episode_id} is in {here!r}, which publishes nothing; a talk "
                "publishes in its show's publish states (`veyedesk pipeline` shows them)"
            )
        names = (target,) if target else stage.targets
        try:
            step = plan(session, episode, stage.action, names, settings)
        except PermanentJobError as exc:
            raise InvalidInput(str(exc)) from None

    def fence(write: Callable[[Session], None]) -> None:
        with session_factory() as session, session.begin():
            write(session)

    try:
        done: list[Outcome] = carry_out(step, fence, progress=progress)
    except PermanentJobError as exc:
        raise PublishError(str(exc)) from None
    with session_factory() as session, session.begin():
        store_urls(session, episode_id)
    return [o.what for o in done] or ["no targets"]


def login_target(session: Session, show_id: int, name: str, prompt: Callable[[str], str]) -> str:
    """`publish login NAME`: the kind's login step, storing secrets on this machine."""
    import importlib

    row = session.scalar(
        select(PublishTarget).where(PublishTarget.show_id == show_id, PublishTarget.name == name)
    )
    if row is None:
        raise NotFound(f"the show has no publish target {name!r}")
    config = TargetConfig(row.name, TargetKind(row.kind), row.option_map())
    module = importlib.import_module(f"veyedesk.publish.{row.kind}")
    said = module.login(config, machine_secrets(), prompt)
    return str(said or f"stored the secrets of {name} on this machine")
