"""A talk through *post*, *make public* and *tweet* to PeerTube and Mastodon stand-ins.

What the pipeline hands the platforms is publish.metadata's composition (not a second
one): the Veyepar title, speakers in the description, a poster frame of the encode as the
thumbnail when the talk has none, an announcement with the speakers and the watch URL.
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.encode.support import SMALL, settings_for
from tests.publish.test_publish_e2e import ADMIN, encode_only
from tests.support.raw_day import make_clips, make_raw_day
from tests.support.standins.mastodon import mastodon_standin
from tests.support.standins.peertube import serving
from veyedesk.config import DEFAULT_PROFILES
from veyedesk.db import session_factory
from veyedesk.jobs.state_moves import enter_state, state_by_slug
from veyedesk.model import Cut, Episode
from veyedesk.publish import mastodon, peertube
from veyedesk.publish.base import TargetConfig, TargetKind
from veyedesk.publish.secrets import machine_secrets
from veyedesk.services.publishing import add_target, episode_publications, run_publish

PRIVATE, UNLISTED, PUBLIC = 3, 2, 1  # PeerTube's privacy ids


def _options(session: Session, episode: Episode, name: str) -> dict[str, str]:
    from veyedesk.services.publishing import list_targets

    (target,) = [t for t in list_targets(session, episode.show_id) if t.name == name]
    return dict(target.options)


def test_post_public_tweet_reach_peertube_and_mastodon_with_composed_metadata(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEYEDESK_SECRETS", str(tmp_path / "secrets.json"))
    day = make_raw_day(session, tmp_path / "raw", make_clips(tmp_path / "clips", 2, 6.0))
    episode = session.get(Episode, day.episode_id)
    assert episode is not None and episode.thumbnail == ""
    episode.cuts.append(Cut(raw_file_id=day.raw_file_ids[0], sequence=1, start=0.5, end=5.5))
    episode.name = 'Ünïcode & "quotes"'
    episode.authors = "Ada Lovelace, Grace Hopper"
    episode.released = True
    session.commit()
    # A keyframe a second, as a real talk's encode has many: the poster is a keyframe.
    small = dataclasses.replace(SMALL, video_options=(*SMALL.video_options, "-g", "25"))
    settings = settings_for(tmp_path, profiles={**DEFAULT_PROFILES, "small": small})
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    sessions = session_factory(engine)

    (tmp_path / "tube").mkdir()
    with serving(tmp_path / "tube") as tube, mastodon_standin() as masto:
        options = {"url": tube.base_url, "channel": "conference", "username": tube.username}
        add_target(session, ADMIN, episode.show_id, "tube", "peertube", options)
        add_target(session, ADMIN, episode.show_id, "toots", "mastodon", {"url": masto.base_url})
        session.commit()
        secrets = machine_secrets()
        tube_config = TargetConfig("tube", TargetKind.PEERTUBE, _options(session, episode, "tube"))
        peertube.login(tube_config, secrets, lambda _question: tube.password)
        masto_config = TargetConfig("toots", TargetKind.MASTODON, {"url": masto.base_url})
        mastodon.login(masto_config, secrets, lambda _question: masto.token)

        # The encode lands it in *post*, a publish state now the show has video targets.
        assert encode_only(session, episode, settings) == "post"
        lines = run_publish(sessions, episode.id, ADMIN, settings)
        assert any("uploaded unlisted" in line for line in lines), lines
        (video,) = tube.videos.values()
        assert video.name == '"Ünïcode & "quotes"" - Ada Lovelace, Grace Hopper (PyConf 2026)'
        assert "Ada Lovelace" in video.description and video.privacy == UNLISTED
        # No thumbnail of its own: a frame of the encode went with it (a JPEG).
        assert video.thumbnail[:3] == b"\xff\xd8\xff"

        enter_state(session, episode, state_by_slug(session, "make public"), "rita", "small")
        session.commit()
        run_publish(sessions, episode.id, ADMIN, settings)
        assert video.privacy == PUBLIC
        session.expire_all()
        assert episode.public_url.startswith(tube.base_url)

        enter_state(session, episode, state_by_slug(session, "tweet"), "rita", "small")
        session.commit()
        run_publish(sessions, episode.id, ADMIN, settings)
        (status,) = masto.statuses.values()
        text = html.unescape(status["content"])
        assert "Ada Lovelace" in text and episode.public_url in text, text
        states = {
            p.target: (p.status, p.privacy) for p in episode_publications(session, episode.id)
        }
        assert states == {"tube": ("uploaded", "public"), "toots": ("announced", "")}
