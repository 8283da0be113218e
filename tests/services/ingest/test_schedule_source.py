"""Schedules from a URL: fetched over http(s) only, with limits and messages naming the address."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support.http_server import serving
from tests.support.schedules import frab_xml
from veyedesk.ingest.limits import MAX_SCHEDULE_BYTES
from veyedesk.services.errors import InvalidInput
from veyedesk.services.ingest.schedule_source import (
    fetch,
    is_url,
    read_schedule_source,
    read_schedule_stream,
)


def test_is_url_only_for_http_and_https() -> None:
    assert is_url("https://pretalx.example/conf/schedule.xml")
    assert is_url(" HTTP://x/y ")
    assert not is_url("/home/crew/schedule.xml")
    assert not is_url("file:///etc/passwd")
    assert not is_url("ftp://x/schedule.xml")


def test_a_schedule_is_fetched_and_redirects_are_followed() -> None:
    body = frab_xml()
    routes = {
        "/conf/schedule.xml": (200, {"Content-Type": "application/xml"}, body),
        "/old": (301, {"Location": "/conf/schedule.xml"}, b""),
    }
    with serving(routes) as base:
        assert read_schedule_source(f"{base}/conf/schedule.xml") == (
            body,
            f"{base}/conf/schedule.xml",
        )
        assert fetch(f"{base}/old") == body


def test_failures_name_the_address_and_what_to_check(tmp_path: Path) -> None:
    routes = {
        "/big": (200, {}, b"x" * 2048),
        "/ftp": (302, {"Location": "ftp://example.org/schedule.xml"}, b""),
        "/file": (302, {"Location": "file:///etc/passwd"}, b""),
    }
    with serving(routes) as base:
        with pytest.raises(InvalidInput, match=r"/missing: the server answered 404"):
            fetch(f"{base}/missing")
        with pytest.raises(InvalidInput, match=r"more than 0 MB, which is not a schedule"):
            fetch(f"{base}/big", limit=1024)
        for path in ("/ftp", "/file"):
            with pytest.raises(InvalidInput, match=r"which is not http|is not allowed"):
                fetch(f"{base}{path}")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(InvalidInput, match=rf"127.0.0.1:{port}/s.xml: cannot fetch the schedule"):
        fetch(f"http://127.0.0.1:{port}/s.xml", timeout=5)
    with pytest.raises(InvalidInput, match=r"nope\.xml: cannot read the schedule"):
        read_schedule_source(str(tmp_path / "nope.xml"))


def test_a_schedule_file_past_50_mb_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    """Issue 20: files were read whole, whatever their size (a video picked by mistake)."""
    huge = tmp_path / "talk.mp4"
    with huge.open("wb") as f:  # sparse: no disk space used
        f.truncate(MAX_SCHEDULE_BYTES + 1)
    with pytest.raises(InvalidInput, match=r"talk\.mp4: more than 50 MB, which is not a schedule"):
        read_schedule_source(str(huge))
    with huge.open("rb") as stream, pytest.raises(InvalidInput, match=r"<stdin>: more than 50"):
        read_schedule_stream(stream, "<stdin>")
    fits = tmp_path / "schedule.xml"
    fits.write_bytes(frab_xml())
    assert read_schedule_source(str(fits)) == (frab_xml(), str(fits))
