"""A change file carries a copy's edits to a connected machine; applying twice is a no-op."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.services.venue.support import copy_of, dump, edit, seed_shared, sqlite
from veyedesk.services.venue.changes import apply_changes, export_changes, read_changes
from veyedesk.services.venue.errors import VenueError
from veyedesk.services.venue.syncing import sync


def test_export_apply_merges_like_sync_and_reapply_is_a_no_op(
    db_url: str, session: Session, tmp_path: Path
) -> None:
    fixture = seed_shared(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    talks = [e.uuid for e in fixture.episodes]
    copy_of(db_url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    edit(local, talks[0], name="Venue title", comment="from the room")
    edit(local, talks[1], name="Venue name 2")
    edit(engine, talks[1], name="Online name 2")
    edit(engine, talks[0], description="online")

    written = export_changes(local, tmp_path / "day1.vdz")
    assert written.rows == 2 and written.size < 10_000
    document = read_changes(tmp_path / "day1.vdz")
    assert document["version"] == 1 and document["rows"][0]["base"] is not None

    dry = apply_changes(engine, tmp_path / "day1.vdz", dry_run=True)
    assert [c.field for c in dry.conflicts] == ["name"]
    report = apply_changes(engine, tmp_path / "day1.vdz")
    assert [c.field for c in report.conflicts] == ["name"] and report.pushed == 1
    shared = dump(engine)["episode"]
    assert (shared[talks[0]]["name"], shared[talks[0]]["description"]) == ("Venue title", "online")
    assert shared[talks[1]]["name"] == "Online name 2"  # not overwritten without a choice
    before = dump(engine)
    again = apply_changes(engine, tmp_path / "day1.vdz")
    assert again.pushed == 0 and dump(engine) == before
    chosen = apply_changes(engine, tmp_path / "day1.vdz", prefer="mine")
    assert chosen.pushed == 1 and chosen.conflicts == []
    assert dump(engine)["episode"][talks[1]]["name"] == "Venue name 2"
    assert apply_changes(engine, tmp_path / "day1.vdz").pushed == 0
    # The laptop syncing later finds its own edits already there: no conflict, no duplicate.
    report = sync(local)
    assert report.conflicts == [] and report.pushed == 0
    assert dump(local)["episode"] == dump(engine)["episode"]


def test_bad_change_files_are_refused_by_name(tmp_path: Path, sqlite_url: str) -> None:
    from veyedesk.db import make_engine

    engine = make_engine(sqlite_url)
    bad = tmp_path / "bad.vdz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(VenueError, match=r"bad\.vdz is not a veyedesk change file"):
        apply_changes(engine, bad)
    with zipfile.ZipFile(tmp_path / "v9.vdz", "w") as zf:
        zf.writestr("changes.json", json.dumps({"format": "veyedesk-venue-changes", "version": 9}))
    with pytest.raises(VenueError, match="version 9"):
        apply_changes(engine, tmp_path / "v9.vdz")
    with pytest.raises(VenueError, match="does not exist"):
        apply_changes(engine, tmp_path / "none.vdz")
    engine.dispose()


def test_a_reviewer_may_not_apply_a_change_file(
    db_url: str, session: Session, tmp_path: Path
) -> None:
    from veyedesk.services.errors import PermissionDenied
    from veyedesk.services.identity import Identity

    fixture = seed_shared(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    copy_of(db_url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    edit(local, fixture.episodes[0].uuid, name="From the laptop")
    export_changes(local, tmp_path / "c.vdz")
    with pytest.raises(PermissionDenied):
        apply_changes(engine, tmp_path / "c.vdz", who=Identity("rita", "reviewer"))
    assert apply_changes(engine, tmp_path / "c.vdz", who=Identity("ed", "editor")).pushed == 1
    local.dispose()
