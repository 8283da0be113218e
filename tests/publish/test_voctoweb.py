"""media.ccc.de target against a voctoweb stand-in: events, recordings, re-runs, faults."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.support.standins.voctoweb import VoctowebStandIn, voctoweb_standin
from veyedesk.publish import voctoweb
from veyedesk.publish.base import (
    Metadata,
    NeedsLogin,
    Privacy,
    PublishError,
    Retryable,
    TargetConfig,
    TargetKind,
    UploadState,
)

GUID = "1c4d8ad8-e072-11e8-981a-6c400891b752"
META = Metadata(
    title="Packaging done right",
    description="Wheels and sdists.",
    speakers=("Ann Example", "Bo Sample"),
    show="conf26",
    tags=("python", "packaging"),
    language="de",
    recorded=datetime(2026, 8, 29, 10, 30),
    conf_url="https://conf.example/talks/42",
    slug="42-packaging_done_right",
    uuid=GUID,
)
FACTS = {"width": 1920, "height": 1080, "duration": 1800.4}


class Secrets:
    def __init__(self, values: dict[tuple[str, str], str] | None = None) -> None:
        self.values = dict(values or {})

    def get(self, target: str, key: str) -> str | None:
        return self.values.get((target, key))

    def set(self, target: str, key: str, value: str) -> None:
        self.values[(target, key)] = value


@pytest.fixture
def standin() -> Iterator[VoctowebStandIn]:
    with voctoweb_standin() as server:
        yield server


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "conf26-42-deu-Packaging_done_right_hd.mp4"
    path.write_bytes(os.urandom(200_000))
    return path


def target(standin: VoctowebStandIn, **options: str) -> TargetConfig:
    return TargetConfig(
        "ccc", TargetKind.VOCTOWEB, {"url": standin.url, "acronym": "conf26", **options}
    )


def publisher(
    standin: VoctowebStandIn, waits: list[float] | None = None, **options: str
) -> voctoweb.VoctowebPublisher:
    made = voctoweb.make(target(standin, **options), Secrets({("ccc", "api_key"): "KEY"}))
    made._sleep = (waits if waits is not None else []).append
    return made


def state() -> UploadState:
    return UploadState(extra=dict(FACTS))


def test_upload_creates_the_event_and_its_recording(standin: VoctowebStandIn, clip: Path) -> None:
    upload_state = state()
    remote = publisher(standin).upload(clip, META, Privacy.UNLISTED, upload_state)

    event = standin.events[GUID]
    assert event.fields["slug"] == "conf26-42-packaging_done_right"
    assert event.fields["title"] == "Packaging done right"
    assert event.fields["persons"] == ["Ann Example", "Bo Sample"]
    assert event.fields["tags"] == ["python", "packaging"]
    assert event.fields["original_language"] == "deu"
    assert event.fields["link"] == "https://conf.example/talks/42"
    assert event.fields["date"] == "2026-08-29T10:30:00"
    assert "release_date" not in event.fields  # unlisted: kept out of feeds
    (recording,) = event.recordings
    assert recording["filename"] == clip.name
    assert recording["folder"] == "h264-hd"
    assert recording["mime_type"] == "video/mp4"
    assert recording["language"] == "deu"
    assert (recording["size"], recording["length"]) == (200_000, 1800)
    assert (
        recording["width"],
        recording["height"],
        recording["high_quality"],
        recording["html5"],
    ) == (
        1920,
        1080,
        True,
        True,
    )
    assert remote.remote_id == upload_state.remote_id == GUID
    assert remote.privacy is Privacy.UNLISTED
    assert remote.host_url == f"{standin.url}/v/conf26-42-packaging_done_right"
    assert remote.public_url == f"{standin.url}/cdn/conf26/h264-hd/{clip.name}"
    assert remote.duration == 1800
    assert upload_state.extra["recording_id"] == recording["id"]


def test_a_duplicate_run_creates_nothing(standin: VoctowebStandIn, clip: Path) -> None:
    publisher(standin).upload(clip, META, Privacy.UNLISTED, state())

    found = publisher(standin).find(META)
    again = publisher(standin).upload(clip, META, Privacy.UNLISTED, state())

    assert found is not None and found.remote_id == GUID
    assert again.remote_id == GUID
    assert (standin.events_created, standin.recordings_created) == (1, 1)
    assert standin.patches == []  # nothing differed: nothing was sent to change


def test_find_is_none_before_the_first_upload(standin: VoctowebStandIn) -> None:
    assert publisher(standin).find(META) is None


def test_a_changed_talk_updates_the_event(standin: VoctowebStandIn, clip: Path) -> None:
    publisher(standin).upload(clip, META, Privacy.UNLISTED, state())
    changed = Metadata(
        **{**META.__dict__, "title": "Packaging, done right", "speakers": ("Ann Example",)}
    )

    publisher(standin).upload(clip, changed, Privacy.UNLISTED, state())

    assert standin.patches == [{"title": "Packaging, done right", "persons": ["Ann Example"]}]
    assert standin.events[GUID].fields["title"] == "Packaging, done right"
    assert standin.events_created == 1


def test_public_sets_the_release_date_and_unlisted_clears_it(
    standin: VoctowebStandIn, clip: Path
) -> None:
    ccc = publisher(standin)
    remote = ccc.upload(clip, META, Privacy.UNLISTED, state())

    public = ccc.set_privacy(remote.remote_id, Privacy.PUBLIC)
    assert public.privacy is Privacy.PUBLIC
    assert standin.events[GUID].fields["release_date"] == date.today().isoformat()
    assert ccc.set_privacy(remote.remote_id, Privacy.PUBLIC).privacy is Privacy.PUBLIC
    assert len(standin.patches) == 1  # already public: nothing sent

    assert ccc.set_privacy(remote.remote_id, Privacy.UNLISTED).privacy is Privacy.UNLISTED
    assert standin.events[GUID].fields["release_date"] is None


def test_private_and_remove_delete_the_event(standin: VoctowebStandIn, clip: Path) -> None:
    ccc = publisher(standin)
    remote = ccc.upload(clip, META, Privacy.PUBLIC, state())

    assert ccc.set_privacy(remote.remote_id, Privacy.PRIVATE).privacy is Privacy.PRIVATE
    assert GUID not in standin.events
    assert ccc.fetch(remote.remote_id).privacy is Privacy.PRIVATE
    ccc.remove(remote.remote_id)  # already gone: not an error
    with pytest.raises(PublishError, match="upload the talk again"):
        ccc.set_privacy(remote.remote_id, Privacy.PUBLIC)


def test_503_is_waited_out_and_then_succeeds(standin: VoctowebStandIn, clip: Path) -> None:
    standin.fail_next(2)
    waits: list[float] = []
    remote = publisher(standin, waits).upload(clip, META, Privacy.UNLISTED, state())
    assert waits == [0.0, 0.0]
    assert remote.remote_id == GUID
    assert (standin.events_created, standin.recordings_created) == (1, 1)


def test_503_every_time_is_retryable(standin: VoctowebStandIn, clip: Path) -> None:
    standin.fail_next(100)
    with pytest.raises(Retryable, match="tried again later"):
        publisher(standin, retries="2").upload(clip, META, Privacy.UNLISTED, state())
    assert standin.events_created == 0


def test_a_wrong_key_asks_for_publish_login(standin: VoctowebStandIn, clip: Path) -> None:
    standin.key = "OTHER"
    with pytest.raises(NeedsLogin, match="veyedesk publish login ccc"):
        publisher(standin).upload(clip, META, Privacy.UNLISTED, state())


def test_a_missing_key_names_publish_login(standin: VoctowebStandIn) -> None:
    with pytest.raises(NeedsLogin, match="`veyedesk publish login ccc` on this machine"):
        voctoweb.make(target(standin), Secrets())


def test_login_keeps_the_key() -> None:
    secrets = Secrets()
    voctoweb.login(TargetConfig("ccc", TargetKind.VOCTOWEB, {}), secrets, lambda _q: " abc ")
    assert secrets.values == {("ccc", "api_key"): "abc"}


def test_a_target_without_a_conference_says_so(standin: VoctowebStandIn) -> None:
    config = TargetConfig("ccc", TargetKind.VOCTOWEB, {"url": standin.url})
    with pytest.raises(PublishError, match="acronym"):
        voctoweb.make(config, Secrets({("ccc", "api_key"): "KEY"}))


def test_the_recording_waits_for_the_file_on_the_cdn(standin: VoctowebStandIn, clip: Path) -> None:
    base = f"{standin.url}/cdn/conf26/h264-hd"
    ccc = publisher(standin, recording_base_url=base)
    with pytest.raises(Retryable, match="not at"):
        ccc.upload(clip, META, Privacy.UNLISTED, state())
    assert standin.events_created == 0

    standin.cdn[f"/cdn/conf26/h264-hd/{clip.name}"] = clip.read_bytes()
    remote = ccc.upload(clip, META, Privacy.UNLISTED, state())

    assert remote.size == 200_000  # read back from where the audience gets it
    assert ccc.fetch(GUID).size == 200_000


def test_the_key_is_not_sent_to_the_cdn(standin: VoctowebStandIn, clip: Path) -> None:
    seen: list[str] = []
    import httpx

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization", ""))
        return httpx.Response(200, headers={"Content-Length": "200000"})

    ccc = voctoweb.VoctowebPublisher(
        target(standin, recording_base_url="http://cdn.invalid/x"),
        "KEY",
        transport=httpx.MockTransport(spy),
    )
    assert ccc._served_size("a.mp4") == 200_000
    assert seen == [""]


def test_an_unknown_language_and_missing_facts_are_named(
    standin: VoctowebStandIn, clip: Path
) -> None:
    no_language = Metadata(**{**META.__dict__, "language": ""})
    with pytest.raises(PublishError, match="language"):
        publisher(standin).upload(clip, no_language, Privacy.UNLISTED, state())
    publisher(standin, language="eng").upload(clip, no_language, Privacy.UNLISTED, state())
    assert standin.events[GUID].fields["original_language"] == "eng"

    with pytest.raises(PublishError, match="width, height and duration"):
        publisher(standin).upload(clip, META, Privacy.UNLISTED, UploadState())


def test_an_unknown_conference_is_named(standin: VoctowebStandIn, clip: Path) -> None:
    with pytest.raises(PublishError, match="no conference 'conf99'"):
        publisher(standin, acronym="conf99").upload(clip, META, Privacy.UNLISTED, state())
    assert standin.events_created == 0
