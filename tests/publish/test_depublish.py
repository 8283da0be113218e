"""Depublish: a talk whose released goes to No is taken down on every video target, logged."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.encoded import run_worker_round
from tests.support.factory import ShowFixture
from veyedesk.config import Settings
from veyedesk.model import EncodeJob, Log, Publication
from veyedesk.model.kinds import JobKind, LogKind
from veyedesk.model.pipeline import DEPUBLISH_PROFILE
from veyedesk.services.identity import Identity
from veyedesk.services.pipeline import set_released
from veyedesk.services.publishing import add_target, episode_publications

ADMIN = Identity("admin@box", "admin")
EDITOR = Identity("ed@box", "editor")


def test_released_no_takes_the_talk_down_everywhere(
    session: Session, show: ShowFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEYEDESK_SECRETS", str(tmp_path / "secrets.json"))
    episode = show.episodes[0]
    dest = tmp_path / "published"
    dest.mkdir()
    name = f"{episode.slug}_{episode.uuid}.mp4"
    (dest / name).write_bytes(b"video")
    target = add_target(session, ADMIN, episode.show_id, "files", "rclone", {"remote": str(dest)})
    session.add(
        Publication(
            episode_id=episode.id,
            target_id=target.id,
            status="uploaded",
            privacy="public",
            remote_id=name,
            host_url="",
            public_url="https://v.example/" + name,
            upload_state="",
            bytes=5,
            error="",
        )
    )
    episode.released = True
    episode.public_url = "https://v.example/" + name
    session.commit()
    settings = Settings(output_root=str(tmp_path / "out"))
    set_released(session, episode.id, False, EDITOR, settings)
    session.commit()
    job = session.scalar(
        select(EncodeJob).where(
            EncodeJob.episode_id == episode.id, EncodeJob.kind == JobKind.PUBLISH
        )
    )
    assert job is not None and job.profile == DEPUBLISH_PROFILE
    stats = run_worker_round(session, settings)
    assert stats.done == 1 and stats.failed == 0, stats
    assert not (dest / name).exists()
    (row,) = episode_publications(session, episode.id)
    assert (row.status, row.privacy, row.public_url) == ("removed", "private", "")
    said = session.scalars(
        select(Log.result).where(Log.episode_id == episode.id, Log.kind == LogKind.RELEASE)
    ).all()
    assert any(s.startswith("depublished: files: removed") for s in said), said
    assert episode.public_url == ""  # the form no longer links a removed file
