"""archive.org: one item per talk, uploaded through the `internetarchive` library.

Options (a show's target settings; none is secret):
  `collection`         the collection new items go into (default `opensource_movies`,
                       the community video collection anyone may upload to);
  `identifier_prefix`  put before every identifier (e.g. `pyconau2026-`): identifiers are
                       global on archive.org, so a prefix keeps ours from colliding;
  `mediatype`          default `movies`;
  `derive`             `yes` (default) lets archive.org make its streaming derivatives;
  `retries`            tries of a request archive.org answers 429/5xx (default 5);
  `part_size_mb`       files larger than this go up in parts of this size (default 64);
  `archive_url`, `s3_url`  where archive.org and its S3-like API are (defaults
                       https://archive.org and https://s3.us.archive.org; tests point them
                       at a stand-in).
Secrets (`veyedesk publish login NAME` asks for them; https://archive.org/account/s3.php
shows them): `access` and `secret`, the account's S3-like API keys.

The item: identifier = prefix + show + "-" + slug, folded to what archive.org allows
(letters, digits, `.`, `_`, `-`, not starting with `.`, `_` or `-`, 3-100 characters).
Its metadata: title, description (the plain text escaped, line breaks kept), creator =
the speakers, date = the recording date, subject = the tags, language (three letters),
licenseurl (for Creative Commons licences), collection, mediatype, and
`external-identifier: urn:uuid:<the talk's uuid>`: `find` trusts an item only when it
carries our uuid, so an identifier someone else took is refused, not overwritten.
The remote id is `<identifier>/<file name>`.

Privacy: archive.org has no unlisted items. An upload (Veyepar's *post*, asked for as
unlisted) is public as soon as archive.org has processed it, so a show that must show
nothing before *make public* binds its archive target to that state instead. Making
public finds nothing to flip: it checks the file is there. Private (a speaker withdrew):
making an item dark is for archive.org's admins only, so the files are deleted
(with their derivatives) and the item's metadata stays; making such an item public
again needs a new upload. `fetch` reports privacy None (archive.org has no levels) while
the file is there and PRIVATE once it is gone.

Resuming: a file larger than `part_size_mb` (option, default 64) goes up as an S3
multipart upload (archive.org supports it; the library does not, so this module speaks
it through the library's session and request signing): the upload id is kept in
`UploadState.extra` as soon as archive.org gives it, and a later run asks archive.org
which parts it holds (comparing each part's size and MD5) and sends only the others; a
cut costs at most the part in flight. A smaller file goes in one PUT through the
library and is sent again whole after a cut. A file archive.org already holds with the
same MD5 is never sent again (a re-run, or a worker that died after the upload).
Pointing the library elsewhere: `ArchiveSession` appends `.archive.org` to any host it is
given and names `s3.us.archive.org` in its upload and delete code, so it cannot be
pointed at a stand-in by configuration; `_Session` (a subclass) rewrites those two
base URLs on every request it sends instead, and is otherwise the library's session.
"""

from __future__ import annotations

import functools
import hashlib
import html
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import requests
from internetarchive.auth import S3Auth
from internetarchive.iarequest import S3Request
from internetarchive.item import Item
from internetarchive.session import ArchiveSession

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

ARCHIVE_URL = "https://archive.org"
S3_URL = "https://s3.us.archive.org"
TIMEOUT = 60.0  # seconds a request may go without an answer (uploads stream longer)
MAX_WAIT = 120.0  # the longest Retry-After honoured before giving up for now
LEGAL = re.compile(r"[^A-Za-z0-9._-]+")
# Files archive.org writes into every item itself: never "ours" to fetch or delete.
SYSTEM_SUFFIXES = ("_meta.xml", "_files.xml", "_meta.sqlite", "_archive.torrent", "_reviews.xml")


def identifier_for(prefix: str, meta: Metadata) -> str:
    """The item identifier of `meta`'s talk: folded to archive.org's rules, 3-100 chars."""
    raw = f"{prefix}{meta.show}-{meta.slug or meta.uuid}"
    ascii_only = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    folded = LEGAL.sub("-", ascii_only).lstrip("._-")
    if len(folded) > 100:
        # Two long titles must not fold to one identifier: the uuid keeps them apart.
        folded = f"{folded[:91].rstrip('._-')}-{meta.uuid.replace('-', '')[:8]}"
    if len(folded) < 3:
        raise PublishError(
            f"cannot make an archive.org identifier from show {meta.show!r} and talk "
            f"{meta.slug!r}: give the talk a slug or set identifier_prefix"
        )
    return folded


def item_metadata(meta: Metadata, options: dict[str, str]) -> dict[str, Any]:
    """The item's metadata as archive.org's fields (lists become numbered headers)."""
    fields: dict[str, Any] = {
        "title": meta.title,
        # archive.org shows descriptions as HTML: the plain text must not become markup.
        "description": html.escape(meta.description).replace("\n", "<br />"),
        "mediatype": options.get("mediatype") or "movies",
        "collection": options.get("collection") or "opensource_movies",
        "external-identifier": f"urn:uuid:{meta.uuid}",
    }
    if meta.speakers:
        fields["creator"] = list(meta.speakers)
    if meta.tags:
        fields["subject"] = list(meta.tags)
    if meta.recorded is not None:
        fields["date"] = meta.recorded.date().isoformat()
    language = three_letter(meta.language)
    if language:
        fields["language"] = language
    if meta.licence_url and (
        meta.licence.upper().startswith("CC") or "creativecommons.org" in meta.licence_url
    ):
        fields["licenseurl"] = meta.licence_url
    if meta.conf_url:
        fields["source"] = meta.conf_url
    return fields


class _Session(ArchiveSession):
    """The library's session, sending to injectable archive.org and S3 base URLs."""

    def __init__(self, access: str, secret: str, archive_url: str, s3_url: str) -> None:
        # os.devnull as the config file: a crew member's own ia.ini must not redirect or
        # re-key a show's uploads.
        super().__init__(
            config={"s3": {"access": access, "secret": secret}, "general": {"secure": True}},
            config_file=os.devnull,
        )
        self._rewrites = [
            (f"{self.protocol}//s3.us.archive.org", s3_url.rstrip("/")),
            (f"{self.protocol}//{self.host}", archive_url.rstrip("/")),
        ]

    def send(self, request: Any, **kwargs: Any) -> requests.Response:
        for library_base, ours in self._rewrites:
            if request.url.startswith(library_base + "/") or request.url == library_base:
                request.url = ours + request.url[len(library_base) :]
                break
        return super().send(request, **kwargs)


class _Slice:
    """One part of the file as a request body, reporting progress and its MD5 as it goes."""

    def __init__(
        self,
        path: Path,
        start: int,
        length: int,
        progress: Progress | None,
        before: int,
        size: int,
    ) -> None:
        self._file = path.open("rb")
        self._file.seek(start)
        self._left = length
        self.len = length
        self._digest = hashlib.md5()
        self._progress = progress
        self._before = before
        self._size = size

    def read(self, size: int = -1) -> bytes:
        want = self._left if size < 0 else min(size, self._left)
        data = self._file.read(want)
        self._left -= len(data)
        self._digest.update(data)
        if self._progress is not None:
            self._progress(self._before + self.len - self._left, self._size)
        return data

    def md5(self) -> str:
        return self._digest.hexdigest()

    def close(self) -> None:
        self._file.close()

    def __len__(self) -> int:
        return self.len


def _slice_md5(path: Path, start: int, length: int) -> str:
    digest = hashlib.md5()
    with path.open("rb") as source:
        source.seek(start)
        left = length
        while left > 0:
            block = source.read(min(left, 1 << 20))
            if not block:
                break
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def _elements(root: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    """Elements called `name` anywhere under `root`, whatever their XML namespace."""
    return [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == name]


def _child(element: ElementTree.Element, name: str) -> str:
    for child in element:
        if child.tag.rsplit("}", 1)[-1] == name:
            return (child.text or "").strip()
    return ""


def _xml_text(text: str, name: str) -> str:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return ""
    found = _elements(root, name)
    return (found[0].text or "").strip() if found else ""


class _Reading:
    """The file being uploaded, telling `progress` how much has been read (= sent)."""

    def __init__(self, path: Path, progress: Progress | None) -> None:
        self._file = path.open("rb")
        self.name = str(path)
        self.len = path.stat().st_size
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        if self._progress is not None:
            self._progress(self._file.tell(), self.len)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()

    def __len__(self) -> int:
        return self.len


def file_md5(path: Path) -> str:
    """The hex MD5 archive.org lists for a file."""
    digest = hashlib.md5()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ArchivePublisher:
    """One show's archive.org target."""

    def __init__(
        self,
        config: TargetConfig,
        access: str,
        secret: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = config.name
        self.options = dict(config.options)
        self.archive_url = (self.options.get("archive_url") or ARCHIVE_URL).rstrip("/")
        s3_url = (self.options.get("s3_url") or S3_URL).rstrip("/")
        self.tries = max(1, int(number_option(config, "retries", 5)))
        self.part_size = max(1, int(number_option(config, "part_size_mb", 64) * 1024 * 1024))
        self.session = _Session(access, secret, self.archive_url, s3_url)
        self._auth = S3Auth(access, secret)
        self._sleep = sleep

    # -- talking to archive.org ------------------------------------------------------

    @contextmanager
    def _answers(self, doing: str) -> Iterator[None]:
        """Turn the library's and requests' failures into the target's errors."""
        try:
            yield
        except requests.HTTPError as error:
            response = error.response
            status = response.status_code if response is not None else 0
            text = _error_text(response)
            if status in (401, 403):
                # archive.org answers 403 to unknown or wrong keys (InvalidAccessKeyId, ...).
                raise NeedsLogin(self._login_message(f"refused {doing} ({text})")) from error
            if status == 429 or status >= 500:
                raise Retryable(
                    f"archive.org target {self.name!r}: {doing} failed ({status} {text}); "
                    "the job is tried again later"
                ) from error
            raise PublishError(
                f"archive.org target {self.name!r}: {doing} failed ({status} {text})"
            ) from error
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            ConnectionError,
        ) as error:
            raise Retryable(
                f"archive.org target {self.name!r}: {doing} was cut off ({error}); "
                "the job is tried again later"
            ) from error

    def _login_message(self, what: str) -> str:
        return (
            f"archive.org target {self.name!r} {what}: run `veyedesk publish login "
            f"{self.name}` on this machine with the keys from https://archive.org/account/s3.php"
        )

    def _with_backoff(self, doing: str, call: Callable[[], Any]) -> Any:
        """`call`, again after 429/5xx (Retry-After honoured) up to `retries` tries."""
        for attempt in range(1, self.tries + 1):
            try:
                with self._answers(doing):
                    return call()
            except Retryable as failure:
                cause = failure.__cause__
                response = getattr(cause, "response", None)
                if attempt == self.tries or response is None:
                    raise  # a cut connection is the job's to retry (a whole new PUT)
                self._sleep(_wait(response, attempt))
        raise AssertionError("unreachable")

    def _item(self, identifier: str) -> Any:
        def load() -> Any:
            # Read here, not by session.get_item: it re-raises errors without their
            # response (no status to back off on) and asks twice for an item not there.
            url = f"{self.session.protocol}//{self.session.host}/metadata/{identifier}"
            response = self.session.get(url, timeout=TIMEOUT)
            response.raise_for_status()
            return Item(self.session, identifier, response.json() or {})

        return self._with_backoff(f"reading item {identifier}", load)

    def _ours(self, item: Any, meta: Metadata) -> bool:
        if not item.exists:
            return False
        urns = item.metadata.get("external-identifier", [])
        urns = [urns] if isinstance(urns, str) else list(urns)
        if f"urn:uuid:{meta.uuid}" in urns:
            return True
        raise PublishError(
            f"archive.org target {self.name!r}: item {item.identifier!r} exists but is not "
            f"this talk's (no urn:uuid:{meta.uuid}); set identifier_prefix to one only "
            "this show uses"
        )

    def _remote(self, identifier: str, key: str, entry: dict[str, Any] | None) -> Remote:
        details = f"{self.archive_url}/details/{identifier}"
        if entry is None:
            return Remote(f"{identifier}/{key}", host_url=details, privacy=Privacy.PRIVATE)
        length = entry.get("length")
        return Remote(
            remote_id=f"{identifier}/{key}",
            host_url=details,
            public_url=f"{self.archive_url}/download/{identifier}/{key}",
            privacy=None,
            size=int(entry["size"]) if entry.get("size") is not None else None,
            duration=float(length) if length not in (None, "") else None,
            checksum=f"md5:{entry['md5']}" if entry.get("md5") else "",
        )

    # -- Publisher -------------------------------------------------------------------

    def find(self, meta: Metadata) -> Remote | None:
        identifier = identifier_for(self.options.get("identifier_prefix", ""), meta)
        item = self._item(identifier)
        if not self._ours(item, meta):
            return None
        originals = _our_files(item)
        if not originals:
            return None
        entry = max(originals, key=lambda f: int(f.get("size") or 0))
        return self._remote(identifier, entry["name"], entry)

    def upload(
        self,
        path: Path,
        meta: Metadata,
        privacy: Privacy,
        state: UploadState,
        progress: Progress | None = None,
    ) -> Remote:
        identifier = identifier_for(self.options.get("identifier_prefix", ""), meta)
        key = f"{meta.slug or identifier}{path.suffix}"
        size = path.stat().st_size
        md5 = file_md5(path)
        # An upload in parts is continued only for the same file cut the same way.
        resumable = state.extra.get("md5") == md5 and state.extra.get("part_size") == self.part_size
        state.remote_id = f"{identifier}/{key}"
        state.extra.update({"identifier": identifier, "key": key, "md5": md5})
        item = self._item(identifier)
        existed = self._ours(item, meta)
        held = _entry(item, key)
        if held is not None and held.get("md5") == md5:
            # Already there (a re-run, or a worker that died after the PUT): send nothing.
            state.offset = size
            if progress is not None:
                progress(size, size)
            return self._remote(identifier, key, held)
        if held is None and state.extra.get("sent_md5") == md5 and self._processing(identifier):
            # Sent by this job before and not filed yet: sending it again would only queue
            # a second copy behind the first.
            if progress is not None:
                progress(size, size)
            return self._sent(identifier, key, size, md5)
        fields = item_metadata(meta, self.options)
        derive = (self.options.get("derive") or "yes").lower() not in ("no", "false", "0")
        if size > self.part_size:
            if not resumable:
                state.extra.pop("upload_id", None)
            self._put_in_parts(path, identifier, key, fields, derive, state, progress)
        else:
            self._put_whole(item, path, key, fields, derive, md5, progress)
        state.offset = size
        state.extra["sent_md5"] = md5
        if existed:
            self._update_metadata(item, fields)
        if meta.thumbnail is not None and meta.thumbnail.suffix.lower() in (".jpg", ".jpeg"):
            self._put_thumbnail(item, meta.thumbnail)
        return self._sent(identifier, key, size, md5)

    def _sent(self, identifier: str, key: str, size: int, md5: str) -> Remote:
        """The file as sent (archive.org checked its MD5 on arrival; it lists it later)."""
        return Remote(
            remote_id=f"{identifier}/{key}",
            host_url=f"{self.archive_url}/details/{identifier}",
            public_url=f"{self.archive_url}/download/{identifier}/{key}",
            privacy=None,
            size=size,
            checksum=f"md5:{md5}",
        )

    def _put_whole(
        self,
        item: Any,
        path: Path,
        key: str,
        fields: dict[str, Any],
        derive: bool,
        md5: str,
        progress: Progress | None,
    ) -> None:
        """A small file in one PUT, through the library."""

        def put() -> None:
            body = _Reading(path, progress)
            try:
                item.upload_file(
                    body,
                    key=key,
                    metadata=fields,
                    # archive.org compares this with what arrived and refuses a mismatch.
                    headers={"Content-MD5": md5},
                    queue_derive=derive,
                    retries=0,  # backoff is ours: the library would sleep 30 s a try
                    request_kwargs={"timeout": TIMEOUT},
                )  # raises for an error status itself
            finally:
                body.close()

        self._with_backoff(f"uploading {key} to {item.identifier}", put)

    def _put_in_parts(
        self,
        path: Path,
        identifier: str,
        key: str,
        fields: dict[str, Any],
        derive: bool,
        state: UploadState,
        progress: Progress | None,
    ) -> None:
        """A large file as an S3 multipart upload: a cut costs at most the part in flight.

        The upload id is kept in `state` as soon as archive.org gives it; a later run asks
        archive.org which parts it holds and sends only the others.
        """
        url = f"{self.session.protocol}//s3.us.archive.org/{identifier}/{quote(key)}"
        size = path.stat().st_size
        held: dict[int, tuple[int, str]] = {}
        upload_id = str(state.extra.get("upload_id") or "")
        if upload_id:
            listed = self._with_backoff(
                f"asking which parts of {key} archive.org holds",
                lambda: self._list_parts(url, upload_id),
            )
            if listed is None:  # the upload was aborted or expired: begin again
                upload_id = ""
            else:
                held = listed
        if not upload_id:
            upload_id = self._with_backoff(
                f"starting the upload of {key} to {identifier}",
                lambda: self._initiate(url, fields, derive, size),
            )
            state.extra.update({"upload_id": upload_id, "part_size": self.part_size})
        state.session_url = f"{url}?uploadId={upload_id}"
        etags: dict[int, str] = {}
        confirmed = 0
        count = -(-size // self.part_size)
        for number in range(1, count + 1):
            start = (number - 1) * self.part_size
            length = min(self.part_size, size - start)
            if number in held and held[number] == (length, _slice_md5(path, start, length)):
                etags[number] = held[number][1]
            else:
                etags[number] = self._with_backoff(
                    f"uploading part {number} of {count} of {key}",
                    functools.partial(
                        self._put_part,
                        url,
                        upload_id,
                        number,
                        path,
                        start,
                        length,
                        progress,
                        confirmed,
                        size,
                    ),
                )
            confirmed += length
            state.offset = confirmed
            if progress is not None:
                progress(confirmed, size)
        self._with_backoff(
            f"finishing the upload of {key}", lambda: self._complete(url, upload_id, etags)
        )
        state.extra.pop("upload_id", None)

    def _initiate(self, url: str, fields: dict[str, Any], derive: bool, size: int) -> str:
        # The library's S3 request: it writes the item's metadata as archive.org's headers.
        request = S3Request(
            method="POST",
            url=f"{url}?uploads",
            headers={"x-archive-size-hint": str(size)},
            metadata=fields,
            queue_derive=derive,
            access_key=self.session.access_key,
            secret_key=self.session.secret_key,
        )
        response = self.session.send(request.prepare(), timeout=TIMEOUT)
        response.raise_for_status()
        upload_id = _xml_text(response.text, "UploadId")
        if not upload_id:
            raise PublishError(
                f"archive.org target {self.name!r}: starting a multipart upload gave no "
                f"upload id ({response.text[:200]})"
            )
        return upload_id

    def _list_parts(self, url: str, upload_id: str) -> dict[int, tuple[int, str]] | None:
        parts: dict[int, tuple[int, str]] = {}
        marker = "0"
        while True:
            response = self.session.get(
                url,
                params={"uploadId": upload_id, "part-number-marker": marker},
                auth=self._auth,
                timeout=TIMEOUT,
            )
            if response.status_code == 404:
                return None
            response.raise_for_status()
            root = ElementTree.fromstring(response.content)
            for part in _elements(root, "Part"):
                number = int(_child(part, "PartNumber"))
                parts[number] = (int(_child(part, "Size")), _child(part, "ETag").strip('"'))
            if _child(root, "IsTruncated").lower() != "true":
                return parts
            marker = _child(root, "NextPartNumberMarker")

    def _put_part(
        self,
        url: str,
        upload_id: str,
        number: int,
        path: Path,
        start: int,
        length: int,
        progress: Progress | None,
        before: int,
        size: int,
    ) -> str:
        body = _Slice(path, start, length, progress, before, size)
        try:
            response = self.session.put(
                url,
                params={"partNumber": str(number), "uploadId": upload_id},
                data=body,
                auth=self._auth,
                timeout=TIMEOUT,
            )
            response.raise_for_status()
        finally:
            body.close()
        etag = response.headers.get("ETag", "").strip('"')
        if etag != body.md5():
            raise Retryable(
                f"archive.org target {self.name!r}: part {number} arrived damaged "
                "(its checksum differs); the job is tried again later"
            )
        return etag

    def _complete(self, url: str, upload_id: str, etags: dict[int, str]) -> None:
        listing = "".join(
            f'<Part><PartNumber>{n}</PartNumber><ETag>"{etag}"</ETag></Part>'
            for n, etag in sorted(etags.items())
        )
        response = self.session.post(
            url,
            params={"uploadId": upload_id},
            data=f"<CompleteMultipartUpload>{listing}</CompleteMultipartUpload>".encode(),
            auth=self._auth,
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        # S3 may answer 200 and still put an error in the body.
        if _xml_text(response.text, "Code"):
            raise Retryable(
                f"archive.org target {self.name!r}: finishing the upload failed "
                f"({response.text[:200]}); the job is tried again later"
            )

    def _update_metadata(self, item: Any, fields: dict[str, Any]) -> None:
        """A re-upload to an existing item: its metadata follows the talk's (S3 headers don't)."""
        changed = {k: v for k, v in fields.items() if k != "collection"}
        if all(item.metadata.get(k) == v for k, v in changed.items()):
            return

        def modify() -> None:
            response = item.modify_metadata(changed, timeout=TIMEOUT, refresh=False)
            response.raise_for_status()

        self._with_backoff(f"updating the metadata of {item.identifier}", modify)

    def _put_thumbnail(self, item: Any, thumbnail: Path) -> None:
        # archive.org uses an item's `__ia_thumb.jpg` as its picture.
        def put() -> None:
            item.upload_file(
                str(thumbnail),
                key="__ia_thumb.jpg",
                queue_derive=False,
                checksum=True,
                request_kwargs={"timeout": TIMEOUT},
            )  # raises for an error status itself

        self._with_backoff(f"uploading the thumbnail of {item.identifier}", put)

    def fetch(self, remote_id: str) -> Remote:
        identifier, key = _split(remote_id)
        item = self._item(identifier)
        entry = _entry(item, key)
        if entry is None and item.exists and self._processing(identifier):
            raise Retryable(
                f"archive.org target {self.name!r}: {identifier} is still being processed "
                "(its file list does not show the upload yet); the job is tried again later"
            )
        return self._remote(identifier, key, entry)

    def _processing(self, identifier: str) -> bool:
        """Whether archive.org still has tasks queued or running for the item.

        An upload is listed among the item's files only once archive.org's task has filed
        it (minutes, sometimes hours); until then the Tasks API counts it.
        """

        def summary() -> Any:
            try:
                return self.session.get_tasks_summary(
                    identifier, request_kwargs={"timeout": TIMEOUT}
                )
            except ValueError as error:  # not JSON: an error page
                raise requests.ConnectionError(
                    f"the Tasks API answered no JSON ({error})"
                ) from error

        counts = self._with_backoff(f"asking archive.org's tasks for {identifier}", summary)
        if not isinstance(counts, dict):
            return False
        return bool(int(counts.get("queued") or 0) + int(counts.get("running") or 0))

    def set_privacy(self, remote_id: str, privacy: Privacy) -> Remote:
        if privacy is Privacy.PRIVATE:
            self.remove(remote_id)
            identifier, key = _split(remote_id)
            return self._remote(identifier, key, None)
        held = self.fetch(remote_id)
        if held.privacy is Privacy.PRIVATE:
            raise PublishError(
                f"archive.org target {self.name!r}: {remote_id} was removed (withdrawn); "
                "upload the talk again to publish it there"
            )
        return held  # archive.org items are public once there: nothing to flip

    def remove(self, remote_id: str) -> None:
        identifier, _key = _split(remote_id)
        item = self._item(identifier)
        for entry in _our_files(item):
            name = entry["name"]

            def delete(name: str = name) -> None:
                response = item.get_file(name).delete(cascade_delete=True, retries=1)
                response.raise_for_status()

            try:
                self._with_backoff(f"deleting {name} from {identifier}", delete)
            except PublishError as failure:
                response = getattr(failure.__cause__, "response", None)
                if response is None or response.status_code != 404:
                    raise


def _error_text(response: requests.Response | None) -> str:
    if response is None:
        return ""
    text = response.text.strip()
    return text[:300] if text else (response.reason or "")


def _wait(response: requests.Response, attempt: int) -> float:
    stated = response.headers.get("Retry-After", "")
    if stated.strip().isdigit():
        return min(float(stated), MAX_WAIT)
    return min(2.0**attempt, MAX_WAIT)


def _split(remote_id: str) -> tuple[str, str]:
    identifier, _, key = remote_id.partition("/")
    if not identifier or not key:
        raise PublishError(f"{remote_id!r} is not an archive.org remote id (identifier/file)")
    return identifier, key


def _entry(item: Any, key: str) -> dict[str, Any] | None:
    for entry in item.files or []:
        if entry.get("name") == key:
            return dict(entry)
    return None


def _our_files(item: Any) -> list[dict[str, Any]]:
    """The item's original files we put there (not archive.org's own, not derivatives)."""
    return [
        dict(entry)
        for entry in item.files or []
        if entry.get("source") == "original"
        and not entry.get("name", "").endswith(SYSTEM_SUFFIXES)
        and entry.get("name") != "__ia_thumb.jpg"
    ]


def make(config: TargetConfig, secrets: Secrets) -> ArchivePublisher:
    access = secrets.get(config.name, "access")
    secret = secrets.get(config.name, "secret")
    if not access or not secret:
        raise NeedsLogin(
            f"archive.org target {config.name!r} has no S3 keys on this machine: run "
            f"`veyedesk publish login {config.name}` on this machine"
        )
    return ArchivePublisher(config, access, secret)


def login(config: TargetConfig, secrets: Secrets, prompt: Callable[[str], str]) -> None:
    """Ask for the account's S3-like API keys and keep them in this machine's secrets."""
    access = prompt("archive.org S3 access key (https://archive.org/account/s3.php): ").strip()
    secret = prompt("archive.org S3 secret key: ").strip()
    if not access or not secret:
        raise PublishError(
            f"archive.org target {config.name!r}: both keys are needed; "
            "copy them from https://archive.org/account/s3.php"
        )
    secrets.set(config.name, "access", access)
    secrets.set(config.name, "secret", secret)
