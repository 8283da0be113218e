"""Depublish: a talk whose released goes to No is taken down on every video target, logged."""

from __future__ import annotations

import socket
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


def test_an_admin_binds_a_publish_state_to_a_target_and_an_action(
    session: Session, show: ShowFixture
) -> None:
    from veyedesk.jobs.pipeline import ShowPipeline
    from veyedesk.model.pipeline import PublishAction, StateKind
    from veyedesk.services.errors import InvalidInput, PermissionDenied
    from veyedesk.services.pipeline import set_stage

    show_id = show.show.id
    before = ShowPipeline.load(session, show_id).by_slug("post")
    assert before is not None and before.kind == StateKind.PASS  # no targets: as before
    add_target(session, ADMIN, show_id, "files", "rclone", {"remote": "/srv/v"})
    add_target(session, ADMIN, show_id, "mirror", "rclone", {"remote": "/srv/m"})
    post = ShowPipeline.load(session, show_id).by_slug("post")
    assert post is not None and post.kind == StateKind.PUBLISH
    assert post.action == PublishAction.UPLOAD and post.targets == ()
    set_stage(session, show.show, "to-miror", "publish", ADMIN, "upload", targets=("mirror",))
    mirror = ShowPipeline.load(session, show_id).by_slug("to-miror")
    assert mirror is not None and (mirror.action, mirror.targets) == ("upload", ("mirror",))
    with pytest.raises(InvalidInput, match="no publish target nope"):
        set_stage(session, show.show, "to-miror", "publish", ADMIN, targets=("nope",))
    with pytest.raises(PermissionDenied):
        set_stage(session, show.show, "to-miror", "publish", EDITOR, targets=("files",))
    with pytest.raises(InvalidInput, match="looks like a secret"):
        add_target(session, ADMIN, show_id, "pt", "peertube", {"password": "x"})
    with pytest.raises(PermissionDenied):
        add_target(session, EDITOR, show_id, "pt", "peertube", {"url": "https://x"})


def test_options_named_like_credentials_are_refused_and_endpoint_urls_are_not(
    session: Session, show: ShowFixture
) -> None:
    from veyedesk.services.errors import InvalidInput
    from veyedesk.services.publishing import list_targets

    show_id = show.show.id
    for secret in ("password", "client_secret", "access_token", "api_key", "secret_key"):
        with pytest.raises(InvalidInput, match="looks like a secret"):
            add_target(session, ADMIN, show_id, "yt", "youtube", {secret: "x"})
    # YouTube documents its endpoints as options; a URL is no credential.
    add_target(session, ADMIN, show_id, "yt", "youtube", {"token_url": "https://t.example/token"})
    (row,) = [t for t in list_targets(session, show_id) if t.name == "yt"]
    assert row.options == {"token_url": "https://t.example/token"}


def test_a_worker_without_the_login_fails_the_job_naming_its_machine(
    session: Session, show: ShowFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEYEDESK_SECRETS", str(tmp_path / "secrets.json"))  # empty: no login
    episode = show.episodes[0]
    options = {"url": "https://tube.example", "channel": "talks", "username": "crew"}
    target = add_target(session, ADMIN, episode.show_id, "tube", "peertube", options)
    session.add(
        Publication(
            episode_id=episode.id,
            target_id=target.id,
            status="uploaded",
            privacy="unlisted",
            remote_id="abc",
            host_url="",
            public_url="",
            upload_state="",
            bytes=5,
            error="",
        )
    )
    episode.released = True
    session.commit()
    settings = Settings(output_root=str(tmp_path / "out"))
    set_released(session, episode.id, False, EDITOR, settings)
    session.commit()
    stats = run_worker_round(session, settings)
    assert (stats.done, stats.failed) == (0, 1), stats
    job = session.scalar(select(EncodeJob).where(EncodeJob.kind == JobKind.PUBLISH))
    assert job is not None
    # Read in the queue panel of another machine: which one must log in, and how.
    assert "`veyedesk publish login tube`" in job.error
    assert socket.gethostname() in job.error, job.error
