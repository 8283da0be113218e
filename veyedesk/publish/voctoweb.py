"""media.ccc.de (voctoweb): the talk as an event of a conference, the encode as its recording.

voctoweb holds no video bytes: a recording is a file name in a folder under the
conference's recordings path on the CDN, put there by another target (an rclone target
pointed at that path). This target registers the talk (an *event*, keyed by the talk's
uuid as its guid) and the file (a *recording*) through voctoweb's private REST API.

Options (none is secret):
  `acronym`             the conference on media.ccc.de (made there beforehand, with its
                        recordings and images paths) - required;
  `url`                 the API's base URL (default https://api.media.ccc.de);
  `folder`              the recording's folder under the conference (default `h264-hd`);
  `slug_prefix`         put before the talk's slug for the event's slug (default
                        `<acronym>-`: event slugs are unique across media.ccc.de);
  `language`            the talk's language when the talk names none (three letters,
                        e.g. `eng`; voctoweb refuses an event without one);
  `recording_base_url`  where the encode is served, folder included (e.g.
                        https://cdn.media.ccc.de/events/conf/h264-hd): when set, the
                        recording is registered only once the file is there with the
                        encode's size (the job is retried until the rclone target put it),
                        and `fetch` reads the size from there;
  `images_base_url`     where the talk's thumbnail is served: the event gets
                        `<slug>.jpg` as its thumb and `<slug>_preview.jpg` as its poster
                        (C3VOC's naming) when set;
  `retries`             tries of a request voctoweb answers 429/5xx (default 5).
Secret (`veyedesk publish login NAME` asks for it): `api_key`, sent as
`Authorization: Token token=...`.

The recording's width, height and duration come from the encode: the caller puts them in
`UploadState.extra` as `width`, `height`, `duration` (seconds) - publish modules may not
run ffprobe - with options `width`/`height` as a fallback.

Privacy: voctoweb has no unlisted or private videos. An event without a `release_date`
is kept out of the feeds, podcasts and "recent" lists (it still appears on its
conference's page): that is *unlisted*. *Public* sets the release date (today). *Private*
(a speaker withdrew) deletes the event and its recordings; publishing it again takes a
new upload. Re-runs: the event is found by its guid and updated only where it differs;
voctoweb itself updates a recording posted again with the same folder and file name
instead of adding one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

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
from veyedesk.publish.languages import three_letter
from veyedesk.publish.options import number as number_option

API_URL = "https://api.media.ccc.de"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_WAIT = 120.0  # the longest Retry-After honoured before leaving it to the job's retry
MIME_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".mp3": "audio/mpeg",
    ".opus": "audio/opus",
    ".ogg": "audio/ogg",
}
# Fields of an event compared with what voctoweb holds before an update is sent.
COMPARED = ("title", "subtitle", "description", "persons", "tags", "link", "original_language")


class VoctowebPublisher:
    """One show's media.ccc.de target."""

    def __init__(
        self,
        config: TargetConfig,
        api_key: str,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = config.name
        self.options = dict(config.options)
        self.acronym = self.options.get("acronym", "").strip()
        if not self.acronym:
            raise PublishError(
                f"media.ccc.de target {self.name!r} has no conference: set its acronym "
                f"(`veyedesk publish target set ... {self.name} acronym=...`)"
            )
        self.folder = self.options.get("folder", "h264-hd").strip("/")
        self.tries = max(1, int(number_option(config, "retries", 5)))
        self.client = httpx.Client(
            base_url=(self.options.get("url") or API_URL).rstrip("/"),
            headers={"Authorization": f"Token token={api_key}", "Accept": "application/json"},
            timeout=TIMEOUT,
            transport=transport,
        )
        # The CDN is another host: it must never see the API key.
        self.cdn = httpx.Client(timeout=TIMEOUT, transport=transport, follow_redirects=True)
        self._sleep = sleep

    # -- talking to voctoweb ---------------------------------------------------------

    def _call(self, method: str, path: str, doing: str, **kwargs: Any) -> httpx.Response:
        """A request, again after 429/5xx or a cut connection; 404 is the caller's to read."""
        for attempt in range(1, self.tries + 1):
            try:
                response = self.client.request(method, path, **kwargs)
            except httpx.TransportError as error:
                if attempt == self.tries:
                    raise Retryable(
                        f"media.ccc.de target {self.name!r}: {doing} was cut off ({error}); "
                        "the job is tried again later"
                    ) from error
                self._sleep(min(2.0**attempt, MAX_WAIT))
                continue
            status = response.status_code
            if status == 429 or status >= 500:
                if attempt == self.tries:
                    raise Retryable(
                        f"media.ccc.de target {self.name!r}: {doing} failed ({status}); "
                        "the job is tried again later"
                    )
                self._sleep(_wait(response, attempt))
                continue
            if status in (401, 403):
                text = response.text[:300]
                if "ssl required" in text:
                    raise PublishError(
                        f"media.ccc.de target {self.name!r} needs an https:// url ({text})"
                    )
                raise NeedsLogin(
                    f"media.ccc.de target {self.name!r} refused the API key ({text}): run "
                    f"`veyedesk publish login {self.name}` on this machine"
                )
            if status >= 400 and status != 404:
                raise PublishError(
                    f"media.ccc.de target {self.name!r}: {doing} was refused "
                    f"({status} {response.text[:300]})"
                )
            return response
        raise AssertionError("unreachable")

    def _public_event(self, guid: str) -> dict[str, Any] | None:
        response = self._call("GET", f"/public/events/{guid}", f"reading event {guid}")
        if response.status_code == 404:
            return None
        data: dict[str, Any] = response.json()
        return data

    def _event_fields(self, meta: Metadata, privacy: Privacy) -> dict[str, Any]:
        language = three_letter(meta.language) or three_letter(self.options.get("language", ""))
        if not language:
            raise PublishError(
                f"media.ccc.de target {self.name!r}: the talk names no language and the "
                "target has no `language` option (e.g. language=eng); set one of them"
            )
        prefix = self.options.get("slug_prefix", f"{self.acronym}-")
        slug = f"{prefix}{meta.slug or meta.uuid}".replace("/", "-")
        fields: dict[str, Any] = {
            "guid": meta.uuid,
            "slug": slug,
            "title": meta.title,
            "subtitle": "",
            "description": meta.description,
            "persons": list(meta.speakers),
            "tags": list(meta.tags),
            "link": meta.conf_url,
            "original_language": language,
            "date": meta.recorded.isoformat() if meta.recorded is not None else None,
        }
        if privacy is Privacy.PUBLIC:
            fields["release_date"] = date.today().isoformat()
        return fields

    def _images(self, meta: Metadata) -> dict[str, str]:
        base = self.options.get("images_base_url", "").rstrip("/")
        if not base or meta.thumbnail is None:
            return {}
        slug = meta.slug or meta.uuid
        return {"thumb_url": f"{base}/{slug}.jpg", "poster_url": f"{base}/{slug}_preview.jpg"}

    def _served_size(self, filename: str) -> int | None:
        """The size of the file where `recording_base_url` serves it; None if not there."""
        base = self.options.get("recording_base_url", "").rstrip("/")
        if not base:
            return None
        try:
            response = self.cdn.head(f"{base}/{filename}")
        except httpx.TransportError:
            return None
        if response.status_code != 200:
            return None
        length = response.headers.get("Content-Length")
        return int(length) if length and length.isdigit() else None

    def _remote(self, guid: str, event: dict[str, Any] | None, filename: str = "") -> Remote:
        if event is None:
            return Remote(guid, privacy=Privacy.PRIVATE)
        privacy = Privacy.PUBLIC if event.get("release_date") else Privacy.UNLISTED
        recording = _our_recording(event.get("recordings") or [], self.folder, filename)
        if recording is None:
            return Remote(guid, host_url=event.get("frontend_link", ""), privacy=privacy)
        length = recording.get("length")
        return Remote(
            remote_id=guid,
            host_url=event.get("frontend_link", ""),
            public_url=recording.get("recording_url", ""),
            privacy=privacy,
            size=self._served_size(recording.get("filename", "")),
            duration=float(length) if length is not None else None,
        )

    # -- Publisher -------------------------------------------------------------------

    def find(self, meta: Metadata) -> Remote | None:
        event = self._public_event(meta.uuid)
        if event is None or _our_recording(event.get("recordings") or [], self.folder) is None:
            return None
        return self._remote(meta.uuid, event)

    def upload(
        self,
        path: Path,
        meta: Metadata,
        privacy: Privacy,
        state: UploadState,
        progress: Progress | None = None,
    ) -> Remote:
        size = path.stat().st_size
        fields = self._event_fields(meta, privacy)
        recording = self._recording_fields(path, meta, state, size)
        served = self._served_size(path.name)
        if self.options.get("recording_base_url") and served != size:
            raise Retryable(
                f"media.ccc.de target {self.name!r}: {path.name} is not at "
                f"{self.options['recording_base_url']} with {size} bytes yet (found "
                f"{served}); publish it there first (an rclone target); the job is tried "
                "again later"
            )
        event = self._public_event(meta.uuid)
        if event is None:
            body = {"acronym": self.acronym, "event": fields, **self._images(meta)}
            created = self._call("POST", "/api/events", f"creating event {meta.uuid}", json=body)
            if created.status_code == 404:
                raise PublishError(
                    f"media.ccc.de target {self.name!r}: there is no conference "
                    f"{self.acronym!r} on media.ccc.de; fix the target's acronym or ask the "
                    "media.ccc.de admins to create the conference"
                )
        else:
            self._update_event(meta, event, fields)
        state.remote_id = meta.uuid  # known before the recording: a re-run finds the event
        response = self._call(
            "POST",
            "/api/recordings",
            f"registering {path.name}",
            json={"guid": meta.uuid, "recording": recording},
        )
        if response.status_code == 404:
            raise PublishError(
                f"media.ccc.de target {self.name!r}: event {meta.uuid} vanished while its "
                "recording was registered; run the publish again"
            )
        state.extra["recording_id"] = response.json().get("id")
        state.offset = size
        if progress is not None:
            progress(size, size)
        return self._remote(meta.uuid, self._public_event(meta.uuid), path.name)

    def _recording_fields(
        self, path: Path, meta: Metadata, state: UploadState, size: int
    ) -> dict[str, Any]:
        def fact(key: str) -> int | None:
            value = state.extra.get(key) or self.options.get(key)
            return int(float(value)) if value not in (None, "") else None

        width, height, duration = fact("width"), fact("height"), fact("duration")
        if not (width and height and duration):
            raise PublishError(
                f"media.ccc.de target {self.name!r}: the encode's width, height and "
                "duration are needed to register it; the publish job passes them"
            )
        mime_type = self.options.get("mime_type") or MIME_TYPES.get(path.suffix.lower(), "")
        if not mime_type:
            raise PublishError(
                f"media.ccc.de target {self.name!r}: no media type known for "
                f"{path.suffix!r} files; set the target's mime_type option"
            )
        language = three_letter(meta.language) or three_letter(self.options.get("language", ""))
        return {
            "filename": path.name,
            "folder": self.folder,
            "mime_type": mime_type,
            "language": language,
            "size": size,
            "length": duration,
            "width": width,
            "height": height,
            "high_quality": height >= 720,
            "html5": mime_type in ("video/mp4", "video/webm"),
        }

    def _update_event(
        self, meta: Metadata, held: Mapping[str, Any], fields: dict[str, Any]
    ) -> None:
        # voctoweb answers null for an empty text or list: null and empty are the same.
        changed = {k: fields[k] for k in COMPARED if (held.get(k) or None) != (fields[k] or None)}
        if "release_date" in fields and not held.get("release_date"):
            changed["release_date"] = fields["release_date"]
        if not changed:
            return
        self._call(
            "PATCH",
            f"/api/events/{meta.uuid}",
            f"updating event {meta.uuid}",
            json={"event": changed},
        )

    def fetch(self, remote_id: str) -> Remote:
        return self._remote(remote_id, self._public_event(remote_id))

    def set_privacy(self, remote_id: str, privacy: Privacy) -> Remote:
        if privacy is Privacy.PRIVATE:
            self.remove(remote_id)
            return Remote(remote_id, privacy=Privacy.PRIVATE)
        event = self._public_event(remote_id)
        if event is None:
            raise PublishError(
                f"media.ccc.de target {self.name!r}: event {remote_id} was removed "
                "(withdrawn); upload the talk again to publish it there"
            )
        release = date.today().isoformat() if privacy is Privacy.PUBLIC else None
        if bool(event.get("release_date")) != (release is not None):
            self._call(
                "PATCH",
                f"/api/events/{remote_id}",
                f"setting event {remote_id} {privacy.value}",
                json={"event": {"release_date": release}},
            )
            event = self._public_event(remote_id)
        return self._remote(remote_id, event)

    def remove(self, remote_id: str) -> None:
        # Deleting the event deletes its recordings (voctoweb: dependent destroy).
        self._call("DELETE", f"/api/events/{remote_id}", f"deleting event {remote_id}")


def _wait(response: httpx.Response, attempt: int) -> float:
    stated = response.headers.get("Retry-After", "")
    if stated.strip().isdigit():
        return min(float(stated), MAX_WAIT)
    return min(2.0**attempt, MAX_WAIT)


def _our_recording(
    recordings: list[dict[str, Any]], folder: str, filename: str = ""
) -> dict[str, Any] | None:
    """The recording this target registers: in its folder (by name when known), video first."""
    mine = [r for r in recordings if (r.get("folder") or "").strip("/") == folder]
    if filename:
        mine = [r for r in mine if r.get("filename") == filename]
    mine.sort(key=lambda r: not str(r.get("mime_type", "")).startswith("video/"))
    return mine[0] if mine else None


def make(config: TargetConfig, secrets: Secrets) -> VoctowebPublisher:
    api_key = secrets.get(config.name, "api_key")
    if not api_key:
        raise NeedsLogin(
            f"media.ccc.de target {config.name!r} has no API key on this machine: run "
            f"`veyedesk publish login {config.name}` on this machine"
        )
    return VoctowebPublisher(config, api_key)


def login(config: TargetConfig, secrets: Secrets, prompt: Callable[[str], str]) -> None:
    """Ask for the voctoweb API key (made by a media.ccc.de admin) and keep it."""
    api_key = prompt(f"media.ccc.de API key for {config.name}: ").strip()
    if not api_key:
        raise PublishError(
            f"media.ccc.de target {config.name!r}: no API key given; ask the "
            "media.ccc.de admins for one"
        )
    secrets.set(config.name, "api_key", api_key)
