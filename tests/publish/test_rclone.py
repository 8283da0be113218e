"""The rclone target with the real rclone binary: a local folder, and a WebDAV server
(`rclone serve webdav`) reached through an rclone.conf remote as a crew would set one up."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.waiting import wait_for
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def webdav_server(folder: Path) -> Iterator[int]:
    """`rclone serve webdav` of `folder` on a free local port."""
    port = _free_port()
    server = subprocess.Popen(
        [shutil.which("rclone") or "rclone", "serve", "webdav", str(folder),
         "--addr", f"127.0.0.1:{port}", "--config", "/dev/null"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for("rclone serve webdav to listen", lambda: _listening(port))
        yield port
    finally:
        server.terminate()
        server.wait(30)


def test_a_webdav_remote_from_an_rclone_conf(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    source = tmp_path / "talk.mp4"
    source.write_bytes(bytes(range(256)) * 4000)
    with webdav_server(served) as port:
        conf = tmp_path / "rclone.conf"
        conf.write_text(f"[dav]\ntype = webdav\nurl = http://127.0.0.1:{port}\nvendor = other\n")
        options = {"remote": "dav:videos", "config": str(conf), "public_url": "https://v.example"}
        pub = publisher_for(
            TargetConfig("dav", TargetKind.RCLONE, options), FileSecrets(tmp_path / "s.json")
        )
        remote = pub.upload(source, _meta(), Privacy.UNLISTED, UploadState())  # type: ignore[union-attr]
        stored = served / "videos" / "talk_1234-abcd.mp4"
        assert stored.read_bytes() == source.read_bytes()
        assert (remote.size, remote.public_url) == (
            source.stat().st_size,
            "https://v.example/talk_1234-abcd.mp4",
        )
        # A re-run (a new job after a worker died) finds the object: nothing sent again.
        found = pub.find(_meta())  # type: ignore[union-attr]
        assert found is not None and found.remote_id == "talk_1234-abcd.mp4"
        assert pub.fetch(found.remote_id).size == source.stat().st_size  # type: ignore[union-attr]
        pub.set_privacy(found.remote_id, Privacy.PRIVATE)  # type: ignore[union-attr]
        assert not stored.exists()
