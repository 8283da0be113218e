"""PeerTube: upload a talk to a channel through the instance's REST API (api/v1).

Target options (plain, stored with the show; never secrets):
  `url`       the instance, e.g. `https://video.example.org` (required)
  `channel`   the channel's name (its handle without `@host`) the videos go to (required)
  `username`  the account that owns the channel (required: `login` asks its password)
  `category`  a PeerTube category id (e.g. `15` Science & Technology), optional
  `chunk_mb`  upload chunk size in MiB (default 8; PeerTube's web client starts at 1)

Secrets (this machine only, through `Secrets`, under the target's name):
  `client_id`, `client_secret`  the instance's local OAuth client (GET oauth-clients/local)
  `access_token`, `refresh_token`  from the password grant, renewed by the refresh grant
  `password`  the account's password, asked once by `login` and kept: PeerTube's refresh
              token lapses (two weeks by default), and a show's talks are often published
              weeks after the event by a worker nobody watches; with the password the worker
              logs in again by itself instead of failing every job until someone runs
              `publish login` on that machine. The password sits beside the tokens (keyring
              or the 0600 file) and is never in the shared database.

Finding an earlier upload (so a re-run uploads nothing): every video carries one tag that
is the talk's uuid in 26 lower-case base32 letters after `vd` (28 characters: PeerTube tags
are 2-30 characters, a uuid's 36 do not fit). `find` asks the account's own videos
(users/me/videos, which lists unlisted and private ones too) for that tag and checks the
candidate's full tag list. The tag takes one of PeerTube's five; the talk's first four
tags fill the rest.

Upload: the resumable protocol PeerTube takes from node-uploadx. POST upload-resumable
with the metadata (JSON) and X-Upload-Content-Length opens a session whose URL (Location)
goes into `UploadState.session_url` at once; PUT chunks with `Content-Range: bytes a-b/n`
each answered 308 + `Range: bytes=0-last` (the server's confirmed offset, which becomes
`UploadState.offset`), the last one 200 with the new video's id and uuid. After a dropped
connection, a 5xx or a worker's death, a PUT with `Content-Range: bytes */n` and no body
asks the server's offset, and only the rest is sent. The thumbnail goes afterwards in
PUT videos/{id} (multipart `thumbnailfile`), as PeerTube's JSON init cannot carry a file.

Verification: `fetch` reads GET videos/{id} (duration, privacy, files) and, for the size,
GET videos/{id}/source (PeerTube >= 6.1: the uploaded file's size; the `files[]` sizes are
PeerTube's transcoded renditions and never equal the upload). After an upload the size (when
the instance says it) and the privacy must match, else `PublishError`; the duration is
returned in the `Remote` for the caller, who knows the encode's.
"""

from __future__ import annotations

import base64
import re
import socket
import time
import uuid as uuid_module
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote, urljoin

import httpx

from veyedesk.publish.base import (
    Metadata,
    NeedsLogin,
    Privacy,
    Progress,
    PublishError,
    Remote,
    Retryable,
    Secrets,
    TargetConfig,
    UploadState,
)

API = "/api/v1"
PRIVACY_IDS = {Privacy.PUBLIC: 1, Privacy.UNLISTED: 2, Privacy.PRIVATE: 3}
PRIVACY_OF_ID = {number: privacy for privacy, number in PRIVACY_IDS.items()}

# PeerTube's licence ids (GET /api/v1/videos/licences): the Creative Commons family, keyed
# by the licence's elements as a set so "CC BY-SA 4.0", "cc-by-sa" and "CC BY SA" agree.
LICENCE_IDS: dict[frozenset[str], int] = {
    frozenset({"by"}): 1,
    frozenset({"by", "sa"}): 2,
    frozenset({"by", "nd"}): 3,
    frozenset({"by", "nc"}): 4,
    frozenset({"by", "nc", "sa"}): 5,
    frozenset({"by", "nc", "nd"}): 6,
    frozenset({"zero"}): 7,  # CC0: public domain dedication
}

NAME_MIN, NAME_MAX = 3, 120
DESCRIPTION_MAX = 10_000
TAG_MIN, TAG_MAX, TAGS_MAX = 2, 30, 5
KEY_TAG_PREFIX = "vd"

DEFAULT_CHUNK_MB = 8.0
TRIES = 5  # per request (and per run of failed chunks without progress)
MAX_WAIT = 60.0  # seconds: a Retry-After longer than this is cut (the job retries later)
TIMEOUT = httpx.Timeout(30.0, read=120.0)  # the last chunk waits for PeerTube's ffprobe

REQUIRED_OPTIONS = ("url", "channel", "username")
TOKEN_KEYS = ("access_token", "refresh_token", "password")


def make(config: TargetConfig, secrets: Secrets) -> PeerTube:
    """The PeerTube publisher for `config`; PublishError/NeedsLogin when it cannot work."""
    return PeerTube(config, secrets)


def login(config: TargetConfig, secrets: Secrets, prompt: Callable[[str], str]) -> None:
    """Ask the account's password, log in (password grant) and keep the tokens and password."""
    _check_options(config)
    password = prompt(f"Password of {config.options['username']} on {config.options['url']}: ")
    if not password:
        raise PublishError(
            f"No password given: the PeerTube target {config.name} is not logged in."
        )
    base = _base_url(config)
    with _client() as client:
        client_id, client_secret = _local_client(client, base, config.name)
        tokens = _token_request(
            client,
            base,
            config.name,
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "grant_type": "password",
                "username": config.options["username"],
                "password": password,
            },
        )
        if tokens is None:
            raise PublishError(
                f"{config.options['url']} refused {config.options['username']}'s password "
                f"(target {config.name}): check the user name in the target's settings and the "
                "password, then run the login again."
            )
    secrets.set(config.name, "client_id", client_id)
    secrets.set(config.name, "client_secret", client_secret)
    secrets.set(config.name, "password", password)
    _store_tokens(secrets, config.name, tokens)


def key_tag(talk_uuid: str) -> str:
    """The tag that names the talk on PeerTube: `vd` + its uuid's 16 bytes in base32."""
    raw = uuid_module.UUID(talk_uuid).bytes
    return KEY_TAG_PREFIX + base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def licence_id(licence: str) -> int | None:
    """PeerTube's id for a Creative Commons licence ("CC BY-SA 4.0" -> 2), else None."""
    words = [w for w in re.split(r"[\s\-_/]+", licence.lower()) if w]
    if not words or not (words[0] == "cc" or words[0].startswith("cc0")):
        return None
    if words[0].startswith("cc0") or "zero" in words or "cc0" in words:
        return LICENCE_IDS[frozenset({"zero"})]
    parts = frozenset(w for w in words[1:] if w in {"by", "sa", "nd", "nc"})
    return LICENCE_IDS.get(parts)


def tags_for(meta: Metadata) -> list[str]:
    """At most five tags of 2-30 characters; the talk's key tag first when it has a uuid."""
    chosen: list[str] = [key_tag(meta.uuid)] if meta.uuid else []
    seen = {tag.lower() for tag in chosen}
    for tag in meta.tags:
        tag = " ".join(tag.split())[:TAG_MAX].strip()
        if len(tag) < TAG_MIN or tag.lower() in seen:
            continue
        seen.add(tag.lower())
        chosen.append(tag)
        if len(chosen) == TAGS_MAX:
            break
    return chosen


def _client() -> httpx.Client:
    # TCP_NODELAY: httpx writes headers and body separately, and with Nagle the tail of a
    # request can wait for the server's delayed ACK: a pause per chunk (bench/publish.py,
    # 8 MiB chunks to the stand-in: 0.76x curl without it, 1.55x with it).
    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    return httpx.Client(timeout=TIMEOUT, transport=httpx.HTTPTransport(socket_options=nodelay))


def _check_options(config: TargetConfig) -> None:
    missing = [key for key in REQUIRED_OPTIONS if not config.options.get(key, "").strip()]
    if missing:
        raise PublishError(
            f"The PeerTube target {config.name} has no {', '.join(missing)}: set "
            f"{' '.join(f'{key}=…' for key in missing)} with `veyedesk publish target set "
            f"{config.name}`."
        )


def _base_url(config: TargetConfig) -> str:
    url = config.options["url"].strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        url = "https://" + url
    return url


def _local_client(client: httpx.Client, base: str, target: str) -> tuple[str, str]:
    try:
        response = client.get(f"{base}{API}/oauth-clients/local")
    except httpx.TransportError as error:
        raise Retryable(f"PeerTube target {target}: cannot reach {base} ({error}).") from error
    if response.status_code != 200:
        raise PublishError(
            f"{base} gave no OAuth client (HTTP {response.status_code}); is it a PeerTube "
            f"instance? Check the url of target {target}."
        )
    body = response.json()
    return str(body["client_id"]), str(body["client_secret"])


def _token_request(
    client: httpx.Client, base: str, target: str, form: Mapping[str, str]
) -> dict[str, Any] | None:
    """The token answer, or None when the grant was refused (bad password, lapsed token)."""
    try:
        response = client.post(f"{base}{API}/users/token", data=dict(form))
    except httpx.TransportError as error:
        raise Retryable(f"PeerTube target {target}: cannot reach {base} ({error}).") from error
    if response.status_code in (400, 401):
        if _code(response) == "missing_two_factor":
            raise PublishError(
                f"The account of the PeerTube target {target} uses two-factor authentication, "
                "which veyedesk cannot answer unattended: publish with an account (or a "
                "channel collaborator) without it."
            )
        return None
    if response.status_code == 429 or response.status_code >= 500:
        raise Retryable(f"PeerTube target {target}: logging in gave HTTP {response.status_code}.")
    if response.status_code != 200:
        raise PublishError(
            f"PeerTube target {target}: logging in gave HTTP {response.status_code}: "
            f"{response.text[:200]}"
        )
    tokens: dict[str, Any] = response.json()
    return tokens


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code", ""))
    except (ValueError, AttributeError):
        return ""


def _store_tokens(secrets: Secrets, target: str, tokens: Mapping[str, Any]) -> None:
    secrets.set(target, "access_token", str(tokens["access_token"]))
    if tokens.get("refresh_token"):
        secrets.set(target, "refresh_token", str(tokens["refresh_token"]))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare here; the exponential wait applies


def _confirmed_end(response: httpx.Response) -> int:
    """The server's offset from a 308's `Range: bytes=0-last` (no Range: nothing yet)."""
    match = re.fullmatch(r"\s*bytes=(\d+)-(\d+)\s*", response.headers.get("Range", ""))
    return int(match.group(2)) + 1 if match else 0


class _ChunkBody:
    """One chunk of the file as a request body, read in blocks (no 8 MiB copy per chunk)."""

    BLOCK = 1 << 20

    def __init__(self, source: BinaryIO, start: int, length: int) -> None:
        self.source, self.start, self.length = source, start, length

    def __iter__(self) -> Iterator[bytes]:
        self.source.seek(self.start)
        left = self.length
        while left > 0:
            block = self.source.read(min(self.BLOCK, left))
            if not block:
                raise PublishError("The file being uploaded got shorter during the upload.")
            left -= len(block)
            yield block


class PeerTube:
    """One PeerTube target: its options, this machine's secrets, one HTTP client."""

    def __init__(
        self,
        config: TargetConfig,
        secrets: Secrets,
        *,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 1.0,
    ) -> None:
        _check_options(config)
        self.config, self.secrets = config, secrets
        self.name = config.name
        self.base = _base_url(config)
        self.sleep, self.backoff = sleep, backoff
        if not any(secrets.get(self.name, key) for key in TOKEN_KEYS):
            raise NeedsLogin(
                f"This machine has no login for the PeerTube target {self.name}: run "
                f"`veyedesk publish login {self.name}` on this machine."
            )
        try:
            chunk_mb = float(config.options.get("chunk_mb", "") or DEFAULT_CHUNK_MB)
        except ValueError:
            raise PublishError(
                f"The PeerTube target {self.name} has chunk_mb={config.options['chunk_mb']!r}: "
                "set a number of MiB such as 8."
            ) from None
        self.chunk = max(64 * 1024, int(chunk_mb * (1 << 20)))
        self.client = _client()
        self._channel_id: int | None = None
        self._token = ""

    # -- the Publisher protocol ------------------------------------------------------------

    def find(self, meta: Metadata) -> Remote | None:
        if not meta.uuid:
            return None
        tag = key_tag(meta.uuid)
        listed = self._json("GET", f"{API}/users/me/videos", params={"tagsOneOf": tag, "count": 25})
        for item in listed.get("data", []):
            details = self._video(str(item.get("uuid") or item["id"]))
            if details is not None and tag in {t.lower() for t in details.get("tags", [])}:
                return self._remote(details)
        return None

    def upload(
        self,
        path: Path,
        meta: Metadata,
        privacy: Privacy,
        state: UploadState,
        progress: Progress | None = None,
    ) -> Remote:
        size = path.stat().st_size
        if state.remote_id and self._video(state.remote_id) is None:
            # Deleted on the instance since (by hand, or a depublish): upload it again.
            state.remote_id, state.session_url, state.offset = "", "", 0
        if not state.remote_id:
            if not state.session_url:
                earlier = self.find(meta)
                if earlier is not None:
                    # A re-run (or a worker that died after the last chunk): nothing to send.
                    state.remote_id = earlier.remote_id
                    state.offset = size
                    if progress:
                        progress(size, size)
                    return self._settle(earlier.remote_id, size, meta, privacy)
            video = self._send_file(path, size, meta, privacy, state, progress)
            state.remote_id = str(video.get("uuid") or video["id"])
        return self._settle(state.remote_id, size, meta, privacy)

    def set_privacy(self, remote_id: str, privacy: Privacy) -> Remote:
        self._update(remote_id, {"privacy": str(PRIVACY_IDS[privacy])})
        remote = self.fetch(remote_id)
        if remote.privacy != privacy:
            raise PublishError(
                f"PeerTube target {self.name}: video {remote_id} is {remote.privacy} after being "
                f"set {privacy}; check it on {self.base}."
            )
        return remote

    def remove(self, remote_id: str) -> None:
        response = self._request("DELETE", f"{API}/videos/{quote(remote_id)}")
        if response.status_code not in (200, 204, 404):
            raise self._failure(response, f"removing video {remote_id}")

    def fetch(self, remote_id: str) -> Remote:
        details = self._video(remote_id)
        if details is None:
            raise PublishError(
                f"PeerTube target {self.name} has no video {remote_id} (removed on "
                f"{self.base}?): publish the talk again."
            )
        return self._remote(details)

    # -- upload ------------------------------------------------------------------------------

    def _send_file(
        self,
        path: Path,
        size: int,
        meta: Metadata,
        privacy: Privacy,
        state: UploadState,
        progress: Progress | None,
    ) -> dict[str, Any]:
        restarted = False
        with path.open("rb") as source:
            while True:
                video = self._continue(source, path, size, meta, privacy, state, progress)
                if video is not None:
                    return video
                # The session is gone (PeerTube forgets one idle for an hour): start again,
                # once; a server that forgets a fresh one too is retried later.
                if restarted:
                    raise Retryable(
                        f"PeerTube target {self.name} forgot the upload session twice; "
                        "the job will be tried again later."
                    )
                restarted = True
                state.session_url, state.offset = "", 0

    def _continue(
        self,
        source: BinaryIO,
        path: Path,
        size: int,
        meta: Metadata,
        privacy: Privacy,
        state: UploadState,
        progress: Progress | None,
    ) -> dict[str, Any] | None:
        """Send the rest in the state's session (or a new one): the video, or None if gone."""
        if not state.session_url:
            state.session_url = self._open_session(path, size, meta, privacy)
            state.offset = 0
        else:
            answer = self._server_offset(state.session_url, size)
            if answer is None or isinstance(answer, dict):
                return answer
            state.offset = answer
        if progress:
            progress(state.offset, size)
        return self._send_chunks(source, size, state, progress)

    def _open_session(self, path: Path, size: int, meta: Metadata, privacy: Privacy) -> str:
        body: dict[str, Any] = {
            "name": self._title(meta),
            "channelId": self._channel(),
            "filename": path.name,
            "privacy": PRIVACY_IDS[privacy],
            "description": meta.description[:DESCRIPTION_MAX],
            "waitTranscoding": True,
        }
        tags = tags_for(meta)
        if tags:
            body["tags"] = tags
        if (licence := licence_id(meta.licence)) is not None:
            body["licence"] = licence
        if re.fullmatch(r"[a-z]{2,3}", meta.language or ""):
            body["language"] = meta.language
        if self.config.options.get("category", "").strip().isdigit():
            body["category"] = int(self.config.options["category"])
        if meta.recorded is not None:
            body["originallyPublishedAt"] = meta.recorded.isoformat()
        headers = {
            "X-Upload-Content-Length": str(size),
            "X-Upload-Content-Type": _mime(path),
        }
        response = self._request(
            "POST", f"{API}/videos/upload-resumable", json=body, headers=headers
        )
        if response.status_code not in (200, 201) or not response.headers.get("Location"):
            raise self._failure(response, "opening an upload")
        # Location may be a path or protocol-relative (//host/...): resolve against the base.
        return urljoin(self.base + "/", response.headers["Location"])

    def _server_offset(self, session_url: str, size: int) -> int | dict[str, Any] | None:
        """The server's confirmed offset; the video when complete; None when the session is gone."""
        response = self._request(
            "PUT",
            session_url,
            headers={"Content-Range": f"bytes */{size}", "Content-Length": "0"},
        )
        if response.status_code == 308:
            return _confirmed_end(response)
        if response.status_code in (200, 201):
            return self._uploaded_video(response)
        if response.status_code in (404, 410):
            return None
        raise self._failure(response, "asking how much of the upload arrived")

    def _send_chunks(
        self, source: BinaryIO, size: int, state: UploadState, progress: Progress | None
    ) -> dict[str, Any] | None:
        """Send from `state.offset` to the end: the video, or None if the session is gone."""
        failures = 0
        refreshed = False
        while True:
            start = state.offset
            length = min(self.chunk, size - start)
            headers = {
                "Content-Range": f"bytes {start}-{start + length - 1}/{size}",
                "Content-Length": str(length),
                "Content-Type": "application/octet-stream",
            }
            if length <= 0:  # all sent but not acknowledged as complete: ask
                headers = {"Content-Range": f"bytes */{size}", "Content-Length": "0"}
            wait: float | None = None
            last = ""
            try:
                response = self.client.put(
                    state.session_url,
                    content=_ChunkBody(source, start, max(length, 0)),
                    headers={**headers, **self._auth()},
                )
            except httpx.TransportError as error:
                response = None
                last = str(error) or type(error).__name__
            if response is not None:
                status = response.status_code
                if status == 308:
                    confirmed = _confirmed_end(response)
                    if confirmed > state.offset:
                        failures = 0
                    state.offset = confirmed
                    if progress:
                        progress(confirmed, size)
                    continue
                if status in (200, 201):
                    state.offset = size
                    if progress:
                        progress(size, size)
                    return self._uploaded_video(response)
                if status == 401 and not refreshed:
                    refreshed = True
                    self._renew()
                    continue
                if status in (404, 410):
                    return None
                if status == 409 or status == 429 or status >= 500:
                    last = f"HTTP {status}"
                    wait = _retry_after(response)
                else:
                    raise self._failure(response, "sending the video")
            failures += 1
            if failures >= TRIES:
                raise Retryable(
                    f"PeerTube target {self.name}: the upload stalled at {state.offset} of "
                    f"{size} bytes ({last}); the job will continue from there."
                )
            self._pause(failures, wait)
            answer = self._server_offset(state.session_url, size)
            if answer is None:
                return None
            if isinstance(answer, dict):
                state.offset = size
                return answer
            state.offset = answer
            if progress:
                progress(answer, size)

    def _uploaded_video(self, response: httpx.Response) -> dict[str, Any]:
        try:
            video: dict[str, Any] = response.json()["video"]
        except (ValueError, KeyError, TypeError):
            raise PublishError(
                f"PeerTube target {self.name} ended the upload without naming the video: "
                f"{response.text[:200]}"
            ) from None
        return video

    def _settle(self, remote_id: str, size: int, meta: Metadata, privacy: Privacy) -> Remote:
        """After the bytes: thumbnail, the asked privacy, then compare what the server holds."""
        fields: dict[str, str] = {}
        files = {}
        if meta.thumbnail is not None and meta.thumbnail.is_file():
            files["thumbnailfile"] = (
                meta.thumbnail.name,
                meta.thumbnail.read_bytes(),
                "image/png" if meta.thumbnail.suffix.lower() == ".png" else "image/jpeg",
            )
        remote = self.fetch(remote_id)
        if remote.privacy != privacy:
            fields["privacy"] = str(PRIVACY_IDS[privacy])
        if fields or files:
            self._update(remote_id, fields, files)
            remote = self.fetch(remote_id)
        if remote.size is not None and remote.size != size:
            raise PublishError(
                f"PeerTube target {self.name} holds {remote.size} bytes for video {remote_id}, "
                f"the file has {size}: remove it there and publish again."
            )
        if remote.privacy != privacy:
            raise PublishError(
                f"PeerTube target {self.name}: video {remote_id} is {remote.privacy}, not "
                f"{privacy}; check it on {self.base}."
            )
        return remote

    # -- reading and changing videos ---------------------------------------------------------

    def _video(self, remote_id: str) -> dict[str, Any] | None:
        response = self._request("GET", f"{API}/videos/{quote(remote_id)}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._failure(response, f"reading video {remote_id}")
        details: dict[str, Any] = response.json()
        source = self._request("GET", f"{API}/videos/{quote(remote_id)}/source")
        if source.status_code == 200:
            details["_source_size"] = source.json().get("size")
        return details

    def _remote(self, details: Mapping[str, Any]) -> Remote:
        video_uuid = str(details.get("uuid") or details["id"])
        short = details.get("shortUUID")
        page = f"{self.base}/w/{short}" if short else f"{self.base}/videos/watch/{video_uuid}"
        privacy_id = (details.get("privacy") or {}).get("id")
        size = details.get("_source_size")
        duration = details.get("duration")
        return Remote(
            remote_id=video_uuid,
            host_url=page,
            public_url=page,
            privacy=PRIVACY_OF_ID.get(privacy_id) if isinstance(privacy_id, int) else None,
            size=int(size) if isinstance(size, int) else None,
            duration=float(duration) if isinstance(duration, (int, float)) else None,
        )

    def _update(
        self, remote_id: str, fields: Mapping[str, str], files: Mapping[str, Any] | None = None
    ) -> None:
        # PUT videos/{id} is multipart/form-data; with no file httpx would send urlencoded.
        parts: dict[str, Any] = {key: (None, value) for key, value in fields.items()}
        parts.update(files or {})
        response = self._request("PUT", f"{API}/videos/{quote(remote_id)}", files=parts)
        if response.status_code not in (200, 204):
            raise self._failure(response, f"updating video {remote_id}")

    def _title(self, meta: Metadata) -> str:
        title = " ".join(meta.title.split())
        if len(title) > NAME_MAX:
            title = title[: NAME_MAX - 1].rstrip() + "…"
        if len(title) < NAME_MIN:
            raise PublishError(
                f"PeerTube needs a title of at least {NAME_MIN} characters; the talk's is "
                f"{meta.title!r}: give it a longer title."
            )
        return title

    def _channel(self) -> int:
        if self._channel_id is None:
            handle = self.config.options["channel"].strip().lstrip("@")
            response = self._request("GET", f"{API}/video-channels/{quote(handle)}")
            if response.status_code == 404:
                raise PublishError(
                    f"{self.base} has no channel {handle!r} (target {self.name}): set "
                    f"channel=… to the channel's name as in its URL /c/NAME."
                )
            if response.status_code != 200:
                raise self._failure(response, f"looking up channel {handle}")
            self._channel_id = int(response.json()["id"])
        return self._channel_id

    # -- HTTP, tokens, backoff ---------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        # Kept in memory: a keyring read per chunk is a D-Bus round trip per 8 MiB.
        if not self._token:
            self._token = self.secrets.get(self.name, "access_token") or ""
        if not self._token:
            self._renew()
        return {"Authorization": f"Bearer {self._token}"}

    def _renew(self) -> None:
        """New tokens: the refresh grant, else the kept password; else NeedsLogin."""
        client_id = self.secrets.get(self.name, "client_id")
        client_secret = self.secrets.get(self.name, "client_secret")
        if not client_id or not client_secret:
            client_id, client_secret = _local_client(self.client, self.base, self.name)
            self.secrets.set(self.name, "client_id", client_id)
            self.secrets.set(self.name, "client_secret", client_secret)
        grants = []
        if refresh := self.secrets.get(self.name, "refresh_token"):
            grants.append({"grant_type": "refresh_token", "refresh_token": refresh})
        if password := self.secrets.get(self.name, "password"):
            username = self.config.options["username"]
            grants.append({"grant_type": "password", "username": username, "password": password})
        for grant in grants:
            form = {"client_id": client_id, "client_secret": client_secret, **grant}
            tokens = _token_request(self.client, self.base, self.name, form)
            if tokens is not None:
                _store_tokens(self.secrets, self.name, tokens)
                self._token = str(tokens["access_token"])
                return
        raise NeedsLogin(
            f"The login for the PeerTube target {self.name} has lapsed on this machine: run "
            f"`veyedesk publish login {self.name}` here."
        )

    def _pause(self, attempt: int, retry_after: float | None) -> None:
        wait = retry_after if retry_after is not None else self.backoff * 2 ** (attempt - 1)
        self.sleep(min(wait, MAX_WAIT))

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One call with auth: 401 renews the token once; 429/5xx and cuts back off, bounded."""
        if url.startswith("/"):
            url = self.base + url
        headers = dict(kwargs.pop("headers", {}) or {})
        refreshed = False
        last = ""
        for attempt in range(1, TRIES + 1):
            wait = None
            try:
                response = self.client.request(
                    method, url, headers={**headers, **self._auth()}, **kwargs
                )
            except httpx.TransportError as error:
                last = str(error) or type(error).__name__
            else:
                if response.status_code == 401 and not refreshed:
                    refreshed = True
                    self._renew()
                    continue
                if response.status_code == 401:
                    raise NeedsLogin(
                        f"{self.base} does not accept this machine's login for the PeerTube "
                        f"target {self.name}: run `veyedesk publish login {self.name}` here."
                    )
                if response.status_code != 429 and response.status_code < 500:
                    return response
                last = f"HTTP {response.status_code}"
                wait = _retry_after(response)
            if attempt < TRIES:
                self._pause(attempt, wait)
        raise Retryable(
            f"PeerTube target {self.name}: {method} {url} failed {TRIES} times ({last}); "
            "the job will be tried again later."
        )

    def _json(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = self._request(method, url, **kwargs)
        if response.status_code != 200:
            raise self._failure(response, f"{method} {url}")
        body: dict[str, Any] = response.json()
        return body

    def _failure(self, response: httpx.Response, doing: str) -> PublishError:
        try:
            detail = str(response.json().get("detail") or response.json().get("error") or "")
        except (ValueError, AttributeError):
            detail = response.text[:200]
        return PublishError(
            f"PeerTube target {self.name}: {doing} gave HTTP {response.status_code}"
            f"{': ' + detail if detail else ''}."
        )

    def close(self) -> None:
        self.client.close()


def _mime(path: Path) -> str:
    return {
        ".mp4": "video/mp4",
        ".m4v": "video/mp4",
        ".webm": "video/webm",
        ".mkv": "video/x-matroska",
        ".mov": "video/quicktime",
        ".ogv": "video/ogg",
    }.get(path.suffix.lower(), "application/octet-stream")


__all__ = ["PeerTube", "key_tag", "licence_id", "login", "make", "tags_for"]
