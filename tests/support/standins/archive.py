"""An archive.org stand-in: a real HTTP server on 127.0.0.1 speaking what the publisher uses.

The Metadata API (GET /metadata/ID: `{}` for no item, else metadata, files and
created; POST /metadata/ID with a form `-patch` of JSON-Patch operations on the
metadata) and the S3-like API under /s3 (PUT /s3/ID/NAME makes the item from its
`x-archive-metaNN-FIELD` headers when `x-archive-auto-make-bucket` is set, checks
`Authorization: LOW access:secret` (metadata writes: `access`/`secret` form fields)
and `Content-MD5`, and lists the file with its size and MD5; DELETE /s3/ID/NAME removes
it). Point the publisher at it with
`archive_url=<url>` and `s3_url=<url>/s3`.

The S3 multipart upload too: POST /s3/ID/NAME?uploads (the item's metadata headers go
there) answers an UploadId; PUT ...?partNumber=N&uploadId=U answers the part's MD5 as
its ETag; GET ...?uploadId=U lists the parts held (paged by `max-parts`, default 1000);
POST ...?uploadId=U with the part list assembles the file; DELETE ...?uploadId=U aborts.

The Tasks API's summary (GET /services/tasks.php?identifier=ID&summary=1): files waiting
to be filed (see `filing`) count as queued tasks.

Faults a test can inject:
  `drop_after(nbytes)` cut the connection once `nbytes` more upload bytes arrived, keeping
                       them (a part cut short is not kept, as S3 does), answering nothing
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
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

META_HEADER = re.compile(r"^x-archive-meta(\d\d)-(.+)$", re.IGNORECASE)
READ_BLOCK = 1 << 16
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


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
        # While `filing`, uploads wait in `staged` (counted as queued tasks) until
        # `file_staged()`, as archive.org lists a file only once its task ran.
        self.filing = False
        self.staged: dict[str, dict[str, dict[str, Any]]] = {}
        self._drop_after: int | None = None
        self.uploads: dict[str, dict[str, Any]] = {}
        self._fail_next = 0
        self.lock = threading.Lock()
        self.url = ""

    def drop_after(self, nbytes: int) -> None:
        self._drop_after = self.bytes_received + nbytes

    def fail_next(self, count: int) -> None:
        self._fail_next = count

    def file_staged(self) -> None:
        with self.lock:
            for identifier, files in self.staged.items():
                self.items[identifier].files.update(files)
            self.staged.clear()

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
            if path == "/services/tasks.php":
                self._tasks()
                return
            if path.startswith("/s3/"):
                target = self._target()
                if target is not None:
                    self._list_parts(target[2])
                return
            if path.startswith("/metadata/"):
                identifier = path.split("/")[2]
                with state.lock:
                    data = state.metadata_json(identifier)
                self._send(200, json.dumps(data).encode())
                return
            self._send(404, b"{}")

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            if path.startswith("/s3/"):
                target = self._target()
                if target is not None:
                    self._s3_post(*target)
                return
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

        def _read_body(self, upload: bool = True) -> tuple[bytes, bool]:
            """The request body (an upload's counted as it arrives); False when cut."""
            length = int(self.headers.get("Content-Length") or 0)
            chunks: list[bytes] = []
            received = 0
            while received < length:
                want = min(READ_BLOCK, length - received)
                with state.lock:
                    cut = state._drop_after if upload else None
                    if cut is not None:
                        want = min(want, cut - state.bytes_received)
                        if want <= 0:
                            state._drop_after = None
                if cut is not None and want <= 0:
                    # The network cut: what arrived stays counted, nobody answers.
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return b"", False
                block = self.rfile.read(want)
                if not block:
                    return b"", False
                received += len(block)
                chunks.append(block)
                if upload:
                    with state.lock:
                        state.bytes_received += len(block)
            return b"".join(chunks), True

        def _slow_down(self) -> bool:
            with state.lock:
                state.puts += 1
                if state._fail_next > 0:
                    state._fail_next -= 1
                    self._s3_error(503, "SlowDown", Retry_After="0")
                    return True
            return False

        def _target(self) -> tuple[str, str, dict[str, list[str]]] | None:
            split = urlsplit(self.path)
            parts = split.path.split("/")
            if len(parts) < 4 or parts[1] != "s3":
                self._send(404, b"{}")
                return None
            query = parse_qs(split.query, keep_blank_values=True)
            return parts[2], unquote("/".join(parts[3:])), query

        def _file_in(self, identifier: str, name: str, data: bytes, headers: Any) -> bool:
            """Put `data` in the item (made from `headers` if new); False if no bucket."""
            with state.lock:
                item = state.items.get(identifier)
                if item is None:
                    if headers.get("x-archive-auto-make-bucket") != "1":
                        return False
                    metadata = {"identifier": identifier, **_meta_from_headers(headers)}
                    item = Item(metadata=metadata)
                    state.items[identifier] = item
                entry = {
                    "name": name,
                    "source": "original",
                    "size": str(len(data)),
                    "md5": hashlib.md5(data).hexdigest(),
                    "format": "MPEG4" if name.endswith(".mp4") else "Unknown",
                }
                if state.filing:
                    state.staged.setdefault(identifier, {})[name] = entry
                else:
                    item.files[name] = entry
            return True

        def do_PUT(self) -> None:
            target = self._target()
            if target is None:
                return
            identifier, name, query = target
            data, whole = self._read_body()
            if not whole or self._slow_down():
                return
            if not self._authorised():
                self._s3_error(403, "InvalidAccessKeyId")
                return
            if "uploadId" in query:
                with state.lock:
                    upload = state.uploads.get(query["uploadId"][0])
                    if upload is None:
                        self._s3_error(404, "NoSuchUpload")
                        return
                    upload["parts"][int(query["partNumber"][0])] = data
                etag = hashlib.md5(data).hexdigest()
                self._send(200, b"", "text/plain", ETag=f'"{etag}"')
                return
            claimed = self.headers.get("Content-MD5")
            if claimed and claimed != hashlib.md5(data).hexdigest():
                self._s3_error(400, "BadDigest")
                return
            if not self._file_in(identifier, name, data, self.headers):
                self._s3_error(404, "NoSuchBucket")
                return
            self._send(200, b"", "text/plain")

        def _s3_post(self, identifier: str, name: str, query: dict[str, list[str]]) -> None:
            data, whole = self._read_body(upload=False)
            if not whole:
                return
            if not self._authorised():
                self._s3_error(403, "InvalidAccessKeyId")
                return
            if "uploads" in query:
                upload_id = uuid.uuid4().hex
                with state.lock:
                    state.uploads[upload_id] = {
                        "identifier": identifier,
                        "name": name,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "parts": {},
                    }
                xml = (
                    f"<InitiateMultipartUploadResult xmlns='{S3_NS}'><Bucket>{identifier}"
                    f"</Bucket><Key>{name}</Key><UploadId>{upload_id}</UploadId>"
                    "</InitiateMultipartUploadResult>"
                )
                self._send(200, xml.encode(), "application/xml")
                return
            with state.lock:
                upload = state.uploads.get(query.get("uploadId", [""])[0])
            if upload is None:
                self._s3_error(404, "NoSuchUpload")
                return
            listed = [
                (int(number), etag.strip('"'))
                for number, etag in re.findall(
                    r"<PartNumber>(\d+)</PartNumber>\s*<ETag>([^<]*)</ETag>", data.decode()
                )
            ]
            parts = upload["parts"]
            if [n for n, _ in listed] != sorted(parts) or any(
                hashlib.md5(parts[n]).hexdigest() != etag for n, etag in listed
            ):
                self._s3_error(400, "InvalidPart")
                return
            whole_file = b"".join(parts[n] for n, _ in listed)
            if not self._file_in(identifier, name, whole_file, upload["headers"]):
                self._s3_error(404, "NoSuchBucket")
                return
            with state.lock:
                state.uploads.pop(query["uploadId"][0], None)
            xml = (
                f"<CompleteMultipartUploadResult xmlns='{S3_NS}'><Key>{name}</Key>"
                "</CompleteMultipartUploadResult>"
            )
            self._send(200, xml.encode(), "application/xml")

        def _tasks(self) -> None:
            if not self._authorised():
                self._send(403, json.dumps({"success": False, "error": "bad keys"}).encode())
                return
            query = parse_qs(urlsplit(self.path).query)
            identifier = query.get("identifier", [""])[0]
            with state.lock:
                queued = len(state.staged.get(identifier, {}))
            summary = {"queued": queued, "running": 0, "error": 0, "paused": 0}
            body = {"success": True, "value": {"summary": summary}}
            self._send(200, json.dumps(body).encode())

        def _list_parts(self, query: dict[str, list[str]]) -> None:
            if not self._authorised():
                self._s3_error(403, "InvalidAccessKeyId")
                return
            with state.lock:
                upload = state.uploads.get(query.get("uploadId", [""])[0])
                parts = dict(upload["parts"]) if upload else None
            if parts is None:
                self._s3_error(404, "NoSuchUpload")
                return
            marker = int(query.get("part-number-marker", ["0"])[0] or 0)
            most = int(query.get("max-parts", ["1000"])[0])
            numbers = [n for n in sorted(parts) if n > marker]
            page, rest = numbers[:most], numbers[most:]
            listed = "".join(
                f'<Part><PartNumber>{n}</PartNumber><ETag>"{hashlib.md5(parts[n]).hexdigest()}"'
                f"</ETag><Size>{len(parts[n])}</Size></Part>"
                for n in page
            )
            truncated = "true" if rest else "false"
            following = f"<NextPartNumberMarker>{page[-1]}</NextPartNumberMarker>" if page else ""
            xml = (
                f"<ListPartsResult xmlns='{S3_NS}'><IsTruncated>{truncated}</IsTruncated>"
                f"{following}{listed}</ListPartsResult>"
            )
            self._send(200, xml.encode(), "application/xml")

        def do_DELETE(self) -> None:
            parts = urlsplit(self.path).path.split("/")
            if len(parts) < 4 or parts[1] != "s3":
                self._send(404, b"{}")
                return
            if not self._authorised():
                self._s3_error(403, "InvalidAccessKeyId")
                return
            identifier, name = parts[2], unquote("/".join(parts[3:]))
            query = parse_qs(urlsplit(self.path).query)
            if "uploadId" in query:
                with state.lock:
                    gone = state.uploads.pop(query["uploadId"][0], None)
                if gone is None:
                    self._s3_error(404, "NoSuchUpload")
                else:
                    self._send(204, b"", "text/plain")
                return
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
