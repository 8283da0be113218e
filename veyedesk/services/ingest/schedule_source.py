"""Where a schedule comes from: a file, or the conference's http(s) address (pretalx, frab).

Crews import the schedule many times a week from the same URL (`…/schedule.xml`,
`…/schedule/export/schedule.json`), so the window and `veyedesk import-schedule` take a
URL as well as a path. Only http and https are fetched, redirects included (never to
ftp or a file), with a time limit and a size limit, and every failure names the address
and what to check.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from veyedesk.ingest.limits import MAX_SCHEDULE_BYTES, read_at_most
from veyedesk.services.errors import InvalidInput

TIMEOUT = 30.0  # seconds for the connection and each read
MAX_BYTES = MAX_SCHEDULE_BYTES
USER_AGENT = "veyedesk (conference video editor; schedule import)"


def is_url(where: str) -> bool:
    """True for an http(s) address (what the import fetches instead of opening a file)."""
    return urlsplit(where.strip()).scheme.lower() in ("http", "https")


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        if not is_url(newurl):
            raise InvalidInput(
                f"{req.full_url}: redirected to {newurl!r}, which is not http(s); "
                "give the schedule's final address"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, *, timeout: float = TIMEOUT, limit: int = MAX_BYTES) -> bytes:
    """The body at `url` (http/https only); InvalidInput naming the URL on any failure."""
    url = url.strip()
    if not is_url(url):
        raise InvalidInput(f"{url!r} is not an http(s) address")
    opener = urllib.request.build_opener(_HttpOnlyRedirects())
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with opener.open(request, timeout=timeout) as response:
            data = read_at_most(response, limit)
    except urllib.error.HTTPError as exc:
        raise InvalidInput(
            f"{url}: the server answered {exc.code} {exc.reason}; check the address"
        ) from None
    except urllib.error.URLError as exc:
        raise InvalidInput(
            f"{url}: cannot fetch the schedule ({exc.reason}); check the address and the network"
        ) from None
    except (TimeoutError, OSError) as exc:
        raise InvalidInput(
            f"{url}: cannot fetch the schedule ({exc}); check the address and the network"
        ) from None
    if data is None:
        raise _too_big(url, limit, "check the address")
    return data


def _too_big(where: str, limit: int, what_to_do: str) -> InvalidInput:
    return InvalidInput(
        f"{where}: more than {limit // (1024 * 1024)} MB, which is not a schedule (1,000 "
        f"talks are about 3 MB); {what_to_do}"
    )


def read_schedule_stream(stream: BinaryIO, name: str, *, limit: int = MAX_BYTES) -> bytes:
    """A schedule from an open file (standard input, say), refused past `limit` bytes."""
    data = read_at_most(stream, limit)
    if data is None:
        raise _too_big(name, limit, "check that this is the schedule file")
    return data


def read_schedule_file(path: str, *, limit: int = MAX_BYTES) -> bytes:
    """A schedule file's bytes, refused past `limit` bytes before it is read whole."""
    try:
        with Path(path).expanduser().open("rb") as stream:
            return read_schedule_stream(stream, path, limit=limit)
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the schedule ({exc.strerror})") from None


def read_schedule_source(where: str) -> tuple[bytes, str]:
    """The schedule's bytes and its name for messages, from a path or an http(s) URL."""
    where = where.strip()
    if is_url(where):
        return fetch(where), where
    return read_schedule_file(where), where
