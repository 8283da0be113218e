"""The PeerTube publisher against a local stand-in that speaks PeerTube's API (with faults)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.secrets import MemorySecrets
from tests.support.standins.peertube import PeerTubeStandIn, serving
from veyedesk.publish import peertube
from veyedesk.publish.base import (
    Metadata,
    NeedsLogin,
    Privacy,
    PublishError,
    TargetConfig,
    TargetKind,
    UploadState,
    publisher_for,
)

TARGET = "tube"


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[PeerTubeStandIn]:
    folder = tmp_path / "standin"
    folder.mkdir()
    with serving(folder) as server:
        yield server


def config(server: PeerTubeStandIn, **options: str) -> TargetConfig:
    values = {
        "url": server.base_url,
        "channel": "conference",
        "username": "crew",
        "chunk_mb": "0.0625",  # 64 KiB chunks: several per test clip
        **options,
    }
    return TargetConfig(TARGET, TargetKind.PEERTUBE, values)


@pytest.fixture
def secrets(standin: PeerTubeStandIn) -> MemorySecrets:
    store = MemorySecrets()
    peertube.login(config(standin), store, lambda _question: standin.password)
    return store


def publisher(server: PeerTubeStandIn, secrets: MemorySecrets, **options: str) -> peertube.PeerTube:
    # Through publisher_for, as the pipeline builds it; no real waiting between retries.
    made = publisher_for(config(server, **options), secrets)
    assert isinstance(made, peertube.PeerTube)
    made.sleep = lambda _seconds: None
    return made


@pytest.fixture
def video(clips: dict[str, Path]) -> Path:
    return clips["mp4"]


def meta(talk_uuid: str | None = None, **fields: object) -> Metadata:
    values: dict[str, object] = {
        "title": '"Pipes and filters" - Ada Lovelace (PyCon Test)',
        "description": "Ada shows pipes.\n\nSpeakers: Ada Lovelace",
        "speakers": ("Ada Lovelace",),
        "show": "PyCon Test",
        "tags": ("python", "pipes", "x", "a-tag-far-longer-than-thirty-characters", "unix", "more"),
        "language": "en",
        "licence": "CC BY-SA 4.0",
        "uuid": talk_uuid or str(uuid.uuid4()),
        **fields,
    }
    return Metadata(**values)  # type: ignore[arg-type]


def test_login_stores_tokens_and_password(standin: PeerTubeStandIn) -> None:
    store = MemorySecrets()
    peertube.login(config(standin), store, lambda _question: standin.password)
    for key in ("client_id", "client_secret", "access_token", "refresh_token", "password"):
        assert store.get(TARGET, key), key
    assert standin.token_grants == {"password": 1}


def test_login_with_a_wrong_password_says_so(standin: PeerTubeStandIn) -> None:
    with pytest.raises(PublishError, match="refused crew's password"):
        peertube.login(config(standin), MemorySecrets(), lambda _question: "wrong")


def test_upload_success(standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path) -> None:
    state = UploadState()
    seen: list[tuple[int, int]] = []
    thumbnail = video.parent / "thumb.jpg"
    thumbnail.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    talk = meta(thumbnail=thumbnail)

    remote = publisher(standin, secrets).upload(
        video, talk, Privacy.UNLISTED, state, lambda sent, total: seen.append((sent, total))
    )

    size = video.stat().st_size
    held = standin.video(remote.remote_id)
    assert standin.received_file(remote.remote_id) == video.read_bytes()
    assert standin.bytes_received == size
    assert (remote.privacy, remote.size, remote.duration) == (Privacy.UNLISTED, size, 5.0)
    assert remote.host_url == f"{standin.base_url}/w/{held.short_uuid}"
    assert state.remote_id == held.uuid and state.offset == size and state.session_url
    assert seen[-1] == (size, size) and len(seen) > 2
    assert held.name == talk.title and held.channel_id == standin.channels["conference"]
    assert (held.privacy, held.licence, held.language) == (2, 2, "en")
    # The key tag first, then the talk's usable tags (2-30 characters), five in all.
    assert held.tags == [
        peertube.key_tag(talk.uuid),
        "python",
        "pipes",
        "a-tag-far-longer-than-thirty-c",
        "unix",
    ]
    assert held.thumbnail == thumbnail.read_bytes()


@pytest.mark.parametrize("chunk_mb", ["8", "0.0625"])  # the whole clip in one chunk, or many
def test_resume_after_a_drop_at_half_sends_at_most_ten_percent_more(
    standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path, chunk_mb: str
) -> None:
    standin.drop_at(0.5)
    state = UploadState()

    remote = publisher(standin, secrets, chunk_mb=chunk_mb).upload(
        video, meta(), Privacy.UNLISTED, state
    )

    size = video.stat().st_size
    assert standin.received_file(remote.remote_id) == video.read_bytes()
    assert standin.drops == 1 and standin.sessions_opened == 1
    assert size <= standin.bytes_received <= size * 1.1


def test_a_worker_that_died_mid_upload_is_continued_from_the_servers_offset(
    standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path
) -> None:
    size = video.stat().st_size
    state = UploadState()
    talk = meta()

    class WorkerDied(Exception):
        pass

    def die_past_half(sent: int, _total: int) -> None:
        if sent >= size // 2:
            raise WorkerDied

    with pytest.raises(WorkerDied):
        publisher(standin, secrets).upload(video, talk, Privacy.UNLISTED, state, die_past_half)
    assert state.session_url and 0 < state.offset < size and not state.remote_id

    # The next worker gets the saved state (as JSON, with the job) and a fresh publisher.
    remote = publisher(standin, secrets).upload(video, talk, Privacy.UNLISTED, state)

    assert standin.received_file(remote.remote_id) == video.read_bytes()
    assert standin.sessions_opened == 1 and standin.bytes_received == size


def test_503_then_success(standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path) -> None:
    standin.fail_next(2, 503)

    remote = publisher(standin, secrets).upload(video, meta(), Privacy.UNLISTED, UploadState())

    assert standin.received_file(remote.remote_id) == video.read_bytes()
    assert standin._fail == []


def test_a_server_that_stays_busy_is_retryable_and_keeps_the_session(
    standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path
) -> None:
    standin.fail_next(50, 503)
    state = UploadState()

    with pytest.raises(peertube.Retryable, match="the job will continue"):
        publisher(standin, secrets).upload(video, meta(), Privacy.UNLISTED, state)

    assert state.session_url and not state.remote_id


def test_an_expired_token_is_refreshed_once(
    standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path
) -> None:
    standin.expire_tokens()

    remote = publisher(standin, secrets).upload(video, meta(), Privacy.UNLISTED, UploadState())

    assert remote.privacy == Privacy.UNLISTED
    assert standin.token_grants == {"password": 1, "refresh_token": 1}
    assert standin.access[secrets.get(TARGET, "access_token") or ""]


def test_a_lapsed_refresh_token_logs_in_again_with_the_kept_password(
    standin: PeerTubeStandIn, secrets: MemorySecrets
) -> None:
    standin.expire_tokens()
    standin.refresh.clear()

    assert publisher(standin, secrets).find(meta()) is None

    assert standin.token_grants == {"password": 2}


def test_duplicate_run_uploads_nothing(
    standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path
) -> None:
    talk = meta()
    first = publisher(standin, secrets).upload(video, talk, Privacy.UNLISTED, UploadState())
    sent = standin.bytes_received

    again = publisher(standin, secrets).upload(video, talk, Privacy.UNLISTED, UploadState())

    assert again.remote_id == first.remote_id
    assert standin.bytes_received == sent and standin.sessions_opened == 1
    assert len(standin.videos) == 1
    found = publisher(standin, secrets).find(talk)
    assert found is not None and found.remote_id == first.remote_id
    assert publisher(standin, secrets).find(meta()) is None  # another talk


def test_privacy_flip(standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path) -> None:
    tube = publisher(standin, secrets)
    remote = tube.upload(video, meta(), Privacy.UNLISTED, UploadState())

    public = tube.set_privacy(remote.remote_id, Privacy.PUBLIC)
    assert public.privacy == Privacy.PUBLIC and standin.video(remote.remote_id).privacy == 1
    private = tube.set_privacy(remote.remote_id, Privacy.PRIVATE)
    assert private.privacy == Privacy.PRIVATE and standin.video(remote.remote_id).privacy == 3


def test_remove(standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path) -> None:
    tube = publisher(standin, secrets)
    remote = tube.upload(video, meta(), Privacy.UNLISTED, UploadState())

    tube.remove(remote.remote_id)
    assert standin.videos == {}
    tube.remove(remote.remote_id)  # already gone: not an error
    with pytest.raises(PublishError, match="has no video"):
        tube.fetch(remote.remote_id)


def test_fetch_reports_the_source_size_not_a_transcoded_file(
    standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path
) -> None:
    tube = publisher(standin, secrets)
    remote = tube.upload(video, meta(), Privacy.PUBLIC, UploadState())

    fetched = tube.fetch(remote.remote_id)

    assert fetched.size == video.stat().st_size
    assert (fetched.privacy, fetched.duration) == (Privacy.PUBLIC, 5.0)


def test_a_missing_secret_names_publish_login(standin: PeerTubeStandIn) -> None:
    with pytest.raises(NeedsLogin, match=f"veyedesk publish login {TARGET}"):
        publisher_for(config(standin), MemorySecrets())


def test_a_missing_option_names_it(standin: PeerTubeStandIn, secrets: MemorySecrets) -> None:
    with pytest.raises(PublishError, match="has no channel"):
        publisher_for(config(standin, channel=""), secrets)


def test_an_unknown_channel_says_which(
    standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path
) -> None:
    with pytest.raises(PublishError, match="no channel 'talks'"):
        publisher(standin, secrets, channel="talks").upload(
            video, meta(), Privacy.UNLISTED, UploadState()
        )


@pytest.mark.parametrize(
    ("licence", "number"),
    [
        ("CC BY 4.0", 1),
        ("CC-BY-SA-4.0", 2),
        ("cc by-nd", 3),
        ("CC BY-NC 4.0", 4),
        ("CC BY-NC-SA 4.0", 5),
        ("CC BY-NC-ND 3.0", 6),
        ("CC0 1.0", 7),
        ("All rights reserved", None),
        ("", None),
    ],
)
def test_licence_ids(licence: str, number: int | None) -> None:
    assert peertube.licence_id(licence) == number


def test_key_tag_fits_peertube_and_differs_per_talk() -> None:
    one, two = str(uuid.uuid4()), str(uuid.uuid4())
    assert len(peertube.key_tag(one)) <= 30
    assert peertube.key_tag(one) == peertube.key_tag(one.upper())
    assert peertube.key_tag(one) != peertube.key_tag(two)


def test_a_token_that_expires_mid_upload_is_refreshed_and_the_upload_goes_on(
    standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path
) -> None:
    size = video.stat().st_size
    expired: list[int] = []

    def expire_past_half(sent: int, _total: int) -> None:
        if sent >= size // 2 and not expired:
            expired.append(sent)
            standin.expire_tokens()

    remote = publisher(standin, secrets).upload(
        video, meta(), Privacy.UNLISTED, UploadState(), expire_past_half
    )

    assert expired and standin.received_file(remote.remote_id) == video.read_bytes()
    assert standin.token_grants == {"password": 1, "refresh_token": 1}
    assert standin.bytes_received == size


def test_a_session_the_server_forgot_starts_a_new_one(
    standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path
) -> None:
    state = UploadState()
    talk = meta()

    def die_after_first_chunk(sent: int, _total: int) -> None:
        if sent:
            raise RuntimeError("worker died")

    with pytest.raises(RuntimeError):
        publisher(standin, secrets).upload(
            video, talk, Privacy.UNLISTED, state, die_after_first_chunk
        )
    standin.forget_sessions()  # an hour passed

    remote = publisher(standin, secrets).upload(video, talk, Privacy.UNLISTED, state)

    assert standin.received_file(remote.remote_id) == video.read_bytes()
    assert standin.sessions_opened == 2


def test_a_video_deleted_on_the_instance_is_uploaded_again(
    standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path
) -> None:
    state = UploadState()
    talk = meta()
    first = publisher(standin, secrets).upload(video, talk, Privacy.UNLISTED, state)
    del standin.videos[first.remote_id]  # removed by hand on the instance

    again = publisher(standin, secrets).upload(video, talk, Privacy.UNLISTED, state)

    assert again.remote_id != first.remote_id and state.remote_id == again.remote_id
    assert standin.sessions_opened == 2


def test_a_server_that_keeps_forgetting_sessions_is_retryable(
    standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path
) -> None:
    standin.forget_sessions(always=True)

    with pytest.raises(peertube.Retryable, match="forgot the upload session twice"):
        publisher(standin, secrets).upload(video, meta(), Privacy.UNLISTED, UploadState())

    assert standin.sessions_opened == 2


def test_429_waits_as_long_as_retry_after_says(
    standin: PeerTubeStandIn, secrets: MemorySecrets, video: Path
) -> None:
    standin.fail_next(1, 429, retry_after="7")
    tube = publisher(standin, secrets)
    waits: list[float] = []
    tube.sleep = waits.append

    remote = tube.upload(video, meta(), Privacy.UNLISTED, UploadState())

    assert waits == [7.0]
    assert standin.received_file(remote.remote_id) == video.read_bytes()


def test_an_account_with_two_factor_authentication_is_named(standin: PeerTubeStandIn) -> None:
    standin.two_factor = True
    with pytest.raises(PublishError, match="two-factor"):
        peertube.login(config(standin), MemorySecrets(), lambda _question: standin.password)
