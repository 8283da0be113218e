"""Issue 21 end to end on PostgreSQL with a real `veyedesk worker` process.

An encoded talk, released Yes, in a show with an rclone target (a local folder) and a
webhook (a local HTTP server): *post* uploads it unlisted, *make public* makes it public,
*tweet* posts the announcement with the public URL; the talk's public_url is set; a
second worker run changes nothing; a talk whose speaker said No uploads nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.encode.support import settings_for
from tests.support.encoded import EDITOR
from tests.support.raw_day import make_clips, make_raw_day
from veyedesk.config import Settings
from veyedesk.db import make_engine, session_factory
from veyedesk.jobs.engine import writer_engine
from veyedesk.jobs.state_moves import enter_state, state_by_slug
from veyedesk.jobs.worker import WorkerOptions, default_handlers, run_worker
from veyedesk.model import Cut, EncodeJob, Episode, Log, Publication
from veyedesk.model.kinds import JobKind, LogKind
from veyedesk.services.editing.open_save import change_state
from veyedesk.services.identity import Identity
from veyedesk.services.publishing import add_target, episode_publications

VEYEDESK = shutil.which("veyedesk", path=str(Path(sys.executable).parent)) or "veyedesk"
ADMIN = Identity("admin@box", "admin")


@contextmanager
def webhook_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    posts: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            posts.append(json.loads(body))
            self.send_response(201)
            self.send_header("Location", f"/posts/{len(posts)}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", posts
    finally:
        server.shutdown()
        server.server_close()


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def worker(settings: Settings, db_url: str, root: Path) -> str:
    """A real `veyedesk worker --once`; its event lines."""
    config = root / "worker.toml"
    lines = [
        f"output_root = {_toml(settings.output_root)}",
        f"default_profile = {_toml(settings.default_profile)}",
    ]
    profile = settings.profile()
    lines.append(f"[profiles.{profile.name}]")
    for key in ("ext", "width", "height", "fps", "vcodec", "acodec"):
        lines.append(f"{key} = {_toml(getattr(profile, key))}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEYEDESK_")}
    env.update(
        VEYEDESK_CONFIG=str(config),
        VEYEDESK_DATA_DIR=str(root / "data"),
        VEYEDESK_DB=db_url,
        VEYEDESK_USER="worker@box",
        VEYEDESK_SECRETS=str(root / "secrets.json"),
    )
    done = subprocess.run(
        [VEYEDESK, "worker", "--once", "--poll-seconds", "0.2"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def encode_only(session: Session, episode: Episode, settings: Settings) -> str:
    """Encode the talk with an in-process worker that takes encode jobs only; its state."""
    from veyedesk.cli.queue import encode_episode

    change_state(session, episode, "encode", EDITOR, settings.default_profile)
    session.commit()
    url = session.get_bind().url.render_as_string(hide_password=False)
    engine = writer_engine(url)
    try:
        stats = run_worker(
            engine,
            dataclasses.replace(settings, db=url, user="encoder@box"),
            default_handlers({JobKind.ENCODE: encode_episode}),
            WorkerOptions(once=True, poll_seconds=0.1, kinds=(JobKind.ENCODE,)),
        )
    finally:
        engine.dispose()
    assert stats.done == 1 and stats.failed == 0, stats
    session.expire_all()
    assert episode.state is not None
    return episode.state.slug


@pytest.mark.postgres
def test_post_make_public_tweet_with_a_worker(pg_url: str, tmp_path: Path) -> None:
    engine = make_engine(pg_url)
    session = session_factory(engine)()
    day = make_raw_day(session, tmp_path / "raw", make_clips(tmp_path / "clips", 2, 4.0))
    episode = session.get(Episode, day.episode_id)
    assert episode is not None
    episode.cuts.append(Cut(raw_file_id=day.raw_file_ids[0], sequence=1, start=1.0, end=3.0))
    episode.released = True
    # A second talk of the show whose speaker said No.
    refused = Episode(show_id=episode.show_id, name="Withdrawn", slug="withdrawn", released=False)
    session.add(refused)
    session.commit()
    dest = tmp_path / "published"
    with webhook_server() as (hook_url, posts):
        add_target(
            session,
            ADMIN,
            episode.show_id,
            "files",
            "rclone",
            {"remote": str(dest), "public_url": "https://videos.example.org/s"},
        )
        add_target(session, ADMIN, episode.show_id, "hook", "webhook", {"url": hook_url})
        session.commit()
        settings = settings_for(tmp_path)
        # The encode moves it on: push to queue passes, post queues the upload.
        assert encode_only(session, episode, settings) == "post"
        events = worker(settings, pg_url, tmp_path)
        assert "event=done" in events, events
        session.expire_all()
        assert episode.state is not None and episode.state.slug == "review 1"
        uploaded = list(dest.iterdir())
        assert [p.name for p in uploaded] == [f"{episode.slug}_{episode.uuid}.mp4"]
        (pub,) = episode_publications(session, episode.id)
        assert (pub.target, pub.status, pub.privacy) == ("files", "uploaded", "public")
        assert not posts
        # Reviews approve it (as review 2's approve does): make public, then tweet.
        enter_state(
            session, episode, state_by_slug(session, "make public"), "rita", "small", strict=True
        )
        session.commit()
        events = worker(settings, pg_url, tmp_path)
        session.expire_all()
        public = f"https://videos.example.org/s/{episode.slug}_{episode.uuid}.mp4"
        assert episode.public_url == public, events
        assert len(posts) == 1 and posts[0]["public_url"] == public
        assert posts[0]["uuid"] == episode.uuid
        assert episode.state is not None and episode.state.slug == "done", events
        kinds = {p.target: p.status for p in episode_publications(session, episode.id)}
        assert kinds == {"files": "uploaded", "hook": "announced"}
        # A second run changes nothing: nothing queued, nothing sent.
        before = (sorted(os.listdir(dest)), len(posts))
        worker(settings, pg_url, tmp_path)
        assert (sorted(os.listdir(dest)), len(posts)) == before
        # The refused talk: put in *post* (its upload job queued), it uploads nothing.
        enter_state(session, refused, state_by_slug(session, "post"), "ed", "small")
        session.commit()
        assert session.scalar(
            select(EncodeJob.id).where(
                EncodeJob.episode_id == refused.id, EncodeJob.kind == JobKind.PUBLISH
            )
        )
        events = worker(settings, pg_url, tmp_path)
        session.expire_all()
        assert sorted(os.listdir(dest)) == before[0], events
        assert len(posts) == 1
        assert not session.scalars(
            select(Publication).where(Publication.episode_id == refused.id)
        ).all()
        said = session.scalars(select(Log.result).where(Log.episode_id == refused.id)).all()
        assert any("nothing published: speaker refused release" in s for s in said), said
        assert LogKind.STATE
    session.close()
    engine.dispose()
