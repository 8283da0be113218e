"""A PeerTube stand-in: a real HTTP server on 127.0.0.1 speaking the parts of api/v1 we use.

OAuth (oauth-clients/local, users/token with the password and refresh_token grants), channel
lookup (video-channels/NAME), the account's videos filtered by tag (users/me/videos), the
resumable upload (POST upload-resumable opens a session, PUT with Content-Range sends
chunks answered 308 + Range, `bytes */n` asks the offset, the last chunk answers 200 with
the video), GET/PUT/DELETE videos/ID and GET videos/ID/source. Upload bytes are kept in a
file per session as they arrive, as node-uploadx's disk store does, so a cut chunk keeps
what reached the server.

Faults a test can inject:
  `drop_at(fraction)`   cut the connection once the upload bodies reach `fraction` of the
                        file (the server keeps what arrived, then closes without answering)
  `fail_next(n, 503)`   answer the next `n` chunk PUTs with that status (and Retry-After)
  `expire_tokens()`     every access token issued so far answers 401 invalid_token
  `forget_sessions()`   upload sessions vanish (PeerTube drops them after an idle hour);
                        with `always=True` every new one vanishes too
A duplicate run needs no fault: the second run must find the video and send nothing.

Counters: `bytes_received` (upload body bytes that reached the server, including chunks
later refused), `drops`, `sessions_opened`, `token_grants` (grant_type -> count), `requests`.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid as uuid_module
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

PRIVACY_LABELS = {1: "Public", 2: "Unlisted", 3: "Private"}
READ_BLOCK = 1 << 20


@dataclass
class Session:
    upload_id: str
    size: int
    meta: dict[str, Any]
    path: Path
    received: int = 0
    video_uuid: str = ""


@dataclass
class Video:
    id: int
    uuid: str
    short_uuid: str
    name: str
    channel_id: int
    privacy: int
    description: str = ""
    tags: list[str] = field(default_factory=list)
    licence: int | None = None
    language: str | None = None
    size: int = 0
    duration: int = 0
    filename: str = ""
    thumbnail: bytes = b""


class PeerTubeStandIn:
    """State and faults of one stand-in instance; `serving()` runs it."""

    def __init__(self, folder: Path, *, username: str = "crew", password: str = "s3cret"):
        self.folder = folder
        self.username, self.password = username, password
        self.two_factor = False  # the account asks an OTP (x-peertube-otp) at login
        self.client_id = "client-" + secrets.token_hex(4)
        self.client_secret = secrets.token_hex(8)
        self.channels = {"conference": 7}
        self.access: dict[str, bool] = {}  # token -> still valid
        self.refresh: set[str] = set()
        self.sessions: dict[str, Session] = {}
        self.videos: dict[str, Video] = {}  # uuid -> video
        self.next_id = 1
        self.lock = threading.Lock()
        self.base_url = ""
        # counters
        self.bytes_received = 0
        self.sessions_opened = 0
        self.drops = 0
        self.token_grants: dict[str, int] = {}
        self.requests: list[tuple[str, str]] = []
        # faults
        self._drop_at: float | None = None
        self._fail: list[tuple[int, str]] = []
        self._forget_always = False
        # the benchmark turns this off: ffprobe of a 200 MB file is not upload time
        self.probe_duration = True

    # -- faults ------------------------------------------------------------------------------

    def drop_at(self, fraction: float) -> None:
        self._drop_at = fraction

    def fail_next(self, times: int, status: int = 503, retry_after: str = "0") -> None:
        self._fail.extend([(status, retry_after)] * times)

    def expire_tokens(self) -> None:
        with self.lock:
            for token in self.access:
                self.access[token] = False

    def forget_sessions(self, *, always: bool = False) -> None:
        """Drop the open sessions (`always`: every later one too, at its first chunk)."""
        with self.lock:
            self.sessions.clear()
            self._forget_always = always

    # -- helpers for tests ---------------------------------------------------------------------

    def video(self, remote_id: str) -> Video:
        return self._find(remote_id) or _raise(KeyError(remote_id))

    def received_file(self, remote_id: str) -> bytes:
        video = self.video(remote_id)
        return (self.folder / f"{video.uuid}.bin").read_bytes()

    def _find(self, remote_id: str) -> Video | None:
        for video in self.videos.values():
            if remote_id in (video.uuid, video.short_uuid, str(video.id)):
                return video
        return None

    def _issue_tokens(self, grant: str) -> dict[str, Any]:
        access, refresh = secrets.token_hex(12), secrets.token_hex(12)
        with self.lock:
            self.access[access] = True
            self.refresh.add(refresh)
            self.token_grants[grant] = self.token_grants.get(grant, 0) + 1
        return {
            "token_type": "Bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": 86400,
            "refresh_token_expires_in": 1209600,
        }

    def _finish(self, session: Session) -> Video:
        """The last byte arrived: the session's file becomes a video."""
        with self.lock:
            video_id = self.next_id
            self.next_id += 1
        video_uuid = str(uuid_module.uuid4())
        meta = session.meta
        video = Video(
            id=video_id,
            uuid=video_uuid,
            short_uuid=secrets.token_urlsafe(16)[:22],
            name=str(meta["name"]),
            channel_id=int(meta["channelId"]),
            privacy=int(meta.get("privacy", 1)),
            description=str(meta.get("description", "")),
            tags=list(meta.get("tags", [])),
            licence=meta.get("licence"),
            language=meta.get("language"),
            size=session.received,
            filename=str(meta.get("filename", "")),
        )
        final = self.folder / f"{video_uuid}.bin"
        session.path.rename(final)
        if self.probe_duration:
            video.duration = _probe_seconds(final)
        self.videos[video_uuid] = video
        session.video_uuid = video_uuid
        return video

    def details(self, video: Video) -> dict[str, Any]:
        return {
            "id": video.id,
            "uuid": video.uuid,
            "shortUUID": video.short_uuid,
            "name": video.name,
            "description": video.description,
            "tags": video.tags,
            "privacy": {"id": video.privacy, "label": PRIVACY_LABELS.get(video.privacy, "")},
            "licence": {"id": video.licence, "label": ""},
            "language": {"id": video.language, "label": ""},
            "duration": video.duration,
            "isLocal": True,
            "state": {"id": 1, "label": "Published"},
            "channel": {"id": video.channel_id},
            # A transcoded rendition: never the size of the upload (as on a real instance).
            "files": [
                {
                    "resolution": {"id": 720, "label": "720p"},
                    "size": max(1, video.size // 2),
                    "fileUrl": f"{self.base_url}/static/web-videos/{video.uuid}-720.mp4",
                }
            ],
            "thumbnailPath": f"/lazy-static/thumbnails/{video.uuid}.jpg",
        }


def _raise(error: Exception) -> Any:
    raise error


def _probe_seconds(path: Path) -> int:
    ffprobe = shutil.which("ffprobe")
    if not ffprobe:
        return 0
    done = subprocess.run(
        [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return round(float(done.stdout.strip()))
    except ValueError:
        return 0  # not a video (a benchmark's random bytes)


def _handler(peertube: PeerTubeStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real instance behind nginx
        # Headers and body go out in two writes: with Nagle on, the body would wait for the
        # client's delayed ACK (40 ms per answer), which a real instance does not add.
        disable_nagle_algorithm = True

        def log_message(self, *_args: Any) -> None:
            pass

        # -- plumbing ----------------------------------------------------------------------

        def _send(
            self, status: int, body: Any = None, headers: dict[str, str] | None = None
        ) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _drain(self) -> int:
            left = int(self.headers.get("Content-Length") or 0)
            total = 0
            while left > 0:
                block = self.rfile.read(min(READ_BLOCK, left))
                if not block:
                    break
                left -= len(block)
                total += len(block)
            return total

        def _authorized(self) -> bool:
            header = self.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ").strip()
            if header.startswith("Bearer ") and peertube.access.get(token):
                return True
            self._drain()
            code = "invalid_token" if token in peertube.access else "unauthorized"
            self._send(401, {"code": code, "error": "Invalid token", "status": 401})
            return False

        def _route(self) -> tuple[str, dict[str, list[str]]]:
            parts = urlsplit(self.path)
            peertube.requests.append((self.command, parts.path))
            return parts.path, parse_qs(parts.query)

        # -- verbs ---------------------------------------------------------------------------

        def do_GET(self) -> None:
            path, query = self._route()
            if path == "/api/v1/oauth-clients/local":
                body = {"client_id": peertube.client_id, "client_secret": peertube.client_secret}
                return self._send(200, body)
            if path.startswith("/api/v1/video-channels/"):
                name = path.rsplit("/", 1)[1]
                if name not in peertube.channels:
                    return self._send(404, {"detail": "Video channel not found"})
                return self._send(200, {"id": peertube.channels[name], "name": name})
            if not self._authorized():
                return None
            if path == "/api/v1/users/me/videos":
                wanted = {t.lower() for t in query.get("tagsOneOf", [])}
                found = [
                    v
                    for v in peertube.videos.values()
                    if not wanted or wanted & {t.lower() for t in v.tags}
                ]
                # List items carry no tags (as on PeerTube): a client must read details.
                data = [{"id": v.id, "uuid": v.uuid, "name": v.name} for v in found]
                return self._send(200, {"total": len(data), "data": data})
            if path.startswith("/api/v1/videos/"):
                rest = path.removeprefix("/api/v1/videos/").split("/")
                video = peertube._find(rest[0])
                if video is None:
                    return self._send(404, {"detail": "Video not found"})
                if len(rest) == 2 and rest[1] == "source":
                    return self._send(200, {"inputFilename": video.filename, "size": video.size})
                return self._send(200, peertube.details(video))
            return self._send(404, {"detail": "no such route"})

        def do_POST(self) -> None:
            path, _query = self._route()
            if path == "/api/v1/users/token":
                form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
                if (form.get("client_id"), form.get("client_secret")) != (
                    peertube.client_id,
                    peertube.client_secret,
                ):
                    return self._send(400, {"code": "invalid_client"})
                grant = form.get("grant_type", "")
                otp_missing = peertube.two_factor and not self.headers.get("x-peertube-otp")
                if grant == "password" and otp_missing:
                    return self._send(401, {"code": "missing_two_factor"})
                if grant == "password" and (form.get("username"), form.get("password")) == (
                    peertube.username,
                    peertube.password,
                ):
                    return self._send(200, peertube._issue_tokens(grant))
                if grant == "refresh_token" and form.get("refresh_token") in peertube.refresh:
                    peertube.refresh.discard(form["refresh_token"])  # rotated, as PeerTube
                    return self._send(200, peertube._issue_tokens(grant))
                return self._send(400, {"code": "invalid_grant"})
            if path == "/api/v1/videos/upload-resumable":
                if not self._authorized():
                    return None
                meta = json.loads(self._body() or b"{}")
                size = int(self.headers["X-Upload-Content-Length"])
                if not str(meta.get("name", "")) or meta.get("channelId") not in set(
                    peertube.channels.values()
                ):
                    return self._send(400, {"detail": "name and channelId are required"})
                tags = meta.get("tags", [])
                if len(tags) > 5 or any(not 2 <= len(t) <= 30 for t in tags):
                    return self._send(400, {"detail": "tags: at most 5 of 2-30 characters"})
                upload_id = secrets.token_hex(16)
                part = peertube.folder / f"upload-{upload_id}.part"
                part.touch()
                with peertube.lock:
                    peertube.sessions[upload_id] = Session(upload_id, size, meta, part)
                    peertube.sessions_opened += 1
                host = self.headers.get("Host", "")
                # Protocol-relative, as PeerTube answers behind its reverse proxy.
                location = f"//{host}/api/v1/videos/upload-resumable?upload_id={upload_id}"
                return self._send(201, None, {"Location": location})
            return self._send(404, {"detail": "no such route"})

        def do_PUT(self) -> None:
            path, query = self._route()
            if path == "/api/v1/videos/upload-resumable":
                return self._chunk(query)
            if path.startswith("/api/v1/videos/"):
                if not self._authorized():
                    return None
                video = peertube._find(path.removeprefix("/api/v1/videos/"))
                if video is None:
                    self._drain()
                    return self._send(404, {"detail": "Video not found"})
                fields = _multipart(self.headers.get("Content-Type", ""), self._body())
                if "privacy" in fields:
                    video.privacy = int(fields["privacy"])
                if "name" in fields:
                    video.name = fields["name"].decode()
                if "thumbnailfile" in fields:
                    video.thumbnail = fields["thumbnailfile"]
                return self._send(204)
            self._drain()
            return self._send(404, {"detail": "no such route"})

        def do_DELETE(self) -> None:
            path, _query = self._route()
            if not self._authorized():
                return None
            video = peertube._find(path.removeprefix("/api/v1/videos/"))
            if video is None:
                return self._send(404, {"detail": "Video not found"})
            del peertube.videos[video.uuid]
            return self._send(204)

        # -- the resumable upload ---------------------------------------------------------------

        def _chunk(self, query: dict[str, list[str]]) -> None:
            if not self._authorized():
                return None
            if peertube._forget_always:
                peertube.sessions.clear()
            session = peertube.sessions.get((query.get("upload_id") or [""])[0])
            if session is None:
                self._drain()
                return self._send(404, {"detail": "upload not found"})
            if session.video_uuid:  # complete: any further PUT gets the video again
                self._drain()
                return self._done(session)
            content_range = self.headers.get("Content-Range", "")
            if content_range.startswith("bytes */"):
                self._drain()
                return self._offset(session)
            if peertube._fail:
                status, retry_after = peertube._fail.pop(0)
                peertube.bytes_received += self._drain()
                return self._send(status, {"detail": "busy"}, {"Retry-After": retry_after})
            start = int(content_range.removeprefix("bytes ").split("-", 1)[0])
            if start != session.received:
                peertube.bytes_received += self._drain()
                return self._send(409, {"detail": "chunk doesn't match range"})
            left = int(self.headers.get("Content-Length") or 0)
            drop_after: int | None = None
            if peertube._drop_at is not None:
                drop_after = int(session.size * peertube._drop_at) - session.received
            with session.path.open("ab") as out:
                while left > 0:
                    want = min(READ_BLOCK, left)
                    if drop_after is not None and 0 <= drop_after < want:
                        want = drop_after
                    block = self.rfile.read(want) if want else b""
                    out.write(block)
                    session.received += len(block)
                    peertube.bytes_received += len(block)
                    left -= len(block)
                    if drop_after is not None:
                        drop_after -= len(block)
                        if drop_after <= 0:
                            peertube._drop_at = None
                            peertube.drops += 1
                            out.flush()
                            self.close_connection = True
                            self.connection.shutdown(socket.SHUT_RDWR)  # cut, no answer
                            return None
                    if not block:
                        break
            if session.received >= session.size:
                peertube._finish(session)
                return self._done(session)
            return self._offset(session)

        def _offset(self, session: Session) -> None:
            headers = {}
            if session.received:
                headers["Range"] = f"bytes=0-{session.received - 1}"
            return self._send(308, None, headers)

        def _done(self, session: Session) -> None:
            video = peertube.videos.get(session.video_uuid)
            if video is None:
                return self._send(404, {"detail": "upload not found"})
            body = {"video": {"id": video.id, "uuid": video.uuid, "shortUUID": video.short_uuid}}
            return self._send(200, body)

    return Handler


def _multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    """The fields of a multipart/form-data body (name -> bytes)."""
    if not content_type.startswith("multipart/form-data"):
        return {k: v[0].encode() for k, v in parse_qs(body.decode()).items()}
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload
    return fields


@contextmanager
def serving(folder: Path | None = None) -> Iterator[PeerTubeStandIn]:
    """Run a stand-in on 127.0.0.1 (a free port); `.base_url` is its address."""
    with tempfile.TemporaryDirectory(prefix="peertube-standin-") as scratch:
        peertube = PeerTubeStandIn(folder or Path(scratch))
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(peertube))
        server.daemon_threads = True
        peertube.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield peertube
        finally:
            server.shutdown()
            server.server_close()
