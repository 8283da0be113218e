"""Talks taken down the road a real one takes into review: encode, a worker, its job done.

Review tests must not put talks into *review 1* by hand (`factory.set_state` skips the
release gating and the pass states): a stall on the way (issue 19: Unknown talks held in
*push to queue*) then hides behind tests that all pass. `encode_through_worker` moves the
talk to *encode* as the editor's form does (the state's job is queued), runs a real
worker round (`jobs.worker`, the same encode handler as `veyedesk worker`), and lets
`claims.complete` advance the talk wherever the show's pipeline takes it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy.orm import Session

from tests.encode.support import settings_for
from tests.support.raw_day import make_clips, make_raw_day
from veyedesk.config import Settings
from veyedesk.jobs.engine import writer_engine
from veyedesk.jobs.worker import WorkerOptions, WorkerStats, default_handlers, run_worker
from veyedesk.model import Cut, Episode
from veyedesk.model.kinds import JobKind
from veyedesk.services.editing.open_save import change_state
from veyedesk.services.identity import Identity

EDITOR = Identity("editor@box", "editor")
WORKER = "worker@box"


def run_worker_round(session: Session, settings: Settings, name: str = WORKER) -> WorkerStats:
    """One `veyedesk worker --once` round on the session's database (commit first)."""
    from veyedesk.cli.queue import encode_episode

    url = session.get_bind().url.render_as_string(hide_password=False)
    engine = writer_engine(url)
    try:
        stats = run_worker(
            engine,
            dataclasses.replace(settings, db=url, user=name),
            default_handlers({JobKind.ENCODE: encode_episode}),
            WorkerOptions(once=True, poll_seconds=0.1),
            name=name,
        )
    finally:
        engine.dispose()
    session.expire_all()  # the worker wrote through its own connections
    return stats


def encode_through_worker(
    session: Session, episode: Episode, settings: Settings, who: Identity = EDITOR
) -> str:
    """Move the talk to *encode* (as the form does), let a worker encode it; its state after."""
    change_state(session, episode, "encode", who, settings.default_profile)
    session.commit()
    stats = run_worker_round(session, settings)
    assert stats.done >= 1 and stats.failed == 0, stats
    assert episode.state is not None
    return episode.state.slug


def encoded_episode(session: Session, tmp_path: Path) -> tuple[int, Settings]:
    """An episode cut from two raw files (in/out inside each), encoded by a worker.

    Its `released` is Unknown, like every talk of a schedule without a recording opt-out:
    the worker's job completion alone must bring it to *review 1*.
    """
    day = make_raw_day(session, tmp_path / "raw", make_clips(tmp_path / "clips", 2, 4.0))
    episode = session.get(Episode, day.episode_id)
    assert episode is not None
    episode.cuts.append(Cut(raw_file_id=day.raw_file_ids[0], sequence=1, start=1.0, end=3.0))
    episode.cuts.append(Cut(raw_file_id=day.raw_file_ids[1], sequence=2, start=0.52, end=2.0))
    session.commit()
    settings = settings_for(tmp_path)
    reached = encode_through_worker(session, episode, settings)
    assert reached == "review 1", f"the encoded talk stopped in {reached!r}, not review 1"
    return episode.id, settings
