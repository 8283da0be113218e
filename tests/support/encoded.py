"""An episode that went through a real encode and waits in *review 1* (for review tests)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from tests.encode.support import settings_for
from tests.support.factory import set_state
from tests.support.raw_day import make_clips, make_raw_day
from veyedesk.config import Settings
from veyedesk.model import Cut, Episode
from veyedesk.services.encoding.execute import execute_encode, record_encode
from veyedesk.services.encoding.prepare import prepare_encode


def encoded_episode(session: Session, tmp_path: Path) -> tuple[int, Settings]:
    """An episode cut from two raw files (in/out inside each), encoded, in state review 1."""
    day = make_raw_day(session, tmp_path / "raw", make_clips(tmp_path / "clips", 2, 4.0))
    episode = session.get(Episode, day.episode_id)
    assert episode is not None
    episode.cuts.append(Cut(raw_file_id=day.raw_file_ids[0], sequence=1, start=1.0, end=3.0))
    episode.cuts.append(Cut(raw_file_id=day.raw_file_ids[1], sequence=2, start=0.52, end=2.0))
    session.commit()
    settings = settings_for(tmp_path)
    request = prepare_encode(session, episode.id, settings)
    outcome = execute_encode(request)
    record_encode(session, request, outcome, "worker@box")
    set_state(session, episode, "review 1", "worker@box")
    session.commit()
    return episode.id, settings
