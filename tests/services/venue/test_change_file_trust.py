"""A change file is data from outside: it may change only its checkout's rows, cleaned.

Each test starts from a real change file (a real checkout, a real edit, a real export) and
changes what a hand-made file could: rows of another client's show, rows outside the
checked-out room, values of the wrong type or size. Every refusal leaves the shared
database exactly as it was (none of the file is applied) and names the row.
"""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.services.venue.change_files import (
    Made,
    episode_name,
    make_change_file,
    row_for,
    shared_row,
    snapshot,
    write_change_file,
)
from veyedesk.errors import UserError
from veyedesk.model import Log
from veyedesk.services.venue.changes import apply_changes
from veyedesk.services.venue.errors import VenueError


@pytest.fixture
def made(db_url: str, session: Session, tmp_path: Path) -> Made:
    return make_change_file(db_url, session, tmp_path)


def _refused(made: Made, tmp_path: Path, document: Any, match: str, **kw: Any) -> None:
    before = snapshot(made.engine)
    path = write_change_file(tmp_path / "hand.vdz", document)
    with pytest.raises(VenueError, match=match) as caught:
        apply_changes(made.engine, path, **kw)
    assert "\n" not in str(caught.value)
    assert snapshot(made.engine) == before  # none of the file, not even its good rows


def test_the_real_change_file_applies(made: Made) -> None:
    report = apply_changes(made.engine, made.vdz)
    assert report.pushed == 2
    assert episode_name(made.engine, made.talks[0]) == "Renamed at the venue"


def test_a_change_file_may_not_rename_a_talk_of_another_show(made: Made, tmp_path: Path) -> None:
    document = copy.deepcopy(made.document)
    victim = made.other_talks[0]
    document["rows"].append(row_for(made.engine, "episode", victim, name="Hijacked"))
    _refused(made, tmp_path, document, match=victim)
    assert episode_name(made.engine, victim) == "Other talk 0"


def test_prefer_mine_may_not_delete_a_talk_of_another_show(made: Made, tmp_path: Path) -> None:
    document = copy.deepcopy(made.document)
    victim = made.other_talks[1]
    row = row_for(made.engine, "episode", victim)
    row["mine"] = None
    row["base"]["name"] = "Talk 1 in Room A"  # a base that lies about which talk it is
    document["rows"].append(row)
    _refused(made, tmp_path, document, match=victim, prefer="mine")
    assert shared_row(made.engine, "episode", victim) is not None


@pytest.mark.parametrize("kind", ["cut", "log"])
def test_cuts_and_logs_of_another_show_are_refused(made: Made, tmp_path: Path, kind: str) -> None:
    document = copy.deepcopy(made.document)
    key = (made.other_cuts if kind == "cut" else made.other_logs)[0]
    row = row_for(made.engine, kind, key)
    row["mine"] = None
    document["rows"].append(row)
    _refused(made, tmp_path, document, match=key, prefer="mine")


def test_a_new_cut_may_not_hang_on_a_talk_of_another_show(made: Made, tmp_path: Path) -> None:
    document = copy.deepcopy(made.document)
    cut = next(r for r in document["rows"] if r["kind"] == "cut")
    stolen = {
        "kind": "cut",
        "key": "8d4a1c52-6a48-4a53-9f57-5a8a6c1f0a01",
        "base": None,
        "mine": {**cut["mine"], "episode": made.other_talks[0]},
    }
    document["rows"].append(stolen)
    _refused(made, tmp_path, document, match=stolen["key"])


def test_a_cut_for_an_unknown_talk_is_refused_by_name(made: Made, tmp_path: Path) -> None:
    document = copy.deepcopy(made.document)
    cut = next(r for r in document["rows"] if r["kind"] == "cut")
    orphan = {
        "kind": "cut",
        "key": "8d4a1c52-6a48-4a53-9f57-5a8a6c1f0a02",
        "base": None,
        "mine": {**cut["mine"], "episode": "00000000-0000-4000-8000-000000000000"},
    }
    document["rows"].append(orphan)
    _refused(made, tmp_path, document, match=orphan["key"])


def test_a_file_claiming_another_show_or_copy_is_refused(made: Made, tmp_path: Path) -> None:
    document = copy.deepcopy(made.document)
    document["client"], document["show"] = "other", "other_2026"
    _refused(made, tmp_path, document, match="other_2026")
    document = copy.deepcopy(made.document)
    document["copy_uuid"] = "00000000-0000-4000-8000-000000000001"
    _refused(made, tmp_path, document, match="not checked out")


def test_rows_outside_the_checked_out_room_are_refused(
    db_url: str, session: Session, tmp_path: Path
) -> None:
    made = make_change_file(db_url, session, tmp_path, room="room_a")
    document = copy.deepcopy(made.document)
    room_b_talk = made.talks[3]
    document["rows"].append(row_for(made.engine, "episode", room_b_talk, name="Not mine"))
    _refused(made, tmp_path, document, match=room_b_talk)
    assert apply_changes(made.engine, made.vdz).pushed == 2  # the real file still applies


def _talk_row(document: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in document["rows"] if r["kind"] == "episode")


BAD_VALUES = [
    ("duration", "abc", "duration"),
    ("duration", 1e300, "duration"),
    ("start", "9999-12-31T23:00:00", "start"),
    ("start", 12, "start"),
    ("sequence", 10**30, "sequence"),
    ("stop", "yes", "stop"),
    ("released", [], "released"),
    ("state", "no-such-state", "state"),
    ("location", "hall_x", "location"),
    ("conf_meta", {"score": float("nan")}, "conf_meta"),
    ("name", "x" * 50_000_000, "name"),
    ("name", "", "name"),
    ("slug", "../../x", "slug"),
    ("utc_offset_min", 10**9, "utc_offset_min"),
    ("av_offset_ms", 1.5, "av_offset_ms"),
]


@pytest.mark.parametrize(("field", "value", "named"), BAD_VALUES, ids=[v[0] for v in BAD_VALUES])
def test_bad_talk_values_are_refused_naming_the_row_and_field(
    made: Made, tmp_path: Path, field: str, value: Any, named: str
) -> None:
    document = copy.deepcopy(made.document)
    row = _talk_row(document)
    row["mine"][field] = value
    _refused(made, tmp_path, document, match=rf"{row['key']}.*{named}")


@pytest.mark.parametrize(
    ("field", "value"),
    [("start", "abc"), ("end", -5.0), ("end", float("inf")), ("apply", None), ("raw", "../x")],
)
def test_bad_cut_values_are_refused(made: Made, tmp_path: Path, field: str, value: Any) -> None:
    document = copy.deepcopy(made.document)
    row = next(r for r in document["rows"] if r["kind"] == "cut")
    row["mine"][field] = value
    _refused(made, tmp_path, document, match=row["key"])


def test_control_characters_are_cleaned_like_a_schedule_import(made: Made, tmp_path: Path) -> None:
    document = copy.deepcopy(made.document)
    row = _talk_row(document)
    row["mine"]["name"] = "Null\x00in the\x1b[31m title"
    row["mine"]["description"] = "line one\r\nline two\x07"
    apply_changes(made.engine, write_change_file(tmp_path / "ctl.vdz", document))
    stored = shared_row(made.engine, "episode", row["key"])
    assert stored is not None
    assert stored["name"] == "Null in the [31m title"
    assert stored["description"] == "line one\nline two"


@pytest.mark.parametrize(
    "text",
    [
        '{"format": "veyedesk-venue-changes", "version": 1, "rows": null}',
        '{"format": "veyedesk-venue-changes", "version": 1, "rows": '
        + "[" * 100_000
        + "]" * 100_000
        + "}",
        '{"format": "veyedesk-venue-changes", "version": 1, "rows": [], "show": {"a": 1}}',
        '{"format": "veyedesk-venue-changes", "version": 1, "rows": [[]]}',
        "[1, 2]",
    ],
    ids=["rows-null", "deep", "show-not-text", "row-not-object", "not-an-object"],
)
def test_malformed_documents_are_refused_without_a_traceback(
    made: Made, tmp_path: Path, text: str
) -> None:
    before = snapshot(made.engine)
    path = write_change_file(tmp_path / "odd.vdz", None, raw_json=text)
    with pytest.raises(UserError):
        apply_changes(made.engine, path)
    assert snapshot(made.engine) == before


def test_log_rows_are_attributed_to_the_copys_user_and_machine(made: Made, tmp_path: Path) -> None:
    document = copy.deepcopy(made.document)
    talk = made.talks[0]
    forged = {
        "kind": "log",
        "key": "5b0c8f0e-3d8e-4a0f-9f6e-1c2d3e4f5a6b",
        "base": None,
        "mine": {
            "ready": None,
            "start": "2026-02-01T10:00:00",
            "end": None,
            "user": "rita",
            "result": "opened for review",
            "kind": "review opened",
            "episode": talk,
            "state": None,
        },
    }
    document["rows"].append(forged)
    apply_changes(made.engine, write_change_file(tmp_path / "logs.vdz", document))
    with made.engine.connect() as conn:
        user = conn.scalar(select(Log.user).where(Log.uuid == forged["key"]))
    assert user is not None and "rita" not in user
    assert "alice" in user and "laptop-a" in user


def test_a_change_file_cannot_claim_its_origin(made: Made, tmp_path: Path) -> None:
    """The sync log names the copy as checked out, not what the file says it came from."""
    document = copy.deepcopy(made.document)
    document["who"], document["machine"] = "mallory\x00", "evil\nhost"
    apply_changes(made.engine, write_change_file(tmp_path / "who.vdz", document))
    with made.engine.connect() as conn:
        texts = list(conn.scalars(select(Log.result).where(Log.kind == "sync")))
    assert texts and all("mallory" not in t and "evil" not in t for t in texts)
    assert all("laptop-a" in t and "alice" in t for t in texts)


def test_cli_apply_of_a_hand_made_file_says_what_is_wrong(
    made: Made, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from veyedesk.cli import main

    document = copy.deepcopy(made.document)
    victim = made.other_talks[0]
    document["rows"].append(row_for(made.engine, "episode", victim, name="Hijacked"))
    path = write_change_file(tmp_path / "hand.vdz", document)
    before = snapshot(made.engine)
    code = main(["--db", db_url, "venue", "apply", str(path), "--prefer", "mine"])
    printed = capsys.readouterr()
    assert code != 0 and victim in printed.err and "Traceback" not in printed.err
    assert snapshot(made.engine) == before


def _engine_of(made: Made) -> Engine:
    return made.engine


def test_a_copys_log_by_another_login_syncs_later_without_a_conflict(
    db_url: str, session: Session, tmp_path: Path
) -> None:
    """The attributed user is the shared side's to decide: the copy takes it, no conflict."""
    from tests.services.venue.support import copy_of, edit, episode_by_uuid, seed_shared, sqlite
    from veyedesk.db import session_factory
    from veyedesk.services.venue.changes import export_changes
    from veyedesk.services.venue.syncing import sync

    fixture = seed_shared(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    talk = fixture.episodes[0].uuid
    copy_of(db_url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    edit(local, talk, name="Renamed")
    with session_factory(local)() as s, s.begin():
        log = Log(episode=episode_by_uuid(s, talk), user="bob", result="noted", kind="note")
        s.add(log)
        s.flush()
        key = log.uuid
    export_changes(local, tmp_path / "c.vdz")
    apply_changes(engine, tmp_path / "c.vdz")
    report = sync(local, source=engine)
    assert report.conflicts == []
    for side in (engine, local):
        with side.connect() as conn:
            assert conn.scalar(select(Log.user).where(Log.uuid == key)) == "alice on laptop-a"
    local.dispose()


def test_the_report_names_talks_as_the_database_has_them(made: Made, tmp_path: Path) -> None:
    """A base that lies about a talk's title does not rename it in the report."""
    document = copy.deepcopy(made.document)
    row = _talk_row(document)
    row["base"]["name"] = "Other talk 0"
    report = apply_changes(made.engine, write_change_file(tmp_path / "lie.vdz", document))
    pushed = [line for line in report.lines if row["key"] in line or "talk" in line]
    assert pushed and all("Other talk 0" not in line for line in report.lines)
    assert any("Talk 1 in Room A" in line for line in report.lines)


def test_a_talk_whose_slug_the_show_holds_gets_the_next_free_one_and_a_reapply_keeps_it(
    made: Made, tmp_path: Path
) -> None:
    """Found by the change-file property test: applied twice with --prefer mine, the second
    apply tried to push the clashing slug back and the database refused the whole file."""
    document = copy.deepcopy(made.document)
    renamed = next(r for r in document["rows"] if r["kind"] == "episode" and r["base"])
    twin = {"kind": "episode", "key": str(uuid.uuid4()), "base": None}
    twin["mine"] = dict(renamed["mine"])  # a new talk with a slug the show already has
    path = write_change_file(tmp_path / "twin.vdz", document | {"rows": [*document["rows"], twin]})

    apply_changes(made.engine, path, prefer="mine")
    stored = shared_row(made.engine, "episode", twin["key"])
    assert stored is not None and stored["slug"] != renamed["mine"]["slug"]
    assert stored["slug"].startswith(renamed["mine"]["slug"])

    again = apply_changes(made.engine, path, prefer="mine")
    assert (again.pushed, again.lines) == (0, [])
    assert shared_row(made.engine, "episode", twin["key"]) == stored
