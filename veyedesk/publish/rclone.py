"""rclone targets: any of rclone's backends (S3, SFTP, WebDAV, Drive, a local folder…).

Options (`veyedesk publish target add … --kind rclone KEY=VALUE`):

- `remote` (required): where the files go, an rclone `remote:path` (configured with
  `rclone config` on each machine that publishes: its credentials live in that machine's
  rclone.conf, never in veyedesk's database) or a local folder.
- `public_url`: the URL prefix the files are served under (`https://cdn.example.org/v`);
  the talk's public URL is this plus the object's name. Blank: no public URL.
- `config`: an rclone.conf to use instead of rclone's default one.
- `rclone`: the rclone program (default `rclone` on PATH).

Objects are named `<slug>_<uuid><extension>`, so a re-run finds the talk's object by its
UUID and uploads nothing. An rclone destination has no privacy: unlisted and public both
mean "the object is there"; making it private removes it (a withdrawn talk must not stay
reachable). rclone itself compares the source's and the object's MD5 or SHA-1 after every
transfer when the backend has one (its default; `--ignore-checksum` is never passed) and
fails "corrupted on transfer"; after the copy the object's size is read back with `rclone
lsjson` and compared with the file. Hashing the file again here would read it twice more
for no new knowledge (`fetch` still reads hashes back for anyone who asks later).

Only this module of veyedesk.publish runs programs (the import-linter processes contract).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from veyedesk.child_process import dying_with_parent
from veyedesk.publish.base import (
    Metadata,
    Privacy,
    Progress,
    PublishError,
    Remote,
    Retryable,
    Secrets,
    TargetConfig,
    UploadState,
)

LIST_TIMEOUT = 300.0  # seconds a listing may take on a slow remote
# rclone's exit codes that are worth trying again later (rclone docs: 5 temporary error,
# 6 less serious errors, 7 fatal error from the backend, 8 transfer limit exceeded).
RETRYABLE_CODES = frozenset({5, 6, 8})
NOT_FOUND_CODES = frozenset({3, 4})  # directory not found, file not found


def make(config: TargetConfig, secrets: Secrets) -> RclonePublisher:
    """The rclone publisher for `config` (rclone keeps its own credentials: no secret)."""
    remote = config.options.get("remote", "").strip()
    if not remote:
        raise PublishError(
            f"publish target {config.name!r} has no `remote`; set one with `veyedesk publish "
            f"target set {config.name} remote=REMOTE:PATH` (or a local folder)"
        )
    return RclonePublisher(
        config.name,
        remote,
        public_url=config.options.get("public_url", "").strip(),
        rclone_config=config.options.get("config", "").strip(),
        program=config.options.get("rclone", "").strip() or "rclone",
    )


def login(config: TargetConfig, secrets: Secrets, prompt: Any) -> str:
    """rclone keeps its credentials in its own rclone.conf: nothing to store here."""
    return (
        f"{config.name} is an rclone target: its credentials live in rclone.conf on each "
        "machine; run `rclone config` there to set up the remote"
    )


def join(remote: str, name: str) -> str:
    """`remote` (a `remote:path`, `remote:` or a folder) with `name` inside it."""
    if remote.endswith((":", "/")):
        return remote + name
    return f"{remote}/{name}"


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class RclonePublisher:
    """Copies files to one rclone destination with the `rclone` program."""

    def __init__(
        self,
        name: str,
        remote: str,
        *,
        public_url: str = "",
        rclone_config: str = "",
        program: str = "rclone",
    ) -> None:
        self.name = name
        self.remote = remote
        self.public_url = public_url.rstrip("/")
        self.rclone_config = rclone_config
        self.program = program

    # -- running rclone -------------------------------------------------------------

    def _argv(self, *args: str) -> list[str]:
        argv = [self.program, *args]
        if self.rclone_config:
            argv += ["--config", self.rclone_config]
        return argv

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("RCLONE_CONFIG_SILENT", "1")
        return env

    def _fail(self, what: str, code: int, output: str) -> PublishError:
        last = output.strip().splitlines()[-1][-300:] if output.strip() else "no output"
        message = (
            f"rclone could not {what} on target {self.name!r} ({self.remote}), exit status "
            f"{code}: {last}; check the remote with `rclone lsd {self.remote}`"
        )
        return Retryable(message) if code in RETRYABLE_CODES else PublishError(message)

    def _run(self, args: Sequence[str], what: str) -> tuple[int, str, str]:
        env = self._env()
        argv = self._argv(*args)
        try:
            done = subprocess.run(
                dying_with_parent(argv, env=env),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=env,
                timeout=LIST_TIMEOUT,
                check=False,
            )
        except FileNotFoundError:
            raise PublishError(
                f"the program {self.program!r} is not installed; install rclone "
                "(https://rclone.org/install/) on this machine"
            ) from None
        except subprocess.TimeoutExpired:
            raise Retryable(
                f"rclone did not {what} on target {self.name!r} within {LIST_TIMEOUT:g} s"
            ) from None
        return (
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
        )

    def _list(self, include: str, *, hashes: bool = False) -> list[dict[str, Any]]:
        args = ["lsjson", "--files-only", "--no-mimetype", "--include", include]
        if hashes:
            args += ["--hash", "--hash-type", "MD5", "--hash-type", "SHA-1"]
        code, out, err = self._run([*args, self.remote], "list the files")
        if code in NOT_FOUND_CODES:
            return []  # the destination folder does not exist yet: nothing uploaded there
        if code != 0:
            raise self._fail("list the files", code, err)
        try:
            listed = json.loads(out or "[]")
        except ValueError:
            raise PublishError(
                f"rclone printed a listing veyedesk cannot read: {out[:200]}"
            ) from None
        return [item for item in listed if isinstance(item, dict)]

    # -- what a Publisher does -----------------------------------------------------

    def object_name(self, meta: Metadata, suffix: str) -> str:
        base = meta.slug or "talk"
        return f"{base}_{meta.uuid}{suffix}" if meta.uuid else f"{base}{suffix}"

    def _remote(self, item: dict[str, Any]) -> Remote:
        name = str(item.get("Path") or item.get("Name") or "")
        hashes = item.get("Hashes") or {}
        checksum = ""
        if hashes.get("md5"):
            checksum = f"md5:{hashes['md5']}"
        elif hashes.get("sha1"):
            checksum = f"sha1:{hashes['sha1']}"
        url = f"{self.public_url}/{quote(name)}" if self.public_url else ""
        return Remote(
            remote_id=name,
            host_url=url,
            public_url=url,
            privacy=Privacy.PUBLIC,
            size=int(item["Size"]) if isinstance(item.get("Size"), int) else None,
            checksum=checksum,
        )

    def find(self, meta: Metadata) -> Remote | None:
        if not meta.uuid:
            return None
        found = self._list(f"*_{meta.uuid}.*")
        return self._remote(found[0]) if found else None

    def fetch(self, remote_id: str, *, hashes: bool = True) -> Remote:
        found = [i for i in self._list(remote_id, hashes=hashes) if i.get("Path") == remote_id]
        if not found:
            raise PublishError(
                f"{remote_id} is not on target {self.name!r} ({self.remote}) any more; "
                "run the publish state again to upload it"
            )
        return self._remote(found[0])

    def upload(
        self,
        path: Path,
        meta: Metadata,
        privacy: Privacy,
        state: UploadState,
        progress: Progress | None = None,
    ) -> Remote:
        """Copy `path` (rclone skips a copy already there, so a re-run sends nothing)."""
        if privacy == Privacy.PRIVATE:
            raise PublishError(f"target {self.name!r} cannot hold a private video")
        name = state.remote_id or self.object_name(meta, path.suffix)
        state.remote_id = name  # named before a byte is sent: a re-run finds it
        total = path.stat().st_size
        self._copy(path, join(self.remote, name), total, progress)
        state.offset = total
        remote = self.fetch(name, hashes=False)  # rclone checked the hashes in the copy
        self.verify(path, remote, total)
        return remote

    def verify(self, path: Path, remote: Remote, total: int) -> None:
        """PublishError unless the object has the file's size and (when known) checksum."""
        if remote.size != total:
            raise PublishError(
                f"{remote.remote_id} on target {self.name!r} has {remote.size} bytes, the "
                f"file {total}; the upload was damaged, run it again"
            )
        kind, _, value = remote.checksum.partition(":")
        if kind == "md5" and value != file_md5(path):
            raise PublishError(
                f"{remote.remote_id} on target {self.name!r} differs from the file (MD5); "
                "the upload was damaged, run it again"
            )
        if kind == "sha1":
            digest = hashlib.sha1(usedforsecurity=False)
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            if value != digest.hexdigest():
                raise PublishError(
                    f"{remote.remote_id} on target {self.name!r} differs from the file "
                    "(SHA-1); the upload was damaged, run it again"
                )

    def _copy(self, path: Path, dest: str, total: int, progress: Progress | None) -> None:
        env = self._env()
        argv = self._argv(
            "copyto",
            str(path),
            dest,
            "--use-json-log",
            "--stats",
            "1s",
            "--stats-log-level",
            "NOTICE",
            "--log-level",
            "NOTICE",
        )
        try:
            proc = subprocess.Popen(
                dying_with_parent(argv, env=env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
            )
        except FileNotFoundError:
            raise PublishError(
                f"the program {self.program!r} is not installed; install rclone "
                "(https://rclone.org/install/) on this machine"
            ) from None
        tail: list[str] = []
        assert proc.stderr is not None
        try:
            for raw in proc.stderr:
                line = raw.decode("utf-8", "replace").strip()
                if not line:
                    continue
                tail = [*tail[-9:], line]
                sent = _stats_bytes(line)
                if sent is not None and progress is not None:
                    progress(min(sent, total), total)  # may raise to stop the upload
            code = proc.wait()
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if code != 0:
            messages = [_message(line) for line in tail]
            raise self._fail("copy the file", code, "\n".join(m for m in messages if m))
        if progress is not None:
            progress(total, total)

    def set_privacy(self, remote_id: str, privacy: Privacy) -> Remote:
        """Unlisted and public are the same here; private removes the object."""
        if privacy == Privacy.PRIVATE:
            self.remove(remote_id)
            return Remote(remote_id=remote_id, privacy=Privacy.PRIVATE)
        return self.fetch(remote_id)

    def remove(self, remote_id: str) -> None:
        code, _, err = self._run(["deletefile", join(self.remote, remote_id)], "delete the file")
        if code != 0 and code not in NOT_FOUND_CODES and "not found" not in err:
            raise self._fail("delete the file", code, err)


def _stats_bytes(line: str) -> int | None:
    """Bytes sent so far from one of rclone's JSON stats lines (None for other lines)."""
    if not line.startswith("{"):
        return None
    with contextlib.suppress(ValueError):
        entry = json.loads(line)
        stats = entry.get("stats") if isinstance(entry, dict) else None
        if isinstance(stats, dict) and isinstance(stats.get("bytes"), int):
            return int(stats["bytes"])
    return None


def _message(line: str) -> str:
    with contextlib.suppress(ValueError):
        entry = json.loads(line)
        if isinstance(entry, dict):
            return str(entry.get("msg", "")).strip()
    return line
