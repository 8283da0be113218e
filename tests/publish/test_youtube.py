"""YouTube publishing against the Data API stand-in: upload, resume, faults, login."""

from __future__ import annotations

import random
import socket
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from tests.support.media import FFMPEG, make_clip
from tests.support.secrets import MemorySecrets
from tests.support.standins.youtube import (
    CLIENT_SECRET,
    YouTubeStandIn,
    options,
    youtube_standin,
)
from tests.support.waiting import wait_for
from veyedesk.publish import youtube, youtube_text
from veyedesk.publish.base import (
    Metadata,
    NeedsLogin,
    Privacy,
    PublishError,
    Retryable,
    TargetConfig,
    TargetKind,
    UploadState,
    publisher_for,
)

UUID = "0f8e3b1c-5d7a-4c2e-9b6f-1a2b3c4d5e6f"


@pytest.fixture
def stand() -> Iterator[YouTubeStandIn]:
    with youtube_standin() as running:
        yield running


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("yt") / "talk.mp4", "mp4", seconds=3.0)


@pytest.fixture(scope="module")
def thumb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("thumb") / "thumb.jpg"
    subprocess.run(
        [
            FFMPEG,
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x180",
            "-frames:v",
            "1",
            str(path),
        ],
        check=True,
    )
    return path


def config(stand: YouTubeStandIn, **more: str) -> TargetConfig:
    return TargetConfig("yt", TargetKind.YOUTUBE, options(stand, **more))


def signed_in(stand: YouTubeStandIn) -> MemorySecrets:
    secrets = MemorySecrets()
    secrets.set("yt", "client_secret", CLIENT_SECRET)
    secrets.set("yt", "refresh_token", stand.grant_refresh_token())
    return secrets


def publisher(
    stand: YouTubeStandIn, secrets: MemorySecrets | None = None, **more: str
) -> youtube.YouTube:
    made = youtube.YouTube(
        config(stand, **more), secrets or signed_in(stand), sleep=lambda _s: None
    )
    return made


def meta(thumbnail: Path | None = None, **more: object) -> Metadata:
    fields: dict[str, object] = {
        "title": '"Using <template> tags" - Ada Lovelace (PyCon)',
        "description": "Ada shows <template>.\n\nhttps://example.org/talk",
        "speakers": ("Ada Lovelace",),
        "show": "PyCon",
        "tags": ("python", "web, html", "Python"),
        "language": "en",
        "licence": "CC BY 4.0",
        "recorded": datetime(2026, 5, 14, 10, 30),
        "thumbnail": thumbnail,
        "slug": "using_template_tags",
        "uuid": UUID,
    }
    fields.update(more)
    return Metadata(**fields)  # type: ignore[arg-type]


def test_upload_sends_the_file_and_its_metadata(
    stand: YouTubeStandIn, clip: Path, thumb: Path
) -> None:
    seen: list[tuple[int, int]] = []
    state = UploadState()
    made = publisher_for(config(stand, category="27"), signed_in(stand))
    assert isinstance(made, youtube.YouTube)
    remote = made.upload(
        clip, meta(thumb), Privacy.UNLISTED, state, lambda done, total: seen.append((done, total))
    )

    size = clip.stat().st_size
    assert stand.files[remote.remote_id] == clip.read_bytes()
    assert stand.upload_bytes == size
    assert seen[-1] == (size, size)
    assert state.remote_id == remote.remote_id and state.offset == size
    assert state.session_url.startswith(stand.url)
    assert remote.privacy is Privacy.UNLISTED and remote.size == size
    assert remote.duration == pytest.approx(3.0, abs=1.0)
    assert remote.public_url.endswith(remote.remote_id)

    video = stand.videos[remote.remote_id]
    snippet = video["snippet"]
    assert snippet["title"] == '"Using \u2039template\u203a tags" - Ada Lovelace (PyCon)'
    assert "<" not in snippet["description"] and "\u2039template\u203a" in snippet["description"]
    assert snippet["tags"] == [youtube_text.uuid_tag(UUID), "python", "web html"]
    assert snippet["categoryId"] == "27"
    assert snippet["defaultLanguage"] == snippet["defaultAudioLanguage"] == "en"
    assert video["status"]["license"] == "creativeCommon"
    assert video["status"]["privacyStatus"] == "unlisted"
    assert video["recordingDetails"]["recordingDate"].startswith("2026-05-14T10:30")
    assert stand.thumbnails[remote.remote_id] == thumb.read_bytes()
    assert state.extra["thumbnail"] == "set"


def test_a_long_description_is_cut_to_what_youtube_takes(stand: YouTubeStandIn, clip: Path) -> None:
    long = "\n".join(f"{i:02d}:00 Kapitel über <Größe> {i}" for i in range(400))
    remote = publisher(stand).upload(clip, meta(description=long), Privacy.UNLISTED, UploadState())
    stored = stand.videos[remote.remote_id]["snippet"]["description"]
    assert len(stored.encode()) <= 5000 and stored.endswith("\u2026")
    # cut at a line's end: every line whole, the last one marked as continued
    lines, cleaned = stored.splitlines(), youtube_text.clean_text(long).splitlines()
    assert lines[:-1] == cleaned[: len(lines) - 1]
    assert lines[-1] == cleaned[len(lines) - 1] + "\u2026"


def test_a_connection_dropped_at_half_resumes_at_the_servers_offset(
    stand: YouTubeStandIn, clip: Path
) -> None:
    stand.drop_upload_at(0.5)
    state = UploadState()
    remote = publisher(stand).upload(clip, meta(), Privacy.UNLISTED, state)

    size = clip.stat().st_size
    assert stand.cuts == 1 and stand.status_queries == 1
    assert stand.files[remote.remote_id] == clip.read_bytes()
    assert stand.upload_bytes <= size * 1.10
    assert stand.sessions_started == 1


def test_a_dead_worker_is_continued_by_the_next_from_the_kept_state(
    stand: YouTubeStandIn, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = clip.stat().st_size

    class Died(Exception):
        pass

    def die_at_half(done: int, _total: int) -> None:
        if done >= size // 2:
            raise Died

    state = UploadState()
    first = youtube.YouTube(config(stand), signed_in(stand), sleep=lambda _s: None)
    monkeypatch.setattr(youtube, "READ_BLOCK", 32 * 1024)  # progress often: die near half
    try:
        with pytest.raises(Died):
            first.upload(clip, meta(), Privacy.UNLISTED, state, die_at_half)
    finally:
        first.close()
    assert state.session_url and not state.remote_id

    # The job is picked up by another worker (another process: a new publisher).
    # (the server reads what the dead worker had sent; then the connection is gone)
    wait_for(
        "the stand-in to take the dead worker's bytes",
        lambda: stand.upload_bytes and not stand.receiving,
    )
    assert 0 < stand.upload_bytes < size
    remote = publisher(stand).upload(clip, meta(), Privacy.UNLISTED, state)
    assert stand.files[remote.remote_id] == clip.read_bytes()
    assert stand.upload_bytes <= size * 1.10
    assert stand.sessions_started == 1


def test_chunks_are_confirmed_one_by_one(stand: YouTubeStandIn, tmp_path: Path) -> None:
    clip = tmp_path / "big.bin"  # four chunks and a bit: any bytes will do here
    clip.write_bytes(random.randbytes(4 * youtube.CHUNK_UNIT + 1000))
    offsets: list[int] = []
    state = UploadState()
    made = youtube.YouTube(config(stand), signed_in(stand), chunk_size=100_000)
    assert made.chunk_size == youtube.CHUNK_UNIT  # rounded up to Google's unit
    stand.drop_upload_at(0.5)
    remote = made.upload(
        clip, meta(), Privacy.UNLISTED, state, lambda _d, _t: offsets.append(state.offset)
    )
    assert stand.files[remote.remote_id] == clip.read_bytes()
    assert stand.upload_bytes <= clip.stat().st_size * 1.10
    # each chunk's 308 moved the confirmed offset on; the cut one resumed where it broke
    unit, half = youtube.CHUNK_UNIT, clip.stat().st_size // 2
    assert stand.cuts == 1
    assert sorted(set(offsets)) == [0, unit, 2 * unit, half, half + unit, half + 2 * unit]


def test_a_503_is_tried_again(stand: YouTubeStandIn, clip: Path) -> None:
    stand.fail(503, times=1, method="POST", path="/upload/youtube/v3/videos")
    stand.fail(503, times=1, method="PUT", path="/upload/youtube/v3/videos")
    stand.fail(503, times=1, method="GET", path="/youtube/v3/videos")
    remote = publisher(stand).upload(clip, meta(), Privacy.UNLISTED, UploadState())
    assert stand.files[remote.remote_id] == clip.read_bytes()
    assert stand.upload_bytes == clip.stat().st_size


def test_503_past_the_tries_is_retryable_and_the_next_run_resumes(
    stand: YouTubeStandIn, clip: Path
) -> None:
    stand.drop_upload_at(0.5)
    stand.fail(503, times=youtube.TRIES * 2, method="PUT", path="/upload/youtube/v3/videos")
    state = UploadState()
    with pytest.raises(Retryable, match=r"busy|broke off"):
        publisher(stand).upload(clip, meta(), Privacy.UNLISTED, state)
    assert state.session_url and not state.remote_id
    # The faults are spent; the job runs again.
    stand.faults.clear()
    remote = publisher(stand).upload(clip, meta(), Privacy.UNLISTED, state)
    assert stand.files[remote.remote_id] == clip.read_bytes()


def test_429_honours_retry_after_then_gives_a_retryable(stand: YouTubeStandIn) -> None:
    slept: list[float] = []
    made = youtube.YouTube(config(stand), signed_in(stand), sleep=slept.append)
    stand.fail(429, times=2, method="GET", path="/youtube/v3/videos", retry_after="7")
    with pytest.raises(PublishError, match="no video gone"):
        made.fetch("gone")
    assert slept == [7.0, 7.0]
    stand.fail(429, times=youtube.TRIES, method="GET", path="/youtube/v3/videos")
    with pytest.raises(Retryable, match="busy"):
        made.fetch("gone")


def test_a_spent_quota_is_retryable_at_once(stand: YouTubeStandIn) -> None:
    made = publisher(stand)
    stand.fail(403, times=1, path="/youtube/v3/", reason="quotaExceeded")
    with pytest.raises(Retryable, match="daily quota is spent"):
        made.fetch("anything")


def test_a_server_that_keeps_nothing_gives_a_retryable(stand: YouTubeStandIn, clip: Path) -> None:
    # 308 with no Range to every PUT: the upload makes no headway, and must not loop forever.
    stand.fail(308, times=100, method="PUT", path="/upload/youtube/v3/videos")
    state = UploadState()
    with pytest.raises(Retryable, match=r"broke off at 0 of .*kept none of it"):
        publisher(stand).upload(clip, meta(), Privacy.UNLISTED, state)
    assert state.session_url and state.offset == 0


def test_an_expired_token_is_refreshed_once(stand: YouTubeStandIn, clip: Path) -> None:
    made = publisher(stand)
    first = made.upload(clip, meta(), Privacy.UNLISTED, UploadState())
    grants = len(stand.token_grants)
    stand.expire_tokens()
    assert made.fetch(first.remote_id).remote_id == first.remote_id
    assert stand.token_grants[grants:] == ["refresh_token"]
    # and before an upload: its first call is refused, refreshes, and the job goes on
    stand.expire_tokens()
    other = made.upload(
        clip, meta(uuid=UUID.replace("0f8e", "1f8e")), Privacy.UNLISTED, UploadState()
    )
    assert other.remote_id != first.remote_id and stand.files[other.remote_id]
    assert stand.token_grants[grants:] == ["refresh_token", "refresh_token"]


def test_a_revoked_sign_in_asks_for_publish_login(stand: YouTubeStandIn) -> None:
    made = publisher(stand)
    stand.revoke()
    with pytest.raises(NeedsLogin, match="veyedesk publish login yt"):
        made.fetch("anything")


def test_a_second_run_uploads_nothing(stand: YouTubeStandIn, clip: Path) -> None:
    first = publisher(stand).upload(clip, meta(), Privacy.UNLISTED, UploadState())
    sent = stand.upload_bytes
    # A new job that lost its state (the first worker died before it was saved).
    again = publisher(stand).upload(clip, meta(), Privacy.UNLISTED, UploadState())
    assert again.remote_id == first.remote_id
    assert stand.upload_bytes == sent and stand.sessions_started == 1
    assert len(stand.videos) == 1
    # and with the state kept: not even a search
    state = UploadState(remote_id=first.remote_id)
    before = len(stand.requests)
    publisher(stand).upload(clip, meta(), Privacy.UNLISTED, state)
    assert ("GET", "/youtube/v3/search") not in stand.requests[before:]


def test_find_ignores_a_loose_search_match(stand: YouTubeStandIn, clip: Path) -> None:
    # Another talk whose description merely mentions the tag is not this talk's video.
    stand.add_video(
        {"snippet": {"title": "other", "description": youtube_text.uuid_tag(UUID), "tags": []}},
        b"x",
    )
    assert publisher(stand).find(meta()) is None


def test_privacy_flips_and_keeps_the_licence_and_adds_the_playlist_once(
    stand: YouTubeStandIn, clip: Path
) -> None:
    made = publisher(stand, playlist="PLtalks")
    remote = made.upload(clip, meta(), Privacy.UNLISTED, UploadState())
    assert stand.playlists["PLtalks"] == []  # not while unlisted

    public = made.set_privacy(remote.remote_id, Privacy.PUBLIC)
    assert public.privacy is Privacy.PUBLIC
    assert stand.videos[remote.remote_id]["status"]["license"] == "creativeCommon"
    assert stand.playlists["PLtalks"] == [remote.remote_id]
    made.set_privacy(remote.remote_id, Privacy.PUBLIC)
    assert stand.playlists["PLtalks"] == [remote.remote_id]

    private = made.set_privacy(remote.remote_id, Privacy.PRIVATE)
    assert private.privacy is Privacy.PRIVATE


def test_an_upload_made_private_by_youtube_is_an_error(stand: YouTubeStandIn, clip: Path) -> None:
    stand.force_private = True
    state = UploadState()
    with pytest.raises(PublishError, match=r"private on YouTube, not unlisted.*unaudited"):
        publisher(stand).upload(clip, meta(), Privacy.UNLISTED, state)
    assert state.remote_id in stand.videos  # kept: the next run uploads nothing again


def test_a_size_mismatch_is_an_error(stand: YouTubeStandIn, clip: Path) -> None:
    state = UploadState()
    remote = publisher(stand).upload(clip, meta(), Privacy.UNLISTED, state)
    stand.videos[remote.remote_id]["fileDetails"]["fileSize"] = "12"
    with pytest.raises(PublishError, match="holds 12 bytes"):
        publisher(stand).upload(clip, meta(), Privacy.UNLISTED, state)


def test_an_empty_file_is_refused(stand: YouTubeStandIn, tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(PublishError, match="is empty; encode the talk again"):
        publisher(stand).upload(empty, meta(), Privacy.UNLISTED, UploadState())
    assert stand.sessions_started == 0


def test_a_missing_playlist_is_named(stand: YouTubeStandIn, clip: Path) -> None:
    made = publisher(stand, playlist="PLnone")
    remote = made.upload(clip, meta(), Privacy.UNLISTED, UploadState())
    with pytest.raises(PublishError, match="no playlist PLnone"):
        made.set_privacy(remote.remote_id, Privacy.PUBLIC)


def test_a_video_removed_on_youtube_is_uploaded_anew(stand: YouTubeStandIn, clip: Path) -> None:
    made = publisher(stand)
    state = UploadState()
    first = made.upload(clip, meta(), Privacy.UNLISTED, state)
    made.remove(first.remote_id)
    again = made.upload(clip, meta(), Privacy.UNLISTED, state)
    assert again.remote_id != first.remote_id and state.remote_id == again.remote_id
    assert list(stand.videos) == [again.remote_id]


def test_a_missing_thumbnail_is_named(stand: YouTubeStandIn, clip: Path, tmp_path: Path) -> None:
    state = UploadState()
    with pytest.raises(PublishError, match="cannot read the thumbnail"):
        publisher(stand).upload(clip, meta(tmp_path / "none.jpg"), Privacy.UNLISTED, state)
    assert state.remote_id  # the video is there; the next run sets the thumbnail only


def test_remove_deletes_and_a_missing_video_is_no_error(stand: YouTubeStandIn, clip: Path) -> None:
    made = publisher(stand)
    remote = made.upload(clip, meta(), Privacy.UNLISTED, UploadState())
    made.remove(remote.remote_id)
    assert remote.remote_id not in stand.videos
    made.remove(remote.remote_id)
    with pytest.raises(PublishError, match="upload the talk again"):
        made.fetch(remote.remote_id)


def test_a_missing_secret_names_publish_login(stand: YouTubeStandIn) -> None:
    with pytest.raises(NeedsLogin, match=r"run `veyedesk publish login yt` on this machine"):
        publisher_for(config(stand), MemorySecrets())


def test_a_missing_client_id_is_named() -> None:
    bare = TargetConfig("yt", TargetKind.YOUTUBE, {})
    with pytest.raises(PublishError, match="client_id"):
        youtube.make(bare, MemorySecrets())


def test_login_through_the_loopback_redirect(stand: YouTubeStandIn, clip: Path) -> None:
    secrets = MemorySecrets()
    asked: list[str] = []
    browsed: list[httpx.Response] = []

    def prompt(question: str) -> str:
        asked.append(question)
        return CLIENT_SECRET

    def browser(text: str) -> None:
        # The user opens the printed URL: the consent page redirects to the loopback.
        url = next(word for word in text.split() if word.startswith(stand.url))

        def visit() -> None:
            browsed.append(httpx.get(url, follow_redirects=True, timeout=30))

        threading.Thread(target=visit, daemon=True).start()

    youtube.login(config(stand), secrets, prompt, show=browser, timeout=60)

    assert asked and "client secret" in asked[0]
    assert secrets.get("yt", "client_secret") == CLIENT_SECRET
    assert secrets.get("yt", "refresh_token") in stand.refresh_tokens
    assert stand.token_grants == ["authorization_code"]
    # The browser got the "you can close this tab" page from the loopback server.
    assert browsed and browsed[0].status_code == 200 and "close this tab" in browsed[0].text
    # and this machine can publish now
    remote = publisher(stand, secrets).upload(clip, meta(), Privacy.UNLISTED, UploadState())
    assert remote.remote_id in stand.videos


def test_login_refused_by_the_user_says_so(stand: YouTubeStandIn) -> None:
    secrets = MemorySecrets()
    secrets.set("yt", "client_secret", CLIENT_SECRET)
    flow = youtube.start_login(config(stand), secrets)
    httpx.get(f"{flow.redirect_uri}?error=access_denied&state=x", timeout=30)
    with pytest.raises(PublishError, match="refused"):
        flow.finish(CLIENT_SECRET, timeout=30)
    assert secrets.get("yt", "refresh_token") is None


def test_login_on_a_fixed_port_for_a_headless_worker(stand: YouTubeStandIn) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    flow = youtube.start_login(config(stand, login_port=str(port)), MemorySecrets())
    try:
        assert flow.redirect_uri == f"http://127.0.0.1:{port}/"
        with pytest.raises(PublishError, match=f"cannot listen on 127.0.0.1 port {port}"):
            youtube.start_login(config(stand, login_port=str(port)), MemorySecrets())
    finally:
        flow.close()


def test_title_description_and_tags_fit_youtubes_limits() -> None:
    title = youtube_text.youtube_title("x" * 150)
    assert len(title) == 100 and title.endswith("…")
    assert youtube_text.youtube_title("  ", "fallback_slug") == "fallback_slug"
    text = ("é<b>" * 1000 + "\n") * 3
    described = youtube_text.youtube_description(text)
    assert len(described.encode()) <= 5000 and "<" not in described and ">" not in described
    assert described.endswith("…")
    many = meta(tags=tuple(f"tag number {i}" for i in range(100)))
    tags = youtube_text.youtube_tags(many)
    assert tags[0] == youtube_text.uuid_tag(UUID)
    length = youtube_text._tags_length
    assert length(tags) <= 500 < length([*tags, "tag number 99"])


@pytest.mark.parametrize(
    ("licence", "expected"),
    [
        ("CC BY 4.0", "creativeCommon"),
        ("CC-BY-3.0", "creativeCommon"),
        ("cc by", "creativeCommon"),
        ("CC BY-SA 4.0", "youtube"),
        ("CC BY-NC-ND 4.0", "youtube"),
        ("CC0", "youtube"),
        ("", "youtube"),
    ],
)
def test_licence(licence: str, expected: str) -> None:
    assert youtube_text.youtube_licence(licence) == expected


def test_durations() -> None:
    assert youtube_text.parse_duration("PT1H2M3S") == 3723
    assert youtube_text.parse_duration("P1DT2S") == 86402
    assert youtube_text.parse_duration("PT0S") is None
    assert youtube_text.parse_duration("") is None


def test_recording_date() -> None:
    assert youtube_text.recording_date(datetime(2026, 5, 14, 23, 30)) == "2026-05-14T23:30:00Z"
    aware = datetime(2026, 5, 14, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert youtube_text.recording_date(aware) == "2026-05-14T10:00:00Z"
