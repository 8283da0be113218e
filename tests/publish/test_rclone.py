"""The rclone target against a local folder, with the real rclone binary."""

from __future__ import annotations

from pathlib import Path

import pytest

from veyedesk.publish.base import (
    Metadata,
    Privacy,
    PublishError,
    TargetConfig,
    TargetKind,
    UploadState,
    publisher_for,
)
from veyedesk.publish.secrets import FileSecrets


def _meta() -> Metadata:
    return Metadata(title="T", description="", speakers=(), show="S", slug="talk", uuid="1234-abcd")


def test_upload_find_verify_remove(tmp_path: Path) -> None:
    source = tmp_path / "talk.mp4"
    source.write_bytes(b"x" * 300_000)
    dest = tmp_path / "dest"
    config = TargetConfig(
        "files", TargetKind.RCLONE, {"remote": str(dest), "public_url": "https://v.example/x"}
    )
    pub = publisher_for(config, FileSecrets(tmp_path / "s.json"))
    assert pub.find(_meta()) is None  # type: ignore[union-attr]
    seen: list[int] = []
    state = UploadState()
    remote = pub.upload(  # type: ignore[union-attr]
        source, _meta(), Privacy.UNLISTED, state, lambda sent, total: seen.append(sent)
    )
    assert (dest / "talk_1234-abcd.mp4").read_bytes() == source.read_bytes()
    assert remote.public_url == "https://v.example/x/talk_1234-abcd.mp4"
    assert remote.size == 300_000 and seen[-1] == 300_000
    assert state.remote_id == "talk_1234-abcd.mp4"
    found = pub.find(_meta())  # type: ignore[union-attr]
    assert found is not None and found.remote_id == remote.remote_id
    pub.set_privacy(remote.remote_id, Privacy.PRIVATE)  # type: ignore[union-attr]
    assert not (dest / "talk_1234-abcd.mp4").exists()
    pub.remove(remote.remote_id)  # type: ignore[union-attr]  # a missing one is fine


def test_a_missing_remote_setting_says_how_to_set_it(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="publish target set files remote="):
        publisher_for(TargetConfig("files", TargetKind.RCLONE, {}), FileSecrets(tmp_path / "s"))
