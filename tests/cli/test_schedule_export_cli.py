"""`veyedesk export-schedule` as a user runs it: the file C3VOC's tools read, and back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import ok, run
from tests.cli.test_ingest_cli import SHOW, db  # noqa: F401  (the fixture)
from tests.services.publishing.test_schedule_export import check_schedule_json, check_schedule_xml
from tests.support.schedules import frab_xml


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_export_schedule_writes_a_schedule_that_imports_back(
    db: list[str],  # noqa: F811
    tmp_path: Path,
    fmt: str,
) -> None:
    xml = tmp_path / "schedule.xml"
    xml.write_bytes(frab_xml())
    ok(*db, "import-schedule", *SHOW, str(xml))
    out = tmp_path / f"out.{fmt}"
    done = run(*db, "export-schedule", *SHOW, "--format", fmt, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}: 7 talks in 2 days" in done.stderr
    stdout = ok(*db, "export-schedule", *SHOW, "--format", fmt)
    assert stdout.startswith("<?xml" if fmt == "xml" else "{")  # no -o: the file on stdout
    if fmt == "xml":
        check_schedule_xml(out.read_bytes())
    else:
        check_schedule_json(out.read_text(encoding="utf-8"))
    ok(*db, "client", "add", "--client", "c3voc")
    ok(*db, "show", "add", "--client", "c3voc", "--show", "vk26")
    other = ["--client", "c3voc", "--show", "vk26"]
    assert "7 added" in ok(*db, "import-schedule", *other, str(out))

    def talks(show: list[str]) -> list[tuple]:
        rows = json.loads(ok(*db, "episodes", *show, "--json"))
        return sorted((r["name"], r["start"], r["duration"], r["room"], r["authors"]) for r in rows)

    assert talks(other) == talks(SHOW)
