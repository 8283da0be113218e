"""The Mastodon announcer against a local stand-in instance (real HTTP, Mastodon.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.support.secrets import MemorySecrets
from tests.support.standins.mastodon import MastodonStandin, mastodon_standin
from veyedesk.publish.base import (
    Metadata,
    NeedsLogin,
    Privacy,
    PublishError,
    Retryable,
    TargetConfig,
    TargetKind,
    publisher_for,
)
from veyedesk.publish.mastodon import MastodonAnnouncer, login, make

UUID = "1f0e2d3c-0000-4000-8000-000000000001"
URL = "https://video.example/w/fast-python"


@pytest.fixture
def standin() -> Iterator[MastodonStandin]:
    with mastodon_standin() as server:
        yield server


def config(standin: MastodonStandin, **options: str) -> TargetConfig:
    return TargetConfig("toots", TargetKind.MASTODON, {"url": standin.base_url, **options})


def announcer(standin: MastodonStandin, **options: str) -> tuple[MastodonAnnouncer, list[float]]:
    made = publisher_for(
        config(standin, **options), MemorySecrets("toots", access_token=standin.token)
    )
    assert isinstance(made, MastodonAnnouncer)
    waits: list[float] = []
    made.sleep = waits.append  # the waits are recorded, not slept
    return made, waits


def meta(public_url: str = URL, **fields: object) -> Metadata:
    values: dict[str, object] = {
        "title": "Fast Python",
        "description": "",
        "speakers": ("Ada Lovelace",),
        "show": "PyConf 2026",
        "language": "en",
        "uuid": UUID,
        "slug": "fast_python",
        "public_url": public_url,
        **fields,
    }
    return Metadata(**values)  # type: ignore[arg-type]


TEXT = f"Fast Python - Ada Lovelace (PyConf 2026)\n\n{URL}"


def test_announce_posts_once_with_visibility_language_and_idempotency_key(
    standin: MastodonStandin,
) -> None:
    post, _ = announcer(standin, visibility="unlisted")
    remote = post.announce(meta(), TEXT, key="tweet")
    assert len(standin.statuses) == 1
    status = standin.statuses[remote.remote_id]
    assert status["text"] == TEXT
    assert (status["visibility"], status["language"]) == ("unlisted", "en")
    assert remote.public_url == f"{standin.base_url}/@talks/{remote.remote_id}"
    assert remote.privacy is Privacy.UNLISTED
    sent = [
        h
        for (m, p), h in zip(standin.requests, standin.headers_seen, strict=True)
        if (m, p) == ("POST", "/api/v1/statuses")
    ]
    assert sent[0]["Idempotency-Key"] == f"veyedesk-{UUID}-tweet"
    assert post.fetch(remote.remote_id) == remote


def test_a_second_run_posts_nothing(standin: MastodonStandin) -> None:
    post, _ = announcer(standin)
    first = post.announce(meta(), TEXT, key="tweet")
    again, _ = announcer(standin)  # another worker, later: found among recent posts
    assert again.announce(meta(), TEXT, key="tweet") == first
    assert standin.posts_received == 1 and len(standin.statuses) == 1
    # Without a URL, the same text is the same announcement.
    plain = "Fast Python & more <today>\n\nSee you"
    one = post.announce(meta(public_url=""), plain)
    assert post.announce(meta(public_url=""), plain) == one
    assert standin.posts_received == 2


def test_lost_answer_after_posting_is_retried_without_a_second_post(
    standin: MastodonStandin,
) -> None:
    post, waits = announcer(standin)
    standin.fail_after_post = 1  # the post is made, the answer is a 502
    remote = post.announce(meta(), TEXT, key="tweet")
    # The retry carried the same Idempotency-Key: the instance answered with the first post.
    assert standin.posts_received == 2 and len(standin.statuses) == 1
    assert remote.remote_id in standin.statuses
    assert len(waits) == 1


def test_503_then_success_honours_retry_after(standin: MastodonStandin) -> None:
    post, waits = announcer(standin)
    standin.fail_next = [503]
    post.announce(meta(), TEXT)
    assert waits == [1.0]  # the stand-in's Retry-After
    assert len(standin.statuses) == 1


def test_rate_limit_then_success_waits_for_the_reset(standin: MastodonStandin) -> None:
    post, waits = announcer(standin)
    standin.fail_next = [429]
    post.announce(meta(), TEXT)
    assert len(waits) == 1 and 0 <= waits[0] <= 2  # X-RateLimit-Reset is 1 s away
    assert len(standin.statuses) == 1


def test_always_failing_instance_is_retryable_after_bounded_tries(
    standin: MastodonStandin,
) -> None:
    post, waits = announcer(standin)
    standin.fail_next = [503] * 20
    with pytest.raises(Retryable, match="after 5 tries"):
        post.announce(meta(), TEXT)
    assert len(waits) == 4 and not standin.statuses


def test_refused_token_needs_login(standin: MastodonStandin) -> None:
    post, _ = announcer(standin)
    standin.token = "rotated"
    with pytest.raises(NeedsLogin, match="publish login toots"):
        post.announce(meta(), TEXT)
    assert standin.posts_received == 0


def test_missing_secret_names_publish_login(standin: MastodonStandin) -> None:
    with pytest.raises(NeedsLogin, match=r"run `veyedesk publish login toots` on this machine"):
        make(config(standin), MemorySecrets())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"url": "ftp://x"}, "not a Mastodon instance"),
        ({"url": "http://social.example"}, "not a Mastodon instance"),
        ({"visibility": "direct"}, "visibility='direct'"),
        ({"language": "Klingon"}, "language='Klingon'"),
    ],
)
def test_bad_options_are_named(
    standin: MastodonStandin, options: dict[str, str], message: str
) -> None:
    with pytest.raises(PublishError, match=message):
        make(config(standin, **options), MemorySecrets("toots", access_token="t"))


def test_too_long_post_is_refused_before_sending(standin: MastodonStandin) -> None:
    post, _ = announcer(standin)
    with pytest.raises(PublishError, match="allows 500"):
        post.announce(meta(), "word " * 120 + URL)
    assert standin.posts_received == 0
    standin.max_characters = 1000  # an instance with longer posts says so
    post.announce(meta(), "word " * 120 + URL)
    assert standin.posts_received == 1


def test_remove_deletes_and_a_missing_post_is_fine(standin: MastodonStandin) -> None:
    post, _ = announcer(standin)
    remote = post.announce(meta(), TEXT)
    post.remove(remote.remote_id)
    assert not standin.statuses
    post.remove(remote.remote_id)
    with pytest.raises(PublishError, match="not on"):
        post.fetch(remote.remote_id)


def test_login_checks_and_keeps_the_token(standin: MastodonStandin) -> None:
    secrets = MemorySecrets()
    asked: list[str] = []

    def prompt(question: str) -> str:
        asked.append(question)
        return f"  {standin.token}\n"

    login(config(standin), secrets, prompt)
    assert secrets.get("toots", "access_token") == standin.token
    assert "write:statuses" in asked[0]
    with pytest.raises(PublishError, match="refused that access token"):
        login(config(standin), MemorySecrets(), lambda _q: "wrong")


def test_language_option_overrides_the_talks(standin: MastodonStandin) -> None:
    post, _ = announcer(standin, language="Deutsch")
    remote = post.announce(meta(), TEXT)
    assert standin.statuses[remote.remote_id]["language"] == "de"


def test_a_post_without_the_talks_link_is_found_by_its_text(standin: MastodonStandin) -> None:
    post, _ = announcer(standin)
    text = "Fast Python is online, go watch it"
    first = post.announce(meta(), text)
    assert post.announce(meta(), text) == first
    assert post.announce(meta(), text + "!") != first  # another text is another post
    assert standin.posts_received == 2


def test_unreachable_instance_is_retryable() -> None:
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cfg = TargetConfig("toots", TargetKind.MASTODON, {"url": f"http://127.0.0.1:{port}"})
    post = make(cfg, MemorySecrets("toots", access_token="t"))
    waits: list[float] = []
    post.sleep = waits.append
    with pytest.raises(Retryable, match="could not check the access token after 5 tries"):
        post.announce(meta(), TEXT)
    assert waits == [2.0, 4.0, 8.0, 16.0]  # growing waits between tries


def test_a_url_that_is_no_mastodon_is_named(standin: MastodonStandin) -> None:
    post, _ = announcer(standin, url=standin.base_url + "/not-mastodon")
    with pytest.raises(PublishError, match="check that url= is the Mastodon instance"):
        post.announce(meta(), TEXT)
