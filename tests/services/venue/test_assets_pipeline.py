"""An assets folder's encode, run by a worker on the folder, follows the show's pipeline.

`veyedesk assets` then `veyedesk --venue DIR`: the talk is set to encode on the copy, a
local worker encodes it from the folder's segments, the pipeline carries it on (push to
queue passes, post waits for the speaker's release), and sync brings the same outcome
to the shared database, judged by its own pipeline.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.services.venue.test_assets import (
    MARGIN,
    _venue_settings,
    talk as talk,  # a fixture, re-exported
    two_files as two_files,  # its fixture
)
from tests.support.raw_day import RawDay
from veyedesk.cli.queue import encode_episode
from veyedesk.db import make_engine, session_factory
from veyedesk.jobs.worker import WorkerOptions, default_handlers, run_worker
from veyedesk.model import EncodeJob, Episode, ReleaseHold
from veyedesk.model.kinds import JobKind
from veyedesk.services.editing.open_save import change_state
from veyedesk.services.identity import Identity
from veyedesk.services.venue.assets import make_assets
from veyedesk.services.venue.syncing import sync

pytestmark = pytest.mark.media


def _where(session: Session, episode_id: int) -> tuple[str | None, str | None]:
    ep = session.get(Episode, episode_id)
    assert ep is not None
    hold = session.get(ReleaseHold, episode_id)
    return (ep.state.slug if ep.state else None, hold.state.slug if hold else None)


def test_an_encode_from_an_assets_folder_walks_the_pipeline_and_syncs_back(
    db_url: str,
    session: Session,
    talk: RawDay,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "to-go"
    make_assets(
        db_url,
        [talk.episode_id],
        folder,
        raw_root=str(talk.root),
        who="alice",
        machine="train-laptop",
        margin=MARGIN,
    )
    talk.root.rename(tmp_path / "raw-elsewhere")  # only the folder is left
    venue = _venue_settings(folder)
    engine = make_engine(venue.db)
    try:
        with session_factory(engine)() as local, local.begin():
            ep = local.get(Episode, talk.episode_id)
            assert ep is not None
            change_state(local, ep, "encode", Identity("alice", "editor"), venue.default_profile)
        stats = run_worker(
            engine,
            venue,
            default_handlers({JobKind.ENCODE: encode_episode}),
            WorkerOptions(once=True, poll_seconds=0.1),
            name="train-laptop-worker",
        )
        assert (stats.done, stats.failed) == (1, 0)
        with session_factory(engine)() as local:
            # Encoded into the folder; post uploads unlisted, so the release (Unknown) does not
            # hold it before review (issue 19.1): the talk waits for its reviewer.
            assert _where(local, talk.episode_id) == ("review 1", None)
            (job,) = local.scalars(select(EncodeJob)).all()
            assert job.status == "done"
        assert list((folder / "output").rglob("*.mp4"))

        report = sync(engine)
        assert report.conflicts == []
        session.expire_all()
        assert _where(session, talk.episode_id) == ("review 1", None)
        # The shared workers have nothing to do for it: it waits for a person.
        assert session.scalars(select(EncodeJob)).all() == []
    finally:
        engine.dispose()
