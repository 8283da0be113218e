"""YouTube: the Data API v3 over plain HTTP (httpx), no Google client library.

Options (plain, stored with the show's target):
  `client_id`   the OAuth client ID of a "Desktop app" client in the Google Cloud console
                (required). Its secret is a *secret* (`client_secret`, asked by `login`).
  `category`    the video category ID; default 28 (Science & Technology), the category most
                conference channels use for talks. 27 (Education) suits teaching events.
  `playlist`    a playlist ID; a video is added to it when it is made public (once).
  `login_port`  the loopback port `publish login` listens on; default 0 (any free port).
                Fix it to sign in a headless worker through `ssh -L PORT:127.0.0.1:PORT`.
  `oauth_url`, `token_url`, `api_url`, `upload_url`   the endpoints, Google's by default
                (tests point them at a local stand-in).

Secrets (this machine only, `secrets.set(target, key, value)`): `client_secret` and
`refresh_token` (from `veyedesk publish login NAME`: Google's consent page in a browser,
answered on a one-shot HTTP server on 127.0.0.1). Access tokens live in memory and are
refreshed on a 401.

What YouTube refuses, and what this module does about it:
  - a title over 100 characters or a description over 5000 bytes (UTF-8): both are cut,
    the description at a line or word boundary, ending in "…";
  - `<` and `>` anywhere in the title, description or tags: replaced with the look-alike
    single angle quotation marks ‹ and › (a talk titled "Using <template>" stays readable);
  - tags over 500 characters in all (a tag with a space counts its quotes, commas count):
    the talk's tags are dropped from the end until they fit.
The description is used as `publish.metadata` composed it (its chapter lines are where
YouTube reads chapters from).
Licence: "CC BY" (any version, no NC/ND/SA) becomes YouTube's "creativeCommon" (the only CC
licence YouTube offers, CC BY 3.0); anything else is the standard "youtube" licence.

Finding an earlier upload (so a re-run uploads nothing): every upload carries the tag
`vd<uuid hex>` (one search token, no dashes; tags are not shown to viewers). `find` runs
search.list within the signed-in channel (forMine=true, type=video, q=the tag), then
videos.list to check the tag is really on the video (search matches loosely). YouTube's
search index lags a fresh upload by minutes, so the first guard is the `UploadState` the
pipeline keeps: its `remote_id` is set the moment the upload completes, and a run with it
uploads nothing (unless the video was removed on YouTube since: then it uploads anew).

Signing in: `login` (the CLI's `publish login`) shows the consent URL and waits;
`start_login` gives a front end the URL and a `finish` to wait in a worker thread.

Setting up (once per show's channel):
  1. Google Cloud console: a project with the "YouTube Data API v3" enabled; an OAuth
     consent screen (while it is in "testing", add the channel owner as a test user, and
     know that Google expires its refresh tokens after 7 days); Credentials, "OAuth client
     ID", application type "Desktop app": its client ID and secret.
  2. `veyedesk publish target add --client C --show S yt --kind youtube client_id=…
     [playlist=PL…] [category=27]`.
  3. On every machine that publishes: `veyedesk publish login yt` (asks the client secret
     once, shows the URL to open in a browser there, and keeps the refresh token).
Uploads from an API project Google has not audited are forced private by YouTube;
`upload` then reports the privacy mismatch as an error rather than claiming success.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from veyedesk.publish.base import (
    Metadata,
    Privacy,
    Progress,
    Publisher,
    PublishError,
    Remote,
    Retryable,
    Secrets,
    TargetConfig,
    UploadState,
)
from veyedesk.publish.youtube_login import (
    TIMEOUT,
    LoginFlow,
    _client_id,
    _endpoints,
    _json,
    _needs_login,
    _reason,
    login,
    start_login,
)
from veyedesk.publish.youtube_text import (
    DEFAULT_CATEGORY,
    parse_duration,
    uuid_tag,
    video_resource,
    youtube_description,
    youtube_licence,
    youtube_tags,
    youtube_title,
)

log = logging.getLogger(__name__)

WATCH_URL = "https://www.youtube.com/watch?v="

THUMBNAIL_LIMIT = 2 * 1024 * 1024  # bytes

# Refusals that pass by themselves the next day: not an error in the talk or the target.
QUOTA_REASONS = {
    "quotaExceeded": "the API project's daily quota is spent",
    "uploadLimitExceeded": "the channel's daily upload limit is reached",
}

TRIES = 5  # attempts per request before a Retryable
RETRY_AFTER_CAP = 120.0  # seconds: a longer Retry-After becomes a Retryable for the job queue
READ_BLOCK = 1 << 20
CHUNK_UNIT = 256 * 1024  # Google takes chunks in multiples of this (but the last)


# --- the publisher --------------------------------------------------------------------------


class YouTube:
    """A channel on YouTube as a `Publisher`."""

    def __init__(
        self,
        config: TargetConfig,
        secrets: Secrets,
        *,
        chunk_size: int = 0,
        sleep: Callable[[float], None] = time.sleep,
        tries: int = TRIES,
    ) -> None:
        self.name = config.name
        self.options = config.options
        self.client_id = _client_id(config)
        client_secret = secrets.get(config.name, "client_secret")
        refresh = secrets.get(config.name, "refresh_token")
        if not client_secret or not refresh:
            raise _needs_login(config.name, "this machine is not signed in to YouTube")
        self.client_secret = client_secret
        self.refresh_token = refresh
        _, self.token_url, self.api_url, self.upload_url = _endpoints(config.options)
        self.category = (config.options.get("category") or DEFAULT_CATEGORY).strip()
        if not self.category.isdigit():
            raise PublishError(
                f"YouTube target {config.name!r}: category {self.category!r} is not a "
                "category ID; use a number such as 28 (Science & Technology) or 27 (Education)."
            )
        self.playlist = (config.options.get("playlist") or "").strip()
        # 0: the rest of the file in one request (fastest); else a multiple of 256 KiB,
        # each chunk confirmed by the server (its offset lands in the UploadState).
        self.chunk_size = -(-chunk_size // CHUNK_UNIT) * CHUNK_UNIT if chunk_size > 0 else 0
        self.sleep = sleep
        self.tries = tries
        self.access_token = ""
        self.http = httpx.Client(timeout=TIMEOUT)

    def close(self) -> None:
        self.http.close()

    # -- HTTP with token refresh and backoff

    def _refresh(self) -> None:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self.refresh_token,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        response = self._send(lambda: self.http.post(self.token_url, data=form), auth=False)
        token = _json(response).get("access_token")
        if response.status_code in (400, 401):
            # invalid_grant: revoked, expired (unverified apps' tokens last 7 days), or
            # the client secret changed. Only a new sign-in helps.
            raise _needs_login(self.name, "Google no longer accepts this machine's sign-in")
        if response.status_code != 200 or not isinstance(token, str):
            raise PublishError(
                f"YouTube target {self.name!r}: the token endpoint answered "
                f"{response.status_code}; check the target's token_url."
            )
        self.access_token = token

    def _send(self, make: Callable[[], httpx.Response], *, auth: bool = True) -> httpx.Response:
        """Send (again, on 429/5xx/network errors, with backoff); refresh once on a 401."""
        refreshed = False
        for attempt in range(1, self.tries + 1):
            if auth and not self.access_token:
                self._refresh()
                refreshed = True
            try:
                response = make()
            except httpx.TransportError as exc:
                if attempt == self.tries:
                    raise Retryable(
                        f"YouTube target {self.name!r}: network error ({exc}); "
                        "the job will try again."
                    ) from exc
                self.sleep(min(2.0 ** (attempt - 1), 30.0))
                continue
            if auth and response.status_code == 401 and not refreshed:
                self.access_token = ""
                self._refresh()
                refreshed = True
                continue
            reason, message = _reason(response)
            busy = response.status_code in (429, 500, 502, 503, 504) or (
                response.status_code == 403
                and reason in ("rateLimitExceeded", "userRateLimitExceeded")
            )
            if response.status_code in (400, 403) and reason in QUOTA_REASONS:
                raise Retryable(
                    f"YouTube target {self.name!r}: {QUOTA_REASONS[reason]} ({message}); "
                    "the job will try again later (YouTube resets it daily)."
                )
            if not busy:
                return response
            wait = _retry_after(response, attempt)
            if attempt == self.tries or wait > RETRY_AFTER_CAP:
                raise Retryable(
                    f"YouTube target {self.name!r} is busy ({response.status_code} "
                    f"{reason or message}); the job will try again."
                )
            self.sleep(wait)
        raise Retryable(f"YouTube target {self.name!r}: no answer; the job will try again.")

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.access_token}"}
        headers.update(extra or {})
        return headers

    def _api(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: Any = None,
        *,
        ok: tuple[int, ...] = (200,),
        base: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        url = f"{base or self.api_url}/{path}"

        def make() -> httpx.Response:
            return self.http.request(
                method,
                url,
                params=dict(params),
                json=body,
                headers=self._headers(headers),
            )

        response = self._send(make)
        if response.status_code not in ok:
            reason, message = _reason(response)
            if response.status_code == 403 and reason in ("forbidden", "insufficientPermissions"):
                raise _needs_login(
                    self.name, f"YouTube refuses {method} {path} ({message or reason})"
                )
            detail = " ".join(part for part in (str(response.status_code), reason, message) if part)
            raise PublishError(f"YouTube target {self.name!r}: {method} {path} failed ({detail}).")
        return response

    # -- Publisher

    def find(self, meta: Metadata) -> Remote | None:
        if not meta.uuid:
            return None
        tag = uuid_tag(meta.uuid)
        found = self._api(
            "GET",
            "search",
            {"part": "snippet", "forMine": "true", "type": "video", "q": tag, "maxResults": "25"},
        )
        ids = [
            item["id"]["videoId"]
            for item in _json(found).get("items", [])
            if isinstance(item.get("id"), dict) and item["id"].get("videoId")
        ]
        if not ids:
            return None
        videos = self._list(ids, "snippet,status,contentDetails,fileDetails")
        for video in videos:  # search matches loosely: the tag must really be there
            if tag in (video.get("snippet", {}).get("tags") or []):
                return _remote(video)
        return None

    def _list(self, ids: list[str], parts: str) -> list[dict[str, Any]]:
        response = self._api("GET", "videos", {"part": parts, "id": ",".join(ids)})
        items = _json(response).get("items", [])
        return [item for item in items if isinstance(item, dict)]

    def fetch(self, remote_id: str) -> Remote:
        videos = self._list([remote_id], "status,contentDetails,fileDetails")
        if not videos:
            raise PublishError(
                f"YouTube target {self.name!r} has no video {remote_id} (removed on YouTube?); "
                "upload the talk again."
            )
        return _remote(videos[0])

    def upload(
        self,
        path: Path,
        meta: Metadata,
        privacy: Privacy,
        state: UploadState,
        progress: Progress | None = None,
    ) -> Remote:
        total = path.stat().st_size
        if total == 0:
            raise PublishError(
                f"YouTube target {self.name!r}: {path} is empty; encode the talk again."
            )
        if state.remote_id and not self._list([state.remote_id], "id"):
            # Removed on YouTube since (a depublish, or by hand): this run uploads it anew.
            state.remote_id, state.session_url, state.offset = "", "", 0
            state.extra.pop("thumbnail", None)
        if not state.remote_id and not state.session_url:
            earlier = self.find(meta)
            if earlier is not None:  # a re-run: the video is there already
                state.remote_id = earlier.remote_id
        if not state.remote_id:
            state.remote_id = self._transfer(path, total, meta, privacy, state, progress)
        self._finish(state, meta, privacy)
        remote = self.fetch(state.remote_id)
        if remote.size is not None and remote.size != total:
            raise PublishError(
                f"YouTube target {self.name!r}: video {remote.remote_id} holds {remote.size} "
                f"bytes but {path.name} has {total}; remove the video and publish again."
            )
        if remote.privacy != privacy:
            raise PublishError(
                f"YouTube target {self.name!r}: video {remote.remote_id} is "
                f"{remote.privacy} on YouTube, not {privacy}: check the channel (unaudited "
                "API projects can only upload private videos)."
            )
        return remote

    def _finish(self, state: UploadState, meta: Metadata, privacy: Privacy) -> None:
        """What follows the bytes: the thumbnail (once), the playlist when public."""
        if meta.thumbnail is not None and not state.extra.get("thumbnail"):
            state.extra["thumbnail"] = self._thumbnail(state.remote_id, meta.thumbnail)
        if privacy is Privacy.PUBLIC:
            self._add_to_playlist(state.remote_id)

    def _thumbnail(self, video_id: str, image: Path) -> str:
        kind = "image/png" if image.suffix.lower() == ".png" else "image/jpeg"
        try:
            data = image.read_bytes()
        except OSError as exc:
            raise PublishError(
                f"YouTube target {self.name!r}: cannot read the thumbnail {image} "
                f"({exc.strerror or exc}); make the talk's thumbnail again."
            ) from exc
        if len(data) > THUMBNAIL_LIMIT:
            raise PublishError(
                f"YouTube target {self.name!r}: the thumbnail {image} has {len(data)} bytes, "
                "over YouTube's 2 MB; use a smaller image (JPEG)."
            )
        url = f"{self.upload_url}/thumbnails/set"

        def make() -> httpx.Response:
            return self.http.post(
                url,
                params={"videoId": video_id, "uploadType": "media"},
                content=data,
                headers=self._headers({"Content-Type": kind}),
            )

        response = self._send(make)
        if response.status_code == 200:
            return "set"
        reason, message = _reason(response)
        if response.status_code == 403:
            # Custom thumbnails need a verified channel: the video is fine without one.
            log.warning("YouTube %s: thumbnail refused for %s: %s", self.name, video_id, message)
            return f"refused: {reason or message}"
        raise PublishError(
            f"YouTube target {self.name!r}: the thumbnail for {video_id} failed "
            f"({response.status_code} {reason} {message}); check the image {image}."
        )

    def _add_to_playlist(self, video_id: str) -> None:
        if not self.playlist:
            return
        there = self._api(
            "GET",
            "playlistItems",
            {"part": "id", "playlistId": self.playlist, "videoId": video_id},
            ok=(200, 404),
        )
        if there.status_code == 404:
            raise PublishError(
                f"YouTube target {self.name!r}: no playlist {self.playlist}; fix the "
                "target's playlist option."
            )
        if _json(there).get("items"):
            return  # already in it: a re-run adds nothing
        self._api(
            "POST",
            "playlistItems",
            {"part": "snippet"},
            {
                "snippet": {
                    "playlistId": self.playlist,
                    "resourceId": {"kind": "youtube#video", "videoId": video_id},
                }
            },
        )

    def set_privacy(self, remote_id: str, privacy: Privacy) -> Remote:
        videos = self._list([remote_id], "status")
        if not videos:
            raise PublishError(
                f"YouTube target {self.name!r} has no video {remote_id}; upload it again."
            )
        status = dict(videos[0].get("status") or {})
        # videos.update replaces the whole part: send every writable status field back
        # (licence, embeddable, made for kids), or YouTube resets them to defaults.
        for read_only in ("uploadStatus", "failureReason", "rejectionReason", "madeForKids"):
            status.pop(read_only, None)
        status["privacyStatus"] = privacy.value
        self._api("PUT", "videos", {"part": "status"}, {"id": remote_id, "status": status})
        if privacy is Privacy.PUBLIC:
            self._add_to_playlist(remote_id)
        return self.fetch(remote_id)

    def remove(self, remote_id: str) -> None:
        self._api("DELETE", "videos", {"id": remote_id}, ok=(200, 204, 404))

    # -- the resumable upload

    def _transfer(
        self,
        path: Path,
        total: int,
        meta: Metadata,
        privacy: Privacy,
        state: UploadState,
        progress: Progress | None,
    ) -> str:
        """Send the file through a resumable session; the new video's ID."""
        done: dict[str, Any] | None = None
        if state.session_url:
            offset, done = self._server_offset(state.session_url, total)
            if offset is None:  # the session expired (404/410): start a new one
                state.session_url, state.offset = "", 0
        if not state.session_url:
            state.session_url = self._start(meta, privacy, total, path)
            state.offset = 0
        else:
            state.offset = offset or 0
        failures = 0
        while done is None:
            end = total if not self.chunk_size else min(total, state.offset + self.chunk_size)
            try:
                response = self.http.put(
                    state.session_url,
                    content=_read(path, state.offset, end, total, progress),
                    headers=self._headers(
                        {
                            "Content-Length": str(end - state.offset),
                            "Content-Range": _content_range(state.offset, end, total),
                        }
                    ),
                )
            except httpx.TransportError as exc:
                failure = str(exc) or type(exc).__name__
            else:
                code = response.status_code
                if code in (200, 201):
                    done = _json(response)
                    break
                if code == 308:
                    confirmed = _range_end(response)
                    if confirmed > state.offset:  # a chunk (or part of one) arrived
                        state.offset, failures = confirmed, 0
                        continue
                    state.offset, failure = confirmed, "the server kept none of it"
                elif code in (404, 410):
                    state.session_url, state.offset = "", 0
                    raise Retryable(
                        f"YouTube target {self.name!r}: the upload session expired; "
                        "the job will start the upload again."
                    )
                elif code in (500, 502, 503, 504):
                    failure = str(code)
                else:
                    reason, message = _reason(response)
                    raise PublishError(
                        f"YouTube target {self.name!r}: the upload was refused "
                        f"({code} {reason} {message})."
                    )
            failures += 1
            if failures >= self.tries:
                raise Retryable(
                    f"YouTube target {self.name!r}: the upload broke off at "
                    f"{state.offset} of {total} bytes ({failure}); the job will resume it."
                )
            self.sleep(min(2.0 ** (failures - 1), 30.0))
            # Ask the server what arrived, and send only the rest.
            offset, done = self._server_offset(state.session_url, total)
            if offset is None:
                state.session_url, state.offset = "", 0
                raise Retryable(
                    f"YouTube target {self.name!r}: the upload session expired; "
                    "the job will start the upload again."
                )
            if offset > state.offset:
                failures = 0  # it moves on: a flaky line, not a dead end
            state.offset = offset
        video_id = str(done.get("id") or "")
        if not video_id:
            raise PublishError(
                f"YouTube target {self.name!r}: the upload finished but YouTube named no video."
            )
        state.offset = total
        return video_id

    def _start(self, meta: Metadata, privacy: Privacy, total: int, path: Path) -> str:
        response = self._api(
            "POST",
            "videos",
            {"uploadType": "resumable", "part": "snippet,status,recordingDetails"},
            video_resource(meta, privacy, self.category),
            base=self.upload_url,
            # What the PUTs will carry (httpx sets the JSON body's own Content-Type).
            headers={
                "X-Upload-Content-Length": str(total),
                "X-Upload-Content-Type": mimetypes.guess_type(path.name)[0]
                or "application/octet-stream",
            },
        )
        location = response.headers.get("Location", "")
        if not location:
            raise PublishError(
                f"YouTube target {self.name!r}: the upload session has no Location; "
                "check the target's upload_url."
            )
        return location

    def _server_offset(self, session: str, total: int) -> tuple[int | None, dict[str, Any] | None]:
        """Bytes the session holds (None: expired), and the video if it is complete."""

        def make() -> httpx.Response:
            return self.http.put(
                session,
                content=b"",
                headers=self._headers({"Content-Length": "0", "Content-Range": f"bytes */{total}"}),
            )

        response = self._send(make)
        if response.status_code in (200, 201):
            return total, _json(response)
        if response.status_code == 308:
            return _range_end(response), None
        if response.status_code in (404, 410):
            return None, None
        reason, message = _reason(response)
        raise PublishError(
            f"YouTube target {self.name!r}: asking the upload session for its offset failed "
            f"({response.status_code} {reason} {message})."
        )


def _content_range(start: int, end: int, total: int) -> str:
    if end <= start:  # an empty file: nothing to send but the length
        return f"bytes */{total}"
    return f"bytes {start}-{end - 1}/{total}"


def _range_end(response: httpx.Response) -> int:
    """The offset a 308 confirms: its Range header's last byte + 1 (none yet: 0)."""
    match = re.fullmatch(r"bytes=0-(\d+)", response.headers.get("Range", "").strip())
    return int(match.group(1)) + 1 if match else 0


def _retry_after(response: httpx.Response, attempt: int) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return min(2.0 ** (attempt - 1), 30.0)


def _read(
    path: Path, start: int, end: int, total: int, progress: Progress | None
) -> Iterator[bytes]:
    """The file's bytes [start, end) in blocks, reporting progress as they go out."""
    with path.open("rb") as handle:
        handle.seek(start)
        sent = start
        while sent < end:
            block = handle.read(min(READ_BLOCK, end - sent))
            if not block:
                break
            sent += len(block)
            yield block
            if progress is not None:
                progress(sent, total)


def _privacy(value: Any) -> Privacy | None:
    try:
        return Privacy(str(value))
    except ValueError:
        return None


def _remote(video: dict[str, Any]) -> Remote:
    video_id = str(video.get("id", ""))
    size = (video.get("fileDetails") or {}).get("fileSize")
    return Remote(
        remote_id=video_id,
        host_url=WATCH_URL + video_id,
        public_url=WATCH_URL + video_id,
        privacy=_privacy((video.get("status") or {}).get("privacyStatus")),
        size=int(size) if size not in (None, "") else None,
        duration=parse_duration((video.get("contentDetails") or {}).get("duration", "")),
    )


if TYPE_CHECKING:
    _publisher: type[Publisher] = YouTube  # mypy: YouTube keeps the Publisher protocol


def make(config: TargetConfig, secrets: Secrets) -> YouTube:
    """The YouTube publisher of `config` with this machine's sign-in (NeedsLogin without)."""
    return YouTube(config, secrets)


__all__ = [
    "LoginFlow",
    "YouTube",
    "login",
    "make",
    "start_login",
    "video_resource",
    "youtube_description",
    "youtube_licence",
    "youtube_tags",
    "youtube_title",
]
