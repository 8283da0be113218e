"""The example state commands in resources/commands, run by a real worker against stand-ins.

publish_folder.py publishes the encode into a folder (a web server's, here a temporary
one) and writes public_url back; mail_review.py mails the speakers their review link
through an SMTP server (aiosmtpd, started by the test).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.config import Settings
from veyedesk.encode.outputs import output_path
from veyedesk.gui.resources import resource_path
from veyedesk.jobs import state_moves
from veyedesk.jobs.engine import writer_engine
from veyedesk.jobs.worker import WorkerOptions, WorkerStats, default_handlers, run_worker
from veyedesk.model import EncodeJob, Episode, ShowState
from veyedesk.services.episodes import get_state

USER = "worker@test"
PUBLISH = resource_path("commands/publish_folder.py")
MAIL = resource_path("commands/mail_review.py")


def _work(db_url: str, *allowed: str, output_root: str = "") -> WorkerStats:
    engine = writer_engine(db_url)
    try:
        return run_worker(
            engine,
            Settings(db=db_url, user=USER, worker_commands=allowed, output_root=output_root),
            default_handlers(),
            WorkerOptions(once=True, poll_seconds=0.1),
            name="test:1",
        )
    finally:
        engine.dispose()


def _command_state(session: Session, episode: Episode, slug: str, template: str) -> None:
    state = get_state(session, slug)
    session.add(
        ShowState(show_id=episode.show_id, state_id=state.id, kind="command", command=template)
    )
    session.flush()
    state_moves.enter_state(session, episode, state, USER, "mp4")
    session.commit()


def test_publish_folder_copies_the_encode_and_writes_public_url(
    db_url: str, session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    episode = show.episodes[0]
    root = tmp_path / "out"
    settings = Settings(output_root=str(root))
    # Where this worker's own encode of the talk is: {output} is computed, never read
    # from a job row.
    encoded = output_path(
        settings, show.show.client.slug, show.show.slug, settings.profile("mp4"), episode.slug
    )
    encoded.parent.mkdir(parents=True)
    encoded.write_bytes(b"\x00video" * 1000)
    episode.released = True
    session.add(EncodeJob(episode_id=episode.id, profile="mp4", status="done"))
    www = tmp_path / "www" / "pyconf"
    template = f"{PUBLISH} --base-url https://videos.example.org/pyconf/ -- {{output}} {www}"
    _command_state(session, episode, "make public", template)

    stats = _work(db_url, str(PUBLISH), output_root=str(root))

    assert (stats.done, stats.failed) == (1, 0)
    published = www / encoded.name
    assert published.read_bytes() == encoded.read_bytes()
    assert not list(www.glob(".*part"))  # no temporary file left behind
    session.expire_all()
    assert episode.public_url == f"https://videos.example.org/pyconf/{encoded.name}"
    # tweet, to-miror and conf pass (no command): published, the talk is done.
    assert episode.state is not None and episode.state.slug == "done"


def test_publish_folder_fails_clearly_without_the_encode(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(PUBLISH), "--base-url", "https://x.example/", "--", str(tmp_path / "no.mp4"), "."],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 3 and "encode the talk first" in result.stderr
    bad = subprocess.run(
        [str(PUBLISH), "--base-url", "file:///srv", "--", str(PUBLISH), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "http(s)" in bad.stderr


class _Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(
            (
                envelope.mail_from,  # type: ignore[attr-defined]
                list(envelope.rcpt_tos),  # type: ignore[attr-defined]
                message_from_bytes(envelope.content),  # type: ignore[attr-defined]
            )
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_mail_review_mails_every_speaker_their_link(
    db_url: str,
    session: Session,
    show: ShowFixture,
    tmp_path: Path,
    smtp: tuple[_Inbox, int],
) -> None:
    inbox, port = smtp
    config = tmp_path / "mail.toml"
    config.write_text(
        f'host = "127.0.0.1"\nport = {port}\nfrom = "Video team <video@pyconf.example>"\n'
        'reply_to = "video@pyconf.example"\n',
        encoding="utf-8",
    )
    episode = show.episodes[0]
    episode.name = 'Quotes "x", colons: a; $(rm) \\ 100% 🎥'
    episode.authors = "Ada Lovelace, Grace Hopper"
    episode.emails = "ada@example.org; Grace <grace@example.org>, ada@example.org"
    episode.host_url = "https://tube.example/watch?v=abc"
    template = f"{MAIL} --config {config} -- {{emails}} {{name}} {{host_url}} {{authors}}"
    _command_state(session, episode, "email", template)

    stats = _work(db_url, str(MAIL))

    assert (stats.done, stats.failed) == (1, 0)
    (mail_from, rcpt, msg) = inbox.messages[0]
    assert len(inbox.messages) == 1
    assert mail_from == "video@pyconf.example"
    assert rcpt == ["ada@example.org", "grace@example.org"]
    assert msg["Reply-To"] == "video@pyconf.example"
    body = msg.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "https://tube.example/watch?v=abc" in body
    assert "Hello Ada Lovelace, Grace Hopper" in body
    assert episode.name in body
    session.expire_all()
    assert episode.state is not None and episode.state.slug == "review 2"


def test_mail_review_refuses_a_talk_with_no_link_or_no_address(
    smtp: tuple[_Inbox, int],
) -> None:
    inbox, port = smtp
    base = [str(MAIL), "--host", "127.0.0.1", "--port", str(port), "--from", "v@x.example", "--"]
    no_link = subprocess.run([*base, "a@x.example", "Talk", ""], capture_output=True, text=True)
    assert no_link.returncode == 3 and "host_url" in no_link.stderr
    nobody = subprocess.run(
        [*base, "", "Talk", "https://t.example/1"], capture_output=True, text=True
    )
    assert nobody.returncode == 3 and "no speaker e-mail address" in nobody.stderr
    refused = subprocess.run(
        [
            str(MAIL),
            "--host",
            "127.0.0.1",
            "--port",
            str(_free_port()),
            "--from",
            "v@x.example",
            "--",
            "a@x.example",
            "Talk",
            "https://t.example/1",
        ],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 4 and "failed" in refused.stderr
    assert inbox.messages == []
    assert sys.executable  # the scripts run by their own shebang, as a worker runs them
