"""A voctoweb (media.ccc.de) stand-in: a real HTTP server on 127.0.0.1 with the API parts we use.

Private API (needs `Authorization: Token token=KEY` or `api_key=`; 403 otherwise):
POST /api/events (`acronym` + `event`; 201 with the event, 422 for a taken guid or slug or
a missing title, slug or original_language), GET/PATCH/DELETE /api/events/GUID (404 as
`{"message": "not found"}`), POST /api/recordings (`guid` + `recording`; a recording with
the same folder and file name is updated, answering 200, as voctoweb does; 201 otherwise).
Public API: GET /public/events/GUID (the event with its recordings, their `recording_url`
under the conference's CDN path). A CDN: HEAD/GET /cdn/ACRONYM/FOLDER/NAME for files a
test put in `cdn` (path -> bytes).

Faults: `fail_next(n)` answers the next `n` API requests 503 (Retry-After: 0); `key` is the
only API key accepted. Counters: `events_created`, `recordings_created`, `patches`,
`requests` (method, path).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Event:
    id: int
    acronym: str
    fields: dict[str, Any]
    recordings: list[dict[str, Any]] = field(default_factory=list)


class VoctowebStandIn:
    def __init__(self, key: str = "KEY", acronyms: tuple[str, ...] = ("conf26",)) -> None:
        self.key = key
        self.acronyms = set(acronyms)
        self.events: dict[str, Event] = {}
        self.cdn: dict[str, bytes] = {}
        self.events_created = 0
        self.recordings_created = 0
        self.patches: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self._fail_next = 0
        self._next_id = 1
        self.lock = threading.Lock()
        self.url = ""

    def fail_next(self, count: int) -> None:
        self._fail_next = count

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def public_event(self, event: Event) -> dict[str, Any]:
        base = f"{self.url}/cdn/{event.acronym}"
        recordings = [
            {
                **{k: v for k, v in r.items() if k not in ("id", "size")},
                "size": round((r.get("size") or 0) / 1024 / 1024),
                "recording_url": f"{base}/{r['folder']}/{r['filename']}",
                "url": f"{self.url}/public/recordings/{r['id']}",
            }
            for r in event.recordings
        ]
        return {
            **event.fields,
            "frontend_link": f"{self.url}/v/{event.fields['slug']}",
            "url": f"{self.url}/public/events/{event.fields['guid']}",
            "recordings": recordings,
        }


EVENT_FIELDS = {
    "guid",
    "slug",
    "title",
    "subtitle",
    "link",
    "original_language",
    "thumb_filename",
    "poster_filename",
    "description",
    "date",
    "persons",
    "tags",
    "promoted",
    "release_date",
}
RECORDING_FIELDS = {
    "folder",
    "filename",
    "mime_type",
    "language",
    "translated",
    "high_quality",
    "html5",
    "size",
    "width",
    "height",
    "length",
    "state",
}


def _handler(state: VoctowebStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def _send(self, status: int, data: Any = None, **extra: str) -> None:
            body = b"" if data is None else json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            return json.loads(raw) if raw else {}

        def _gate(self, body: dict[str, Any] | None = None) -> bool:
            """The private API's faults and key check; False when answered already."""
            with state.lock:
                state.requests.append((self.command, self.path))
                if state._fail_next > 0:
                    state._fail_next -= 1
                    self._send(503, {"message": "busy"}, Retry_After="0")
                    return False
            query = parse_qs(urlsplit(self.path).query)
            key = self.headers.get("Authorization", "")
            given = (body or {}).get("api_key") or (query.get("api_key") or [""])[0]
            if key != f"Token token={state.key}" and given != state.key:
                self._send(403, {"errors": "No or invalid API key."})
                return False
            return True

        def _not_found(self) -> None:
            self._send(404, {"message": "not found", "error": "Couldn't find Event"})

        def _path(self) -> list[str]:
            path = urlsplit(self.path).path
            if path.endswith(".json"):
                path = path[:-5]
            return path.strip("/").split("/")

        def do_HEAD(self) -> None:
            self._cdn(head=True)

        def _cdn(self, head: bool) -> None:
            path = urlsplit(self.path).path
            data = state.cdn.get(path)
            if data is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not head:
                self.wfile.write(data)

        def do_GET(self) -> None:
            parts = self._path()
            if parts[0] == "cdn":
                self._cdn(head=False)
                return
            if parts[:2] == ["public", "events"] and len(parts) == 3:
                with state.lock:
                    state.requests.append((self.command, self.path))
                    event = state.events.get(parts[2])
                    data = state.public_event(event) if event else None
                if data is None:
                    self._not_found()
                else:
                    self._send(200, data)
                return
            if parts[:2] == ["api", "events"] and len(parts) == 3:
                if not self._gate():
                    return
                with state.lock:
                    event = state.events.get(parts[2])
                if event is None:
                    self._not_found()
                else:
                    self._send(200, {"id": event.id})
                return
            self._send(404, {"message": "no route"})

        def do_POST(self) -> None:
            parts = self._path()
            body = self._body()
            if not self._gate(body):
                return
            if parts == ["api", "events"]:
                self._create_event(body)
            elif parts == ["api", "recordings"]:
                self._create_recording(body)
            else:
                self._send(404, {"message": "no route"})

        def _create_event(self, body: dict[str, Any]) -> None:
            if body.get("acronym") not in state.acronyms:
                self._send(404, {"message": "not found", "error": "Couldn't find Conference"})
                return
            fields = {k: v for k, v in (body.get("event") or {}).items() if k in EVENT_FIELDS}
            for url_key, name in (
                ("thumb_url", "thumb_filename"),
                ("poster_url", "poster_filename"),
            ):
                if body.get(url_key):
                    fields[name] = body[url_key].rsplit("/", 1)[-1]
            errors = {
                k: ["can't be blank"]
                for k in ("guid", "slug", "title", "original_language")
                if not fields.get(k)
            }
            with state.lock:
                if fields.get("guid") in state.events:
                    errors["guid"] = ["has already been taken"]
                if any(e.fields.get("slug") == fields.get("slug") for e in state.events.values()):
                    errors["slug"] = ["has already been taken"]
                if errors:
                    self._send(422, errors)
                    return
                event = Event(state.new_id(), body["acronym"], fields)
                state.events[fields["guid"]] = event
                state.events_created += 1
            self._send(201, {"id": event.id, **fields})

        def _create_recording(self, body: dict[str, Any]) -> None:
            fields = {
                k: v for k, v in (body.get("recording") or {}).items() if k in RECORDING_FIELDS
            }
            with state.lock:
                event = state.events.get(body.get("guid", ""))
                if event is None:
                    self._not_found()
                    return
                missing = [k for k in ("filename", "mime_type", "language") if not fields.get(k)]
                if str(fields.get("mime_type", "")).startswith("video/"):
                    missing += [k for k in ("length", "width", "height") if not fields.get(k)]
                if missing:
                    self._send(422, {k: ["can't be blank"] for k in missing})
                    return
                for held in event.recordings:
                    if held["filename"] == fields["filename"] and held["folder"] == fields.get(
                        "folder"
                    ):
                        held.update(fields)
                        self._send(200, {"id": held["id"], "public_url": ""})
                        return
                recording = {"id": state.new_id(), **fields}
                event.recordings.append(recording)
                state.recordings_created += 1
            self._send(201, {"id": recording["id"], "public_url": ""})

        def do_PATCH(self) -> None:
            parts = self._path()
            body = self._body()
            if not self._gate(body):
                return
            if parts[:2] != ["api", "events"] or len(parts) != 3:
                self._send(404, {"message": "no route"})
                return
            with state.lock:
                event = state.events.get(parts[2])
                if event is None:
                    self._not_found()
                    return
                changes = {k: v for k, v in (body.get("event") or {}).items() if k in EVENT_FIELDS}
                event.fields.update(changes)
                state.patches.append(changes)
            self._send(200, {"id": event.id})

        def do_DELETE(self) -> None:
            parts = self._path()
            if not self._gate():
                return
            with state.lock:
                event = state.events.pop(parts[2], None) if parts[:2] == ["api", "events"] else None
            if event is None:
                self._not_found()
            else:
                self._send(204)

    return Handler


@contextmanager
def voctoweb_standin(key: str = "KEY") -> Iterator[VoctowebStandIn]:
    """A running stand-in; its `url` is the API base (and the CDN's host)."""
    state = VoctowebStandIn(key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
