"""The ingest commands as a user runs them: import-schedule, scan, assoc, marks, report, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.cli.test_cli import ok, one_error_line, run
from tests.ingest.rawday import make_room_day
from tests.support.schedules import TALKS, frab_xml, moved, pretalx_json
from veyedesk.db import make_engine


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    args = ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    ok(*args, "db", "upgrade")
    ok(*args, "client", "add", "--client", "vk")
    ok(*args, "show", "add", "--client", "vk", "--show", "vk26")
    return args


SHOW = ["--client", "vk", "--show", "vk26"]


def test_import_schedule_dry_run_reimport_and_errors(db: list[str], tmp_path: Path) -> None:
    xml = tmp_path / "schedule.xml"
    xml.write_bytes(frab_xml())
    dry = ok(*db, "import-schedule", *SHOW, str(xml), "--dry-run")
    assert "7 added" in dry and "dry run: nothing was written" in dry
    assert json.loads(ok(*db, "episodes", *SHOW, "--json")) == []
    first = ok(*db, "import-schedule", *SHOW, str(xml))
    assert "rooms created: horsaal_1, saal_ada, workshop_raum" in first
    rows = json.loads(ok(*db, "episodes", *SHOW, "--json"))
    assert {r["start"] for r in rows if r["conf_key"].endswith("102")} == {
        "2026-02-01T11:00:00+01:00"
    }
    assert "no changes" in ok(*db, "import-schedule", *SHOW, str(xml))
    xml.write_bytes(frab_xml(moved(TALKS, 103, "11:30")))
    diff = ok(*db, "import-schedule", *SHOW, str(xml))
    assert "~ changed 6c2f0a0e-0001-4c1e-9a51-000000000103" in diff
    assert "start: '2026-02-01T11:00:00' -> '2026-02-01T11:30:00'" in diff
    xml.write_bytes(frab_xml()[:-40])
    line = one_error_line(run(*db, "import-schedule", *SHOW, str(xml)))
    assert "schedule.xml: line" in line and "broken XML" in line
    missing = one_error_line(run(*db, "import-schedule", *SHOW, str(tmp_path / "nope.xml")))
    assert "nope.xml: cannot read the schedule" in missing


@pytest.mark.media
def test_scan_assoc_marks_report_export_playlist(db: list[str], tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    make_room_day(raw, tmp_path / "cache", room="room_a")
    ok(*db, "room", "add", *SHOW, "room_a")
    csv = tmp_path / "talks.csv"
    csv.write_text(
        "name,room,start,duration,authors,emails,description,conf_key\n"
        "Spans two files,room_a,2026-02-01 10:00:02,4,Ann,,,t1\n"
        "Nothing recorded,room_a,2026-02-01 15:00:00,1800,Bob,,,t2\n",
        encoding="utf-8",
    )
    ok(*db, "import-schedule", *SHOW, str(csv))
    scan = run(*db, "scan", *SHOW, str(raw))
    assert scan.returncode == 0, scan.stderr
    assert "5 added" in scan.stdout and "2 unreadable" in scan.stdout
    assert f"raw folder of vk/vk26 set to {raw}" in scan.stdout
    assert "empty (0 bytes)" in scan.stdout
    assert scan.stderr == ""  # no progress bar when stderr is not a terminal
    assert "0 added, 0 updated, 0 missing" in ok(*db, "scan", *SHOW, str(raw))
    marks = tmp_path / "clicks.txt"
    marks.write_text("2026-02-01 10:00:01\n2026-02-01 10:00:01\n")
    assert "1 marks added, 1 already known" in ok(
        *db, "marks", "import", *SHOW, "--room", "room_a", str(marks)
    )
    assoc = ok(*db, "assoc", *SHOW)
    assert "3 cuts added to 1 of 2 episodes; 1 without raw files" in assoc
    report = json.loads(ok(*db, "report", *SHOW, "--json"))
    assert [t["name"] for t in report["talks_without_raw"]] == ["Nothing recorded"]
    assert len(report["unreadable_raw_files"]) == 2
    text = ok(*db, "report", *SHOW)
    assert "talks per day and room, by state:" in text
    ep_id = next(
        r["id"] for r in json.loads(ok(*db, "episodes", *SHOW, "--json")) if r["conf_key"] == "t1"
    )
    (exported,) = json.loads(ok(*db, "export", str(ep_id)))
    assert [c["raw_file"] for c in exported["cuts"]][:2] == [
        "2026-02-01/10_00_00.dv",
        "2026-02-01/10_00_04.ts",
    ]
    out = tmp_path / "talk.m3u"
    ok(*db, "show", "--help")  # the show group still parses alongside ours
    playlist = run(
        *db, "--config", str(tmp_path / "c.toml"), "playlist", str(ep_id), "-o", str(out)
    )
    assert playlist.returncode == 0, playlist.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "#EXTM3U" and "#EXTVLCOPT:start-time=1.000" in lines
    assert "no applied cuts" in one_error_line(run(*db, "playlist", str(ep_id + 1)))


def test_progress_line_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from veyedesk.cli.ingest import _ProgressLine

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, shown in ((Tty(), True), (io.StringIO(), False)):
        monkeypatch.setattr("sys.stderr", stream)
        bar = _ProgressLine()
        bar(1, 4, "2026-02-01/10_00_00.dv")
        bar(4, 4, "2026-02-01/10_30_00.dv")
        bar.close()
        text = stream.getvalue()
        assert ("probing [" in text and "] 4/4" in text and text.endswith("\r")) is shown
        assert text == "" or shown


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"schedule": []}', "no schedule.conference object"),
        (pretalx_json().replace(b'"duration": "00:45"', b'"duration": "99999999:00:00:00"', 1),
         "(event 101): duration"),
        (pretalx_json().replace(b"2026-02-01T10:00:00+01:00", b"9999-12-31T23:59Z", 1),
         "(event 101): start 9999-12-31 23:59:00+00:00 is not between 1970 and 2199"),
        (pretalx_json().replace(b'"id": 101', b'"id": ' + b"7" * 5000, 1), "digits"),
        (pretalx_json().replace(b'"id": 101', b'"id": NaN', 1), "NaN is not a JSON value"),
        (pretalx_json().replace(b'"CC BY 4.0"', b'"' + b"L" * 51 + b'"', 1),
         "license is 51 characters, longer than the 50 the database holds"),
    ],
    ids=["empty_list", "huge_duration", "year_9999", "5000_digit_id", "nan", "long_license"],
)  # fmt: skip
def test_hostile_schedule_exits_1_with_one_line_and_writes_nothing(
    db: list[str], tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "schedule.json"
    path.write_bytes(content)
    line = one_error_line(run(*db, "import-schedule", *SHOW, str(path)))
    assert f"{path}: " in line and message in line, line
    assert json.loads(ok(*db, "episodes", *SHOW, "--json")) == []


def test_marks_import_reads_voctomix_cut_list_and_refuses_unknown_lines(
    db: list[str], tmp_path: Path
) -> None:
    ok(*db, "room", "add", *SHOW, "room_a")
    marks = ["marks", "import", *SHOW, "--room", "room_a"]
    log = tmp_path / "voctocore.log"
    log.write_text("2026-02-01/10_15_30\n2026-02-01/10_59_02\n")  # generate-cut-list.py
    assert f"{log}: 2 marks added, 0 already known" in ok(*db, *marks, str(log))
    bad = tmp_path / "cut-list.log"
    bad.write_text("2026-02-01/11_30_00\n2026-02-01 11:31 cut\n")
    line = one_error_line(run(*db, *marks, str(bad)))
    assert f"{bad}: line 2: '2026-02-01 11:31 cut' is not a timestamp" in line
    bad.write_text("2026-02-01/11_30_00\n")
    assert "1 marks added" in ok(*db, *marks, str(bad))  # the refused file wrote nothing


def test_control_characters_in_a_marks_path_stay_out_of_output_and_database(
    db: list[str], tmp_path: Path
) -> None:
    ok(*db, "room", "add", *SHOW, "room_a")
    path = tmp_path / "day 1\nclicks\x1b[2J.txt"
    path.write_text("2026-02-01 10:00:00\n")
    out = ok(*db, "marks", "import", *SHOW, "--room", "room_a", str(path))
    assert out.splitlines() == [f"{tmp_path}/day 1 clicks [2J.txt: 1 marks added, 0 already known"]
    engine = make_engine(db[1])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT source FROM mark")).scalar_one() == out.split(":")[0]
    engine.dispose()


def test_control_characters_typed_in_cli_slugs_and_states_do_not_reach_lookups(
    db: list[str], tmp_path: Path
) -> None:
    csv = tmp_path / "talks.csv"
    csv.write_text("name,room,start\nTalk,room_a,2026-02-01 10:00\n", encoding="utf-8")
    ok(*db, "import-schedule", "--client", "vk\x1b", "--show", "vk26\x07", str(csv))
    (row,) = json.loads(ok(*db, "episodes", *SHOW, "--state", "edit\x08", "--json"))
    assert "review 1" in ok(*db, "state", "set", str(row["id"]), "review 1\x1b")


def test_export_of_a_whole_show_imports_into_another_client_unchanged(
    db: list[str], tmp_path: Path
) -> None:
    xml = tmp_path / "schedule.xml"
    xml.write_bytes(frab_xml())
    ok(*db, "import-schedule", *SHOW, str(xml))
    out = tmp_path / "vk26.json"
    ok(*db, "export", *SHOW, "-o", str(out))
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert len(exported) == len(TALKS)
    ok(*db, "client", "add", "--client", "other")
    ok(*db, "show", "add", "--client", "other", "--show", "moved")
    moved = ["--client", "other", "--show", "moved"]
    assert "7 added" in ok(*db, "import-schedule", *moved, str(out), "--format", "veyepar-json")

    def rows(show: list[str]) -> list[dict]:
        local = {"id", "locked_by"}
        return [
            {k: v for k, v in r.items() if k not in local}
            for r in json.loads(ok(*db, "episodes", *show, "--json"))
        ]

    assert rows(moved) == rows(SHOW)
    # The conference's schedule again: the copy is exactly what that schedule says.
    assert "no changes" in ok(*db, "import-schedule", *moved, str(xml))
    line = one_error_line(run(*db, "export", "--client", "vk"))
    assert "give --client and --show" in line


def test_a_blank_cell_removes_a_description_only_with_allow_removals(
    db: list[str], tmp_path: Path
) -> None:
    """Issue 19 item 6: removals are listed and need --allow-removals."""
    head = "name,room,start,duration,description,conf_key\n"
    full, blank = tmp_path / "full.csv", tmp_path / "blank.csv"
    full.write_text(head + "Talk,Main Hall,2026-03-01 10:00,1800,Keep me,k1\n")
    blank.write_text(head + "Talk,Main Hall,2026-03-01 10:00,1800,,k1\n")
    ok(*db, "import-schedule", *SHOW, str(full))
    out = ok(*db, "import-schedule", *SHOW, str(blank))
    assert "description: blank in the schedule; keeping 'Keep me'" in out
    assert "--allow-removals" in out
    engine = make_engine(db[1])

    def description() -> str:
        with engine.connect() as conn:
            return str(conn.execute(text("select description from episode")).scalar_one())

    assert description() == "Keep me"
    out = ok(*db, "import-schedule", *SHOW, str(blank), "--allow-removals")
    assert "description: removed (was 'Keep me')" in out
    assert description() == ""
    engine.dispose()
