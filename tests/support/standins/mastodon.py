"""A Mastodon instance on 127.0.0.1 that speaks what Mastodon.py calls for an announcement.

Endpoints: `GET /api/v1/instance` and `/api/v2/instance` (the version check),
`GET /api/v1/accounts/verify_credentials`, `POST /api/v1/statuses` (form or JSON body,
honouring `Idempotency-Key` as Mastodon does: the same key from the same account returns
the status made the first time), `GET /api/v1/accounts/<id>/statuses`,
`GET|DELETE /api/v1/statuses/<id>`. Statuses are stored in memory, content as HTML the way
Mastodon renders it (paragraphs, links as anchors).

Faults, set on the instance before a request: `fail_next` (HTTP statuses answered to the
next requests, e.g. [503] or [429]), `fail_after_post` (the next status is created but the
answer is a 502, as when a proxy loses the response), `token` (the only bearer accepted;
set it to something else to make the client's token invalid).
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

VERSION = "4.3.2"
ACCOUNT_ID = "109000000000000001"
_URL = re.compile(r"https?://[^\s<>\"]+")


def status_html(text: str) -> str:
    """Plain text as Mastodon renders it: paragraphs, line breaks, links as anchors."""
    paragraphs = []
    for para in re.split(r"\n{2,}", text.strip()):
        escaped = html.escape(para, quote=False)
        linked = _URL.sub(
            lambda m: (
                f'<a href="{m.group(0)}" rel="nofollow noopener" target="_blank">{m.group(0)}</a>'
            ),
            escaped,
        )
        paragraphs.append("<p>" + linked.replace("\n", "<br />") + "</p>")
    return "".join(paragraphs)


@dataclass
class MastodonStandin:
    base_url: str = ""
    token: str = "good-token"
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # idempotency key -> status id
    posts_received: int = 0  # POST /api/v1/statuses requests, answered or not
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    headers_seen: list[dict[str, str]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    fail_after_post: int = 0
    max_characters: int = 500  # what /api/v2/instance says a post may hold
    lock: threading.Lock = field(default_factory=threading.Lock)
    _next_id: int = 110000000000000000

    def account(self) -> dict[str, Any]:
        return {
            "id": ACCOUNT_ID,
            "username": "talks",
            "acct": "talks",
            "display_name": "PyConf talks",
            "url": f"{self.base_url}/@talks",
            "created_at": "2025-01-01T00:00:00.000Z",
            "locked": False,
            "bot": True,
            "note": "",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": len(self.statuses),
            "source": {"privacy": "public", "sensitive": False, "language": "", "note": ""},
        }

    def instance(self, v2: bool) -> dict[str, Any]:
        common: dict[str, Any] = {
            "title": "Stand-in",
            "version": VERSION,
            "description": "",
            "languages": ["en"],
        }
        if v2:
            return {
                **common,
                "domain": "127.0.0.1",
                "api_versions": {"mastodon": 2},
                "configuration": {"statuses": {"max_characters": self.max_characters}},
            }
        return {**common, "uri": "127.0.0.1", "urls": {}, "stats": {}}

    def make_status(self, form: dict[str, str]) -> dict[str, Any]:
        self._next_id += 1
        sid = str(self._next_id)
        status: dict[str, Any] = {
            "id": sid,
            "uri": f"{self.base_url}/users/talks/statuses/{sid}",
            "url": f"{self.base_url}/@talks/{sid}",
            "created_at": (datetime.now(UTC) - timedelta(seconds=1)).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z"
            ),
            "content": status_html(form.get("status", "")),
            "text": form.get("status", ""),  # what was sent (Mastodon keeps it for edits)
            "visibility": form.get("visibility") or "public",
            "language": form.get("language") or None,
            "sensitive": False,
            "spoiler_text": form.get("spoiler_text", ""),
            "account": self.account(),
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "reblog": None,
            "in_reply_to_id": None,
        }
        self.statuses[sid] = status
        return status

    def handle(
        self, method: str, path: str, query: dict[str, str], form: dict[str, str], headers: Any
    ) -> tuple[int, Any]:
        with self.lock:
            self.requests.append((method, path))
            self.headers_seen.append(dict(headers.items()))
            if method == "POST" and path == "/api/v1/statuses":
                self.posts_received += 1
            if self.fail_next:
                code = self.fail_next.pop(0)
                return code, {"error": f"injected {code}"}
            if path in ("/api/v1/instance", "/api/v2/instance"):
                return 200, self.instance(path.startswith("/api/v2"))
            if headers.get("Authorization") != f"Bearer {self.token}":
                return 401, {"error": "The access token is invalid"}
            if path == "/api/v1/accounts/verify_credentials" and method == "GET":
                return 200, self.account()
            if path == "/api/v1/statuses" and method == "POST":
                if not form.get("status", "").strip():
                    return 422, {"error": "Validation failed: Text can't be blank"}
                key = headers.get("Idempotency-Key")
                if key and key in self.keys and self.keys[key] in self.statuses:
                    return 200, self.statuses[self.keys[key]]
                status = self.make_status(form)
                if key:
                    self.keys[key] = status["id"]
                if self.fail_after_post:
                    self.fail_after_post -= 1
                    return 502, {"error": "Bad gateway"}
                return 200, status
            if match := re.fullmatch(r"/api/v1/accounts/([^/]+)/statuses", path):
                if match.group(1) != ACCOUNT_ID:
                    return 404, {"error": "Record not found"}
                limit = int(query.get("limit", "20"))
                newest = sorted(self.statuses.values(), key=lambda s: int(s["id"]), reverse=True)
                return 200, newest[:limit]
            if match := re.fullmatch(r"/api/v1/statuses/([^/]+)", path):
                found = self.statuses.get(match.group(1))
                if found is None:
                    return 404, {"error": "Record not found"}
                if method == "DELETE":
                    del self.statuses[match.group(1)]
                return 200, found
            return 404, {"error": "Record not found"}


@contextmanager
def mastodon_standin() -> Iterator[MastodonStandin]:
    """A running stand-in; its `base_url` is the instance URL to configure."""
    standin = MastodonStandin()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            form: dict[str, str] = {}
            if body and "json" in (self.headers.get("Content-Type") or ""):
                form = {k: "" if v is None else str(v) for k, v in json.loads(body).items()}
            elif body:
                form = {
                    k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()
                }
            path = parts.path.rstrip("/") or "/"  # Rails routes ignore a trailing slash
            code, payload = standin.handle(self.command, path, query, form, self.headers)
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if code == 429:
                reset = datetime.now(UTC) + timedelta(seconds=1)
                self.send_header("X-RateLimit-Limit", "300")
                self.send_header("X-RateLimit-Remaining", "0")
                self.send_header("X-RateLimit-Reset", reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
            if code == 503:
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    standin.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
