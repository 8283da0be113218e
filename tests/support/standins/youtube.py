"""A YouTube Data API v3 stand-in: a real HTTP server on 127.0.0.1 for publish tests.

It speaks the parts of Google's protocols that veyedesk.publish.youtube uses:
  - OAuth for installed apps: GET /o/oauth2/v2/auth (the consent page: it "consents" at
    once and redirects the browser to the loopback redirect_uri with a code and the
    state), POST /token (authorization_code with PKCE, refresh_token);
  - resumable upload: POST /upload/youtube/v3/videos?uploadType=resumable (Location: the
    session URL), PUT to the session with Content-Range ("bytes a-b/T": 308 with
    "Range: bytes=0-n" while incomplete, 201 with the video when complete; "bytes */T": the
    status query);
  - videos.list/update/delete, search.list (forMine), playlistItems.list/insert,
    thumbnails.set.
Every API call needs a live access token (else 401). Faults, on demand: `drop_upload_at`
(the server reads that fraction of the file, keeps it, and cuts the connection), `fail`
(the next N matching requests answer 503 or any status), `expire_tokens` (every access
token stops working). `upload_bytes` counts the video bytes the server read.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "standin-client.apps.example"
CLIENT_SECRET = "standin-secret"
CHANNEL = "UCstandin0000000000000000"
READ_BLOCK = 64 * 1024
CHUNK_UNIT = 256 * 1024


@dataclass
class Session:
    total: int
    resource: dict[str, Any]
    received: bytearray = field(default_factory=bytearray)
    video_id: str = ""


@dataclass
class Fault:
    status: int
    times: int
    method: str
    path: str  # a prefix of the request path
    retry_after: str = "0"
    reason: str = "backendError"


class YouTubeStandIn:
    """State and faults of the stand-in; `url` is its base (http://127.0.0.1:port)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.url = ""
        self.codes: dict[str, dict[str, str]] = {}
        self.refresh_tokens: set[str] = set()
        self.access_tokens: set[str] = set()
        self.sessions: dict[str, Session] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.thumbnails: dict[str, bytes] = {}
        self.playlists: dict[str, list[str]] = {"PLtalks": []}
        self.faults: list[Fault] = []
        self.drop_at: float | None = None
        self.drops = 0  # how many more uploads to cut
        self.cuts = 0  # connections cut so far
        # Like an API project Google has not audited: every upload is made private.
        self.force_private = False
        self.receiving = 0  # upload PUTs being read right now
        self.status_queries = 0  # "bytes */T" PUTs answered
        self.upload_bytes = 0
        self.sessions_started = 0
        self.token_grants: list[str] = []  # grant types the token endpoint answered
        self.requests: list[tuple[str, str]] = []

    # -- faults

    def fail(
        self,
        status: int = 503,
        times: int = 1,
        method: str = "",
        path: str = "",
        retry_after: str = "0",
        reason: str = "backendError",
    ) -> None:
        """The next `times` requests matching `method`/`path` prefix answer `status`."""
        with self.lock:
            self.faults.append(Fault(status, times, method, path, retry_after, reason))

    def drop_upload_at(self, fraction: float = 0.5, times: int = 1) -> None:
        """Cut the next `times` upload PUTs once the session holds `fraction` of the file."""
        with self.lock:
            self.drop_at, self.drops = fraction, times

    def expire_tokens(self) -> None:
        """Every access token handed out so far answers 401 from now on."""
        with self.lock:
            self.access_tokens.clear()

    def revoke(self) -> None:
        """Every refresh token is revoked (a user removed the app's access)."""
        with self.lock:
            self.refresh_tokens.clear()
            self.access_tokens.clear()

    def grant_refresh_token(self) -> str:
        """A refresh token as a finished sign-in would have given (tests skip the browser)."""
        token = "1//r" + secrets.token_urlsafe(16)
        with self.lock:
            self.refresh_tokens.add(token)
        return token

    def add_video(self, resource: dict[str, Any], data: bytes) -> str:
        """A video already on the channel (uploaded by someone else, or earlier)."""
        with self.lock:
            return self._create(resource, data)

    # -- the model

    def _fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if (
                    fault.times > 0
                    and method.startswith(fault.method)
                    and path.startswith(fault.path)
                ):
                    fault.times -= 1
                    return fault
        return None

    def _create(self, resource: dict[str, Any], data: bytes) -> str:
        video_id = secrets.token_urlsafe(8)[:11]
        snippet = dict(resource.get("snippet") or {})
        snippet.update({"channelId": CHANNEL, "publishedAt": datetime.now(UTC).isoformat()})
        status = {
            "privacyStatus": "public",
            "license": "youtube",
            "embeddable": True,
            "publicStatsViewable": True,
            "selfDeclaredMadeForKids": False,
        }
        status.update(resource.get("status") or {})
        status["uploadStatus"] = "processed"
        if self.force_private:
            status["privacyStatus"] = "private"
        self.videos[video_id] = {
            "kind": "youtube#video",
            "id": video_id,
            "snippet": snippet,
            "status": status,
            "recordingDetails": dict(resource.get("recordingDetails") or {}),
            "contentDetails": {"duration": _iso_duration(_probe_seconds(data))},
            "fileDetails": {"fileSize": str(len(data))},
        }
        self.files[video_id] = data
        return video_id

    def part(self, video_id: str, parts: str) -> dict[str, Any]:
        video = self.videos[video_id]
        out = {"kind": "youtube#video", "id": video_id}
        for name in parts.split(","):
            if name in video:
                out[name] = json.loads(json.dumps(video[name]))
        return out


def _probe_seconds(data: bytes) -> float:
    """The clip's duration by ffprobe (0 when it is no media file)."""
    ffprobe = shutil.which("ffprobe")
    if not ffprobe or not data:
        return 0.0
    with tempfile.NamedTemporaryFile(suffix=".bin") as handle:
        handle.write(data)
        handle.flush()
        done = subprocess.run(
            [
                ffprobe,
                "-v",
                "error",
                "-show_entries",
                "format=duration",
                "-of",
                "csv=p=0",
                handle.name,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    try:
        return float(done.stdout.strip())
    except ValueError:
        return 0.0


def _iso_duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if secs or text == "PT":
        text += f"{secs}S"
    return text


def _handler(stand: YouTubeStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        # -- plumbing

        def _route(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            with stand.lock:
                stand.requests.append((method, parts.path))
            fault = stand._fault(method, parts.path)
            if fault is not None:
                self._discard_body()
                self._error(
                    fault.status,
                    fault.reason,
                    "injected fault",
                    {"Retry-After": fault.retry_after},
                )
                return
            path = parts.path
            if path == "/o/oauth2/v2/auth" and method == "GET":
                self._consent(query)
            elif path == "/token" and method == "POST":
                self._token()
            elif path == "/upload/youtube/v3/videos" and method == "POST":
                self._start(query)
            elif path == "/upload/youtube/v3/videos" and method == "PUT":
                self._put(query)
            elif path == "/upload/youtube/v3/thumbnails/set" and method == "POST":
                self._thumbnail(query)
            elif path.startswith("/youtube/v3/"):
                self._api(method, path.removeprefix("/youtube/v3/"), query)
            else:
                self._discard_body()
                self._error(404, "notFound", f"no {method} {path}")

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

        def do_DELETE(self) -> None:
            self._route("DELETE")

        def log_message(self, *_args: Any) -> None:
            pass

        def _length(self) -> int:
            return int(self.headers.get("Content-Length") or 0)

        def _body(self) -> bytes:
            return self.rfile.read(self._length())

        def _discard_body(self) -> None:
            if self._length():
                self.rfile.read(self._length())

        def _send(
            self,
            status: int,
            body: bytes = b"",
            headers: dict[str, str] | None = None,
            kind: str = "application/json; charset=UTF-8",
        ) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if body:
                self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(data).encode(), headers)

        def _error(
            self, status: int, reason: str, message: str, headers: dict[str, str] | None = None
        ) -> None:
            self._json(
                status,
                {
                    "error": {
                        "code": status,
                        "message": message,
                        "errors": [{"reason": reason, "message": message}],
                    }
                },
                headers,
            )

        def _authorized(self) -> bool:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            with stand.lock:
                ok = token in stand.access_tokens
            if not ok:
                self._discard_body()
                self._error(
                    401,
                    "authError",
                    "Request had invalid authentication credentials.",
                    {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
                )
            return ok

        # -- OAuth

        def _consent(self, query: dict[str, str]) -> None:
            redirect = query.get("redirect_uri", "")
            if (
                query.get("client_id") != CLIENT_ID
                or query.get("response_type") != "code"
                or urlsplit(redirect).hostname != "127.0.0.1"
                or query.get("code_challenge_method") != "S256"
                or query.get("access_type") != "offline"
            ):
                self._send(400, b"invalid_request", kind="text/plain")
                return
            code = "4/" + secrets.token_urlsafe(16)
            with stand.lock:
                stand.codes[code] = {
                    "redirect_uri": redirect,
                    "challenge": query.get("code_challenge", ""),
                }
            target = (
                redirect
                + "?"
                + urlencode(
                    {"code": code, "state": query.get("state", ""), "scope": query.get("scope", "")}
                )
            )
            self._send(302, b"", {"Location": target})

        def _token(self) -> None:
            form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                self._json(401, {"error": "invalid_client"})
                return
            grant = form.get("grant_type", "")
            access = "ya29." + secrets.token_urlsafe(16)
            with stand.lock:
                stand.token_grants.append(grant)
                if grant == "authorization_code":
                    code = stand.codes.pop(form.get("code", ""), None)
                    verifier = form.get("code_verifier", "")
                    challenge = (
                        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                        .rstrip(b"=")
                        .decode()
                    )
                    if (
                        code is None
                        or code["redirect_uri"] != form.get("redirect_uri")
                        or code["challenge"] != challenge
                    ):
                        answer: tuple[int, dict[str, Any]] = (400, {"error": "invalid_grant"})
                    else:
                        refresh = "1//r" + secrets.token_urlsafe(16)
                        stand.refresh_tokens.add(refresh)
                        stand.access_tokens.add(access)
                        answer = (
                            200,
                            {
                                "access_token": access,
                                "expires_in": 3599,
                                "refresh_token": refresh,
                                "token_type": "Bearer",
                            },
                        )
                elif grant == "refresh_token" and form.get("refresh_token") in stand.refresh_tokens:
                    stand.access_tokens.add(access)
                    answer = (
                        200,
                        {"access_token": access, "expires_in": 3599, "token_type": "Bearer"},
                    )
                else:
                    answer = (
                        400,
                        {
                            "error": "invalid_grant",
                            "error_description": "Token has been expired or revoked.",
                        },
                    )
            self._json(*answer)

        # -- resumable upload

        def _start(self, query: dict[str, str]) -> None:
            if not self._authorized():
                return
            resource = json.loads(self._body() or b"{}")
            total = self.headers.get("X-Upload-Content-Length")
            if query.get("uploadType") != "resumable" or total is None:
                self._error(400, "badRequest", "resumable uploads only, with a length")
                return
            title = (resource.get("snippet") or {}).get("title", "")
            description = (resource.get("snippet") or {}).get("description", "")
            if (
                not title
                or len(title) > 100
                or "<" in title + description
                or ">" in title + description
                or len(description.encode()) > 5000
            ):
                self._error(
                    400,
                    "invalidTitle" if not title or len(title) > 100 else "invalidDescription",
                    "refused metadata",
                )
                return
            upload_id = secrets.token_urlsafe(12)
            with stand.lock:
                stand.sessions[upload_id] = Session(int(total), resource)
                stand.sessions_started += 1
            location = f"{stand.url}/upload/youtube/v3/videos?" + urlencode(
                {"uploadType": "resumable", "upload_id": upload_id}
            )
            self._send(200, b"", {"Location": location})

        def _session_answer(self, session: Session) -> None:
            if session.video_id:
                self._json(201, stand.part(session.video_id, "snippet,status"))
            elif session.received:
                self._send(308, b"", {"Range": f"bytes=0-{len(session.received) - 1}"})
            else:
                self._send(308)

        def _put(self, query: dict[str, str]) -> None:
            with stand.lock:
                session = stand.sessions.get(query.get("upload_id", ""))
            if session is None:
                self._discard_body()
                self._error(404, "notFound", "no such upload session")
                return
            spec = self.headers.get("Content-Range", "")
            length = self._length()
            if spec.startswith("bytes */"):
                self._discard_body()
                with stand.lock:
                    stand.status_queries += 1
                self._session_answer(session)
                return
            start_end, _, total = spec.removeprefix("bytes ").partition("/")
            first, _, last = start_end.partition("-")
            start = int(first)
            if (
                int(total) != session.total
                or start > len(session.received)
                or (int(last) - start + 1 != length)
            ):
                self._discard_body()
                self._error(400, "badContent", f"bad Content-Range {spec}")
                return
            if int(last) + 1 < session.total and length % CHUNK_UNIT:
                self._discard_body()
                self._error(400, "badContent", "chunks are multiples of 256 KiB but the last")
                return
            with stand.lock:
                cut_at = None
                if stand.drops > 0 and stand.drop_at is not None:
                    cut_at = int(session.total * stand.drop_at)
            del session.received[start:]  # a resent overlap replaces what was there
            with stand.lock:
                stand.receiving += 1
            try:
                self._receive(session, length, cut_at)
            finally:
                with stand.lock:
                    stand.receiving -= 1

        def _receive(self, session: Session, length: int, cut_at: int | None) -> None:
            left = length
            while left:
                if cut_at is not None and len(session.received) >= cut_at:
                    # The network cut: what arrived stays, the client hears nothing more.
                    self.close_connection = True
                    with stand.lock:
                        stand.cuts += 1
                        stand.drops -= 1
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                want = min(READ_BLOCK, left)
                if cut_at is not None:
                    want = min(want, max(cut_at - len(session.received), 1))
                try:
                    block = self.rfile.read1(want)
                except OSError:  # reset by the client
                    block = b""
                if not block:  # the client went away mid-body (a dead worker)
                    self.close_connection = True
                    return
                session.received += block
                left -= len(block)
                with stand.lock:
                    stand.upload_bytes += len(block)
            if len(session.received) == session.total and not session.video_id:
                with stand.lock:
                    session.video_id = stand._create(session.resource, bytes(session.received))
            self._session_answer(session)

        def _thumbnail(self, query: dict[str, str]) -> None:
            if not self._authorized():
                return
            data = self._body()
            video_id = query.get("videoId", "")
            if video_id not in stand.videos:
                self._error(404, "videoNotFound", "no such video")
                return
            if self.headers.get("Content-Type") not in ("image/jpeg", "image/png") or not data:
                self._error(400, "mediaBodyRequired", "an image is needed")
                return
            with stand.lock:
                stand.thumbnails[video_id] = data
            self._json(
                200,
                {
                    "kind": "youtube#thumbnailSetResponse",
                    "items": [{"default": {"url": f"{stand.url}/vi/{video_id}.jpg"}}],
                },
            )

        # -- the API proper

        def _api(self, method: str, name: str, query: dict[str, str]) -> None:
            if not self._authorized():
                return
            body = json.loads(self._body() or b"{}")
            if name == "videos" and method == "GET":
                ids = [i for i in query.get("id", "").split(",") if i in stand.videos]
                items = [stand.part(i, query.get("part", "")) for i in ids]
                self._json(200, {"kind": "youtube#videoListResponse", "items": items})
            elif name == "videos" and method == "PUT":
                video = stand.videos.get(body.get("id", ""))
                if video is None:
                    self._error(404, "videoNotFound", "no such video")
                    return
                for part in query.get("part", "").split(","):
                    if part == "status":
                        # Like YouTube: the part is replaced, omitted fields go to defaults.
                        status = {
                            "license": "youtube",
                            "embeddable": True,
                            "publicStatsViewable": True,
                        }
                        status.update(body.get("status") or {})
                        status["uploadStatus"] = video["status"]["uploadStatus"]
                        video["status"] = status
                    elif part in body:
                        video[part] = body[part]
                self._json(200, stand.part(video["id"], query.get("part", "")))
            elif name == "videos" and method == "DELETE":
                video_id = query.get("id", "")
                with stand.lock:
                    gone = stand.videos.pop(video_id, None)
                    stand.files.pop(video_id, None)
                    for items in stand.playlists.values():
                        while video_id in items:
                            items.remove(video_id)
                if gone is None:
                    self._error(404, "videoNotFound", "no such video")
                else:
                    self._send(204)
            elif name == "search" and method == "GET":
                if query.get("forMine") == "true" and query.get("type") != "video":
                    self._error(400, "invalidSearchFilter", "forMine needs type=video")
                    return
                words = query.get("q", "").lower().split()
                items = []
                for video_id, video in stand.videos.items():
                    snippet = video["snippet"]
                    text = " ".join(
                        [
                            snippet.get("title", ""),
                            snippet.get("description", ""),
                            *snippet.get("tags", []),
                        ]
                    ).lower()
                    if all(w in text for w in words):
                        items.append(
                            {
                                "kind": "youtube#searchResult",
                                "id": {"kind": "youtube#video", "videoId": video_id},
                                "snippet": {"title": snippet.get("title", "")},
                            }
                        )
                self._json(200, {"kind": "youtube#searchListResponse", "items": items})
            elif name == "playlistItems" and method == "GET":
                items = stand.playlists.get(query.get("playlistId", ""))
                if items is None:
                    self._error(404, "playlistNotFound", "no such playlist")
                    return
                wanted = query.get("videoId")
                found = [v for v in items if wanted in (None, v)]
                self._json(
                    200,
                    {
                        "items": [
                            {
                                "id": f"PI{v}",
                                "snippet": {"resourceId": {"kind": "youtube#video", "videoId": v}},
                            }
                            for v in found
                        ]
                    },
                )
            elif name == "playlistItems" and method == "POST":
                snippet = body.get("snippet") or {}
                items = stand.playlists.get(snippet.get("playlistId", ""))
                video_id = (snippet.get("resourceId") or {}).get("videoId", "")
                if items is None:
                    self._error(404, "playlistNotFound", "no such playlist")
                    return
                if video_id not in stand.videos:
                    self._error(404, "videoNotFound", "no such video")
                    return
                items.append(video_id)
                self._json(
                    200, {"kind": "youtube#playlistItem", "id": f"PI{video_id}", "snippet": snippet}
                )
            else:
                self._error(404, "notFound", f"no {method} {name}")

    return Handler


@contextmanager
def youtube_standin() -> Iterator[YouTubeStandIn]:
    """A running stand-in; yields its state (its `url` is the base to point options at)."""
    stand = YouTubeStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand))
    server.daemon_threads = True
    stand.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def options(stand: YouTubeStandIn, **more: str) -> dict[str, str]:
    """A YouTube target's options pointing at `stand`."""
    return {
        "client_id": CLIENT_ID,
        "oauth_url": f"{stand.url}/o/oauth2/v2/auth",
        "token_url": f"{stand.url}/token",
        "api_url": f"{stand.url}/youtube/v3",
        "upload_url": f"{stand.url}/upload/youtube/v3",
        **more,
    }


__all__ = ["CLIENT_ID", "CLIENT_SECRET", "YouTubeStandIn", "options", "youtube_standin"]
