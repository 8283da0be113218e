"""archive.org target against the stand-in: items, uploads, re-runs, faults, withdrawal."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.standins.archive import ArchiveStandIn, archive_standin
from veyedesk.publish import archive
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

SIZE = 3 * 1024 * 1024 + 17


class Secrets:
    """This machine's secrets, in memory."""

    def __init__(self, values: dict[tuple[str, str], str] | None = None) -> None:
        self.values = dict(values or {})

    def get(self, target: str, key: str) -> str | None:
        return self.values.get((target, key))

    def set(self, target: str, key: str, value: str) -> None:
        self.values[(target, key)] = value


META = Metadata(
    title='"Packaging <done> right" - Ann Example, Bo Sample (PyCon AU)',
    description="Wheels & sdists.\nSecond line <b>not bold</b>.",
    speakers=("Ann Example", "Bo Sample"),
    show="pyconau2026",
    tags=("python", "packaging"),
    language="en",
    licence="CC BY-SA 4.0",
    licence_url="https://creativecommons.org/licenses/by-sa/4.0/",
    recorded=datetime(2026, 8, 29, 10, 30),
    slug="Packaging_done_right",
    uuid="1c4d8ad8-e072-11e8-981a-6c400891b752",
)


@pytest.fixture
def standin() -> Iterator[ArchiveStandIn]:
    with archive_standin() as server:
        yield server


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "Packaging_done_right.mp4"
    path.write_bytes(os.urandom(SIZE))
    return path


def config(standin: ArchiveStandIn, **options: str) -> TargetConfig:
    return TargetConfig(
        "ia",
        TargetKind.ARCHIVE,
        {
            "archive_url": standin.url,
            "s3_url": f"{standin.url}/s3",
            "collection": "test_videos",
            **options,
        },
    )


def publisher(
    standin: ArchiveStandIn, waits: list[float] | None = None, **options: str
) -> archive.ArchivePublisher:
    made = archive.make(
        config(standin, **options),
        Secrets({("ia", "access"): "ACCESS", ("ia", "secret"): "SECRET"}),
    )
    made._sleep = (waits if waits is not None else []).append
    return made


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_upload_makes_an_item_with_the_talks_metadata_and_the_file(
    standin: ArchiveStandIn, clip: Path
) -> None:
    seen: list[tuple[int, int]] = []
    state = UploadState()
    remote = publisher(standin).upload(
        clip, META, Privacy.UNLISTED, state, lambda sent, total: seen.append((sent, total))
    )

    identifier = "pyconau2026-Packaging_done_right"
    assert remote.remote_id == state.remote_id == f"{identifier}/Packaging_done_right.mp4"
    assert remote.host_url == f"{standin.url}/details/{identifier}"
    assert remote.public_url == f"{standin.url}/download/{identifier}/Packaging_done_right.mp4"
    item = standin.items[identifier]
    assert item.metadata["title"] == META.title
    assert item.metadata["creator"] == ["Ann Example", "Bo Sample"]
    assert item.metadata["subject"] == ["python", "packaging"]
    assert item.metadata["date"] == "2026-08-29"
    assert item.metadata["language"] == "eng"
    assert item.metadata["licenseurl"] == META.licence_url
    assert item.metadata["collection"] == "test_videos"
    assert item.metadata["mediatype"] == "movies"
    assert item.metadata["external-identifier"] == f"urn:uuid:{META.uuid}"
    # Plain text stays plain text on archive.org's HTML page.
    assert item.metadata["description"] == (
        "Wheels &amp; sdists.<br />Second line &lt;b&gt;not bold&lt;/b&gt;."
    )
    assert item.files["Packaging_done_right.mp4"]["md5"] == md5(clip)
    assert standin.bytes_received == SIZE
    assert seen[-1] == (SIZE, SIZE)

    fetched = publisher(standin).fetch(remote.remote_id)
    assert (fetched.size, fetched.checksum) == (SIZE, f"md5:{md5(clip)}")
    assert fetched.privacy is None  # archive.org has no privacy levels


def test_a_second_run_finds_the_item_and_sends_nothing(standin: ArchiveStandIn, clip: Path) -> None:
    first = publisher(standin).upload(clip, META, Privacy.UNLISTED, UploadState())
    sent, puts = standin.bytes_received, standin.puts

    found = publisher(standin).find(META)
    again = publisher(standin).upload(clip, META, Privacy.UNLISTED, UploadState())

    assert found is not None and found.remote_id == first.remote_id
    assert found.checksum == f"md5:{md5(clip)}"
    assert again.remote_id == first.remote_id
    assert (standin.bytes_received, standin.puts) == (sent, puts)


def test_find_is_none_for_a_talk_never_uploaded(standin: ArchiveStandIn) -> None:
    assert publisher(standin).find(META) is None


def test_a_small_file_cut_at_half_is_sent_whole_once_more(
    standin: ArchiveStandIn, clip: Path
) -> None:
    # A file within one part goes in one PUT: after a cut it goes again, whole (never a
    # third time: a re-run after success sends nothing).
    standin.drop_after(SIZE // 2)
    state = UploadState()
    with pytest.raises(Retryable, match="tried again"):
        publisher(standin).upload(clip, META, Privacy.UNLISTED, state)
    assert state.remote_id == "pyconau2026-Packaging_done_right/Packaging_done_right.mp4"

    publisher(standin).upload(clip, META, Privacy.UNLISTED, state)
    publisher(standin).upload(clip, META, Privacy.UNLISTED, state)

    assert standin.items["pyconau2026-Packaging_done_right"].files["Packaging_done_right.mp4"][
        "md5"
    ] == md5(clip)
    assert SIZE * 1.5 - 1024 <= standin.bytes_received <= SIZE * 1.5 + 1024


def test_503_is_waited_out_and_then_succeeds(standin: ArchiveStandIn, clip: Path) -> None:
    standin.fail_next(1)
    waits: list[float] = []
    remote = publisher(standin, waits).upload(clip, META, Privacy.UNLISTED, UploadState())
    assert waits == [0.0]  # the stand-in's Retry-After
    assert publisher(standin).fetch(remote.remote_id).size == SIZE


def test_503_every_time_gives_up_as_retryable(standin: ArchiveStandIn, clip: Path) -> None:
    standin.fail_next(10)
    waits: list[float] = []
    with pytest.raises(Retryable, match="503"):
        publisher(standin, waits, retries="3").upload(clip, META, Privacy.UNLISTED, UploadState())
    assert len(waits) == 2


def test_wrong_keys_ask_for_publish_login(standin: ArchiveStandIn, clip: Path) -> None:
    standin.keys = ("OTHER", "KEYS")
    with pytest.raises(NeedsLogin, match="veyedesk publish login ia"):
        publisher(standin).upload(clip, META, Privacy.UNLISTED, UploadState())


def test_a_missing_secret_names_publish_login(standin: ArchiveStandIn) -> None:
    with pytest.raises(NeedsLogin, match="`veyedesk publish login ia` on this machine"):
        archive.make(config(standin), Secrets({("ia", "access"): "ACCESS"}))


def test_login_keeps_both_keys() -> None:
    secrets = Secrets()
    answers = iter(["  AK  ", "SK"])
    archive.login(TargetConfig("ia", TargetKind.ARCHIVE, {}), secrets, lambda _q: next(answers))
    assert secrets.values == {("ia", "access"): "AK", ("ia", "secret"): "SK"}


def test_public_has_nothing_to_flip_and_private_removes_the_files(
    standin: ArchiveStandIn, clip: Path
) -> None:
    ia = publisher(standin)
    remote = ia.upload(clip, META, Privacy.UNLISTED, UploadState())

    assert ia.set_privacy(remote.remote_id, Privacy.PUBLIC).size == SIZE
    withdrawn = ia.set_privacy(remote.remote_id, Privacy.PRIVATE)

    assert withdrawn.privacy is Privacy.PRIVATE
    assert ia.fetch(remote.remote_id).privacy is Privacy.PRIVATE
    assert standin.items["pyconau2026-Packaging_done_right"].files == {}
    with pytest.raises(PublishError, match="upload the talk again"):
        ia.set_privacy(remote.remote_id, Privacy.PUBLIC)


def test_remove_deletes_the_files_and_a_second_remove_is_no_error(
    standin: ArchiveStandIn, clip: Path
) -> None:
    ia = publisher(standin)
    remote = ia.upload(clip, META, Privacy.UNLISTED, UploadState())
    ia.remove(remote.remote_id)
    ia.remove(remote.remote_id)
    assert standin.deletes == 1
    assert ia.find(META) is None


def test_a_changed_encode_goes_up_again_and_the_metadata_follows(
    standin: ArchiveStandIn, clip: Path
) -> None:
    publisher(standin).upload(clip, META, Privacy.UNLISTED, UploadState())
    clip.write_bytes(os.urandom(SIZE))
    retitled = Metadata(**{**META.__dict__, "title": "Packaging, retitled", "tags": ("python",)})

    publisher(standin).upload(clip, retitled, Privacy.UNLISTED, UploadState())

    item = standin.items["pyconau2026-Packaging_done_right"]
    assert item.files["Packaging_done_right.mp4"]["md5"] == md5(clip)
    assert item.metadata["title"] == "Packaging, retitled"
    assert item.metadata["subject"] == "python" or item.metadata["subject"] == ["python"]


def test_an_identifier_someone_else_holds_is_refused(standin: ArchiveStandIn, clip: Path) -> None:
    from tests.support.standins.archive import Item

    standin.items["pyconau2026-Packaging_done_right"] = Item(metadata={"title": "someone else's"})
    with pytest.raises(PublishError, match="identifier_prefix"):
        publisher(standin).upload(clip, META, Privacy.UNLISTED, UploadState())
    assert standin.bytes_received == 0


def test_identifiers_follow_archive_orgs_rules() -> None:
    talk = Metadata(
        title="t",
        description="",
        speakers=(),
        show="Kiwi PyCon",
        slug="Café über alles!",
        uuid="ab" * 16,
    )
    assert archive.identifier_for("", talk) == "Kiwi-PyCon-Cafe-uber-alles-"
    assert archive.identifier_for("-_.", talk).startswith("Kiwi")
    long = Metadata(**{**talk.__dict__, "slug": "x" * 200})
    folded = archive.identifier_for("conf-", long)
    assert len(folded) <= 100 and folded.endswith("-abababab")
    with pytest.raises(PublishError, match="slug"):
        archive.identifier_for(
            "", Metadata(title="t", description="", speakers=(), show="", slug="é")
        )


PARTS = {"part_size_mb": "0.25"}  # 256 KiB parts: the 3 MiB file is 13 of them


def test_a_large_file_goes_in_parts_and_becomes_the_items_file(
    standin: ArchiveStandIn, clip: Path
) -> None:
    seen: list[int] = []
    state = UploadState()
    remote = publisher(standin, **PARTS).upload(
        clip, META, Privacy.UNLISTED, state, lambda sent, _total: seen.append(sent)
    )

    item = standin.items["pyconau2026-Packaging_done_right"]
    assert item.files["Packaging_done_right.mp4"]["md5"] == md5(clip)
    assert item.metadata["creator"] == ["Ann Example", "Bo Sample"]
    assert item.metadata["external-identifier"] == f"urn:uuid:{META.uuid}"
    assert standin.bytes_received == SIZE
    assert standin.uploads == {}  # completed, nothing left open
    assert "upload_id" not in state.extra
    assert seen == sorted(seen) and seen[-1] == SIZE
    assert publisher(standin).fetch(remote.remote_id).checksum == f"md5:{md5(clip)}"


def test_a_large_file_cut_at_half_resumes_with_at_most_ten_percent_more(
    standin: ArchiveStandIn, clip: Path
) -> None:
    standin.drop_after(SIZE // 2)
    state = UploadState()
    with pytest.raises(Retryable, match="tried again"):
        publisher(standin, **PARTS).upload(clip, META, Privacy.UNLISTED, state)
    assert state.extra["upload_id"] in standin.uploads
    assert 0 < state.offset < SIZE

    publisher(standin, **PARTS).upload(clip, META, Privacy.UNLISTED, state)

    assert standin.items["pyconau2026-Packaging_done_right"].files["Packaging_done_right.mp4"][
        "md5"
    ] == md5(clip)
    assert SIZE <= standin.bytes_received <= SIZE * 1.1


def test_an_upload_archive_org_forgot_begins_again(standin: ArchiveStandIn, clip: Path) -> None:
    standin.drop_after(SIZE // 2)
    state = UploadState()
    with pytest.raises(Retryable):
        publisher(standin, **PARTS).upload(clip, META, Privacy.UNLISTED, state)
    standin.uploads.clear()  # aborted or expired on the server

    publisher(standin, **PARTS).upload(clip, META, Privacy.UNLISTED, state)

    assert standin.items["pyconau2026-Packaging_done_right"].files["Packaging_done_right.mp4"][
        "md5"
    ] == md5(clip)


def test_a_changed_file_does_not_continue_the_old_upload(
    standin: ArchiveStandIn, clip: Path
) -> None:
    standin.drop_after(SIZE // 2)
    state = UploadState()
    with pytest.raises(Retryable):
        publisher(standin, **PARTS).upload(clip, META, Privacy.UNLISTED, state)
    old = state.extra["upload_id"]
    clip.write_bytes(os.urandom(SIZE))  # re-encoded meanwhile

    publisher(standin, **PARTS).upload(clip, META, Privacy.UNLISTED, state)

    assert state.session_url and old not in state.session_url
    assert standin.items["pyconau2026-Packaging_done_right"].files["Packaging_done_right.mp4"][
        "md5"
    ] == md5(clip)


def test_a_part_answered_503_is_sent_again(standin: ArchiveStandIn, clip: Path) -> None:
    standin.fail_next(1)
    waits: list[float] = []
    publisher(standin, waits, **PARTS).upload(clip, META, Privacy.UNLISTED, UploadState())
    assert waits == [0.0]
    assert standin.items["pyconau2026-Packaging_done_right"].files["Packaging_done_right.mp4"][
        "md5"
    ] == md5(clip)


def test_an_upload_archive_org_has_not_filed_yet_is_waited_for_not_sent_again(
    standin: ArchiveStandIn, clip: Path
) -> None:
    standin.filing = True
    state = UploadState()
    remote = publisher(standin).upload(clip, META, Privacy.UNLISTED, state)
    assert remote.checksum == f"md5:{md5(clip)}"
    with pytest.raises(Retryable, match="still being processed"):
        publisher(standin).fetch(remote.remote_id)

    publisher(standin).upload(clip, META, Privacy.UNLISTED, state)  # the job runs again
    assert standin.bytes_received == SIZE

    standin.file_staged()
    assert publisher(standin).fetch(remote.remote_id).checksum == f"md5:{md5(clip)}"


def test_a_wrong_number_option_is_named(standin: ArchiveStandIn) -> None:
    with pytest.raises(PublishError, match="part_size_mb='big' is not a positive number"):
        publisher(standin, part_size_mb="big")
