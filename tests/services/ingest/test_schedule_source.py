"""Schedules from a URL: fetched over http(s) only, with limits and messages naming the address."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support.http_server import serving
from tests.support.schedules import frab_xml
from veyedesk.services.errors import InvalidInput
from veyedesk.services.ingest.schedule_source import fetch, is_url, read_schedule_source


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
        with pytest.raises(InvalidInput, match=r"more than 0 MB, not a schedule"):
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
