"""An archive.org stand-in: a real HTTP server on 127.0.0.1 speaking what the publisher uses.

The Metadata API (GET /metadata/ID: `{}` for no item, else metadata, files and
`pending_tasks`; POST /metadata/ID with a form `-patch` of JSON-Patch operations on the
metadata) and the S3-like API under /s3 (PUT /s3/ID/NAME makes the item from its
`x-archive-metaNN-FIELD` headers when `x-archive-auto-make-bucket` is set, checks
`Authorization: LOW access:secret` (metadata writes: `access`/`secret` form fields)
and `Content-MD5`, and lists the file with its size and MD5; DELETE /s3/ID/NAME removes
it). Point the publisher at it with
`archive_url=<url>` and `s3_url=<url>/s3`.

Faults a test can inject:
  `drop_at(fraction)`  cut the next upload once that fraction of its body arrived (no answer)
  `fail_next(n)`       answer the next `n` S3 PUTs with 503 SlowDown (Retry-After: 0), after
                       reading their bodies as archive.org does
  `keys`               the only (access, secret) accepted: others get 403 InvalidAccessKeyId
Counters: `bytes_received` (upload body bytes that reached the server), `puts`, `deletes`.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

META_HEADER = re.compile(r"^x-archive-meta(\d\d)-(.+)$", re.IGNORECASE)
READ_BLOCK = 1 << 16


@dataclass
class Item:
    metadata: dict[str, Any]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)


class ArchiveStandIn:
    """The server's state; `url` once started."""

    def __init__(self, keys: tuple[str, str] = ("ACCESS", "SECRET")) -> None:
        self.keys = keys
        self.items: dict[str, Item] = {}
        self.bytes_received = 0
        self.puts = 0
        self.deletes = 0
        self.pending_tasks = False
        self._drop_at: float | None = None
        self._fail_next = 0
        self.lock = threading.Lock()
        self.url = ""

    def drop_at(self, fraction: float) -> None:
        self._drop_at = fraction

    def fail_next(self, count: int) -> None:
        self._fail_next = count

    def metadata_json(self, identifier: str) -> dict[str, Any]:
        item = self.items.get(identifier)
        if item is None:
            return {}
        system = {
            "name": f"{identifier}_meta.xml",
            "source": "metadata",
            "format": "Metadata",
            "size": "900",
            "md5": "0" * 32,
        }
        return {
            "metadata": dict(item.metadata),
            "files": [system, *item.files.values()],
            "pending_tasks": self.pending_tasks,
        }


def _meta_from_headers(headers: Any) -> dict[str, Any]:
    found: dict[str, list[tuple[int, str]]] = {}
    for name, value in headers.items():
        match = META_HEADER.match(name)
        if not match:
            continue
        key = match.group(2).lower().replace("--", "_")
        if value.startswith("uri(") and value.endswith(")"):
            value = unquote(value[4:-1])
        found.setdefault(key, []).append((int(match.group(1)), value))
    metadata: dict[str, Any] = {}
    for key, values in found.items():
        ordered = [v for _, v in sorted(values)]
        metadata[key] = ordered[0] if len(ordered) == 1 else ordered
    return metadata


def _apply_patch(metadata: dict[str, Any], patch: list[dict[str, Any]]) -> None:
    for op in patch:
        parts = op["path"].strip("/").split("/")
        key = parts[0]
        if len(parts) == 1:
            if op["op"] == "remove":
                metadata.pop(key, None)
            else:
                metadata[key] = op["value"]
            continue
        values = metadata.get(key, [])
        values = [values] if isinstance(values, str) else list(values)
        index = int(parts[1]) if parts[1] != "-" else len(values)
        if op["op"] == "remove":
            del values[index]
        elif op["op"] == "add":
            values.insert(index, op["value"])
        else:
            values[index] = op["value"]
        metadata[key] = values


def _handler(state: ArchiveStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def _send(
            self, status: int, body: bytes, kind: str = "application/json", **extra: str
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def _s3_error(self, status: int, code: str, **extra: str) -> None:
            body = f"<?xml version='1.0'?><Error><Code>{code}</Code></Error>".encode()
            self._send(status, body, "application/xml", **extra)

        def _authorised(self) -> bool:
            access, secret = state.keys
            return self.headers.get("Authorization", "") == f"LOW {access}:{secret}"

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path.startswith("/metadata/"):
                identifier = path.split("/")[2]
                with state.lock:
                    data = state.metadata_json(identifier)
                self._send(200, json.dumps(data).encode())
                return
            self._send(404, b"{}")

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            if not path.startswith("/metadata/"):
                self._send(404, b"{}")
                return
            # Metadata writes carry the keys in the form, not in a header.
            access, secret = state.keys
            if form.get("access") != [access] or form.get("secret") != [secret]:
                self._send(403, json.dumps({"success": False, "error": "bad keys"}).encode())
                return
            identifier = path.split("/")[2]
            with state.lock:
                item = state.items.get(identifier)
                if item is None:
                    self._send(404, json.dumps({"success": False}).encode())
                    return
                _apply_patch(item.metadata, json.loads(form["-patch"][0]))
            self._send(200, json.dumps({"success": True}).encode())

        def do_PUT(self) -> None:
            parts = urlsplit(self.path).path.split("/")
            if len(parts) < 4 or parts[1] != "s3":
                self._send(404, b"{}")
                return
            identifier, name = parts[2], unquote("/".join(parts[3:]))
            length = int(self.headers.get("Content-Length") or 0)
            drop = state._drop_at
            cut = int(length * drop) if drop is not None else None
            digest = hashlib.md5()
            received = 0
            while received < length:
                want = min(READ_BLOCK, length - received)
                if cut is not None:
                    want = min(want, cut - received)
                    if want <= 0:
                        state._drop_at = None
                        # The network cut: what arrived stays counted, nobody answers.
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                block = self.rfile.read(want)
                if not block:
                    return
                received += len(block)
                digest.update(block)
                with state.lock:
                    state.bytes_received += len(block)
            with state.lock:
                state.puts += 1
                if state._fail_next > 0:
                    state._fail_next -= 1
                    self._s3_error(503, "SlowDown", Retry_After="0")
                    return
            if not self._authorised():
                self._s3_error(403, "InvalidAccessKeyId")
                return
            claimed = self.headers.get("Content-MD5")
            if claimed and claimed != digest.hexdigest():
                self._s3_error(400, "BadDigest")
                return
            with state.lock:
                item = state.items.get(identifier)
                if item is None:
                    if self.headers.get("x-archive-auto-make-bucket") != "1":
                        self._s3_error(404, "NoSuchBucket")
                        return
                    item = Item(
                        metadata={"identifier": identifier, **_meta_from_headers(self.headers)}
                    )
                    state.items[identifier] = item
                item.files[name] = {
                    "name": name,
                    "source": "original",
                    "size": str(received),
                    "md5": digest.hexdigest(),
                    "format": "MPEG4" if name.endswith(".mp4") else "Unknown",
                }
            self._send(200, b"", "text/plain")

        def do_DELETE(self) -> None:
            parts = urlsplit(self.path).path.split("/")
            if len(parts) < 4 or parts[1] != "s3":
                self._send(404, b"{}")
                return
            if not self._authorised():
                self._s3_error(403, "InvalidAccessKeyId")
                return
            identifier, name = parts[2], unquote("/".join(parts[3:]))
            with state.lock:
                item = state.items.get(identifier)
                if item is None or name not in item.files:
                    self._s3_error(404, "NoSuchKey")
                    return
                del item.files[name]
                state.deletes += 1
            self._send(204, b"", "text/plain")

    return Handler


@contextmanager
def archive_standin(keys: tuple[str, str] = ("ACCESS", "SECRET")) -> Iterator[ArchiveStandIn]:
    """A running stand-in; its `url` is the archive_url (s3_url is url + "/s3")."""
    state = ArchiveStandIn(keys)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
