"""`veyedesk import-schedule` takes the conference's schedule URL as well as a file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import ok, one_error_line, run
from tests.support.http_server import serving
from tests.support.schedules import frab_xml


def test_import_schedule_from_a_url(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    ok(*db, "db", "upgrade")
    ok(*db, "client", "add", "--client", "vk")
    ok(*db, "show", "add", "--client", "vk", "--show", "vk26")
    show = ["--client", "vk", "--show", "vk26"]
    with serving({"/schedule.xml": (200, {}, frab_xml())}) as base:
        out = ok(*db, "import-schedule", *show, f"{base}/schedule.xml")
        assert f"{base}/schedule.xml: 7 events (frab-xml)" in out
        assert len(json.loads(ok(*db, "episodes", *show, "--json"))) == 7
        line = one_error_line(run(*db, "import-schedule", *show, f"{base}/gone.xml"))
        assert f"{base}/gone.xml: the server answered 404" in line
