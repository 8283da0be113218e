"""Sync merges a venue copy and the shared database field by field, and only once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.services.venue.support import copy_of, dump, edit, edit_cuts, seed_shared, sqlite
from veyedesk.db import make_engine, session_factory
from veyedesk.model import Cut, CutTombstone, Episode, Mark, VenueSyncReceipt
from veyedesk.model.kinds import MarkKind
from veyedesk.services.editing.locks import lock_state
from veyedesk.services.venue.syncing import pending_conflicts, sync


@pytest.fixture
def shared(db_url: str, session: Session) -> tuple[str, Engine, list[str]]:
    fixture = seed_shared(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return db_url, engine, [e.uuid for e in fixture.episodes]


def test_disjoint_edits_merge_and_a_second_sync_changes_nothing(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    edit(local, talks[0], name="Venue title")
    edit(engine, talks[0], description="Online description")
    edit(engine, talks[1], name="Online title")

    report = sync(local)
    assert report.conflicts == [] and report.pushed >= 1 and report.pulled >= 2
    theirs, mine = dump(engine), dump(local)
    assert theirs["episode"] == mine["episode"]
    assert theirs["episode"][talks[0]]["name"] == "Venue title"
    assert theirs["episode"][talks[0]]["description"] == "Online description"
    assert mine["episode"][talks[1]]["name"] == "Online title"
    # The pushed name counts as edited by hand on the shared side; locks are released.
    with session_factory(engine)() as s:
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
        assert "name" in (ep.edited_fields or [])
        assert lock_state(s, ep.id, 120).free
        receipts = s.scalars(select(VenueSyncReceipt)).all()
    before_s, before_l = dump(engine), dump(local)
    again = sync(local)
    assert (again.pushed, again.pulled, again.conflicts) == (0, 0, [])
    assert dump(engine) == before_s and dump(local) == before_l
    with session_factory(engine)() as s:
        assert len(s.scalars(select(VenueSyncReceipt)).all()) == len(receipts)


def test_same_field_on_both_sides_is_a_conflict_until_chosen(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    edit(local, talks[2], name="Mine", tags="venue")
    edit(engine, talks[2], name="Theirs")

    dry = sync(local, dry_run=True)
    assert [c.field for c in dry.conflicts] == ["name"]
    report = sync(local)
    assert [(c.field, c.mine, c.theirs) for c in report.conflicts] == [("name", "Mine", "Theirs")]
    # Nothing overwritten: each side keeps its own title, the other field merged.
    assert dump(engine)["episode"][talks[2]]["name"] == "Theirs"
    assert dump(engine)["episode"][talks[2]]["tags"] == "venue"
    assert dump(local)["episode"][talks[2]]["name"] == "Mine"
    with session_factory(local)() as s:
        assert [c.field for c in pending_conflicts(s)] == ["name"]
    # Still pending on the next sync; then chosen.
    assert [c.field for c in sync(local).conflicts] == ["name"]
    chosen = sync(local, prefer="theirs", prefer_fields=("name",))
    assert chosen.conflicts == [] and chosen.resolved == 1
    assert dump(local)["episode"][talks[2]]["name"] == "Theirs"
    with session_factory(local)() as s:
        assert pending_conflicts(s) == []
    assert sync(local).pushed == 0


def test_cuts_marks_logs_and_tombstones_cross_both_ways(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")

    def trim(draft):  # type: ignore[no-untyped-def]
        draft.cuts[0].start = 12.5
        del draft.cuts[1:]

    edit_cuts(local, talks[0], trim)  # venue: trims the first cut, deletes the second
    with session_factory(local)() as s, s.begin():
        room = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one().location
        s.add(
            Mark(
                show_id=room.show_id,
                location=room,
                click=__import__("datetime").datetime(2026, 2, 1, 9, 31),
                kind=MarkKind.END,
                who="bob",
                machine="laptop-a",
            )
        )
    with session_factory(engine)() as s, s.begin():
        room = s.scalars(select(Episode).where(Episode.uuid == talks[1])).one().location
        s.add(
            Mark(
                show_id=room.show_id,
                location=room,
                click=__import__("datetime").datetime(2026, 2, 1, 9, 46),
                kind=MarkKind.START,
            )
        )

    def later(draft):  # type: ignore[no-untyped-def]
        draft.cuts[0].end = 600.0

    edit_cuts(engine, talks[1], later)  # online: changes a cut of another talk
    sync(local)
    theirs, mine = dump(engine), dump(local)
    for kind in ("cut", "mark", "tombstone"):
        assert theirs[kind] == mine[kind], kind
    cut0 = [d for d in theirs["cut"].values() if d["episode"] == talks[0]]
    assert [(c["start"], c["sequence"]) for c in cut0] == [(12.5, 1)]
    assert any(d["episode"] == talks[0] for d in theirs["tombstone"].values())
    assert len(theirs["mark"]) == len(mine["mark"]) == 8
    assert sync(local).pushed == 0
    with session_factory(engine)() as s:
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
        assert len(s.scalars(select(Cut).where(Cut.episode_id == ep.id)).all()) == 1
        assert s.scalars(select(CutTombstone).where(CutTombstone.episode_id == ep.id)).first()


class Crash(BaseException):
    """Stands for the process dying at a commit point (the child-process test kills it)."""


def test_rerun_after_a_crash_past_the_shared_commit_finishes_from_the_plan(
    shared: tuple[str, Engine, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veyedesk.services.venue import syncing as sync_module

    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    edit(local, talks[0], name="Venue title")

    def die(name: str) -> None:
        if name == "shared-committed":
            raise Crash(name)

    monkeypatch.setattr(sync_module, "_checkpoint", die)
    with pytest.raises(Crash):
        sync(local)
    monkeypatch.undo()
    assert dump(engine)["episode"][talks[0]]["name"] == "Venue title"
    # Someone online renames it again before the laptop reruns: that is their change to
    # the pushed title, not a conflict, and the rerun must take it.
    edit(engine, talks[0], name="Renamed online")
    report = sync(local)
    assert report.recovered and report.conflicts == []
    assert dump(local)["episode"][talks[0]]["name"] == "Renamed online"
    with session_factory(engine)() as s:
        assert len(s.scalars(select(VenueSyncReceipt)).all()) == 1


def test_a_talk_added_at_the_venue_reaches_the_show_with_a_free_slug_and_its_cuts(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    from veyedesk.services.episodes import add_episode

    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    with session_factory(local)() as s, s.begin():
        first = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
        extra = add_episode(
            s, first.show, "Lightning talks", room=first.location, start=first.start
        )
        extra.cuts.append(Cut(raw_file=first.cuts[0].raw_file, sequence=1, start=3.0))
        s.flush()
        new_uuid, slug = extra.uuid, extra.slug
    with session_factory(engine)() as s, s.begin():  # meanwhile the schedule got one too
        first = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
        online = add_episode(s, first.show, "Lightning talks", room=first.location)
        assert online.slug == slug
    report = sync(local)
    assert report.conflicts == [] and report.pulled == 2  # their talk, and our new slug
    theirs = dump(engine)
    assert theirs["episode"][new_uuid]["slug"] == f"{slug}_2"
    assert [c["start"] for c in theirs["cut"].values() if c["episode"] == new_uuid] == [3.0]
    assert dump(local)["episode"] == theirs["episode"]
    assert (sync(local).pushed, sync(local).pulled) == (0, 0)


def test_a_reviewer_may_not_sync(shared: tuple[str, Engine, list[str]], tmp_path: Path) -> None:
    from veyedesk.services.errors import PermissionDenied
    from veyedesk.services.identity import Identity

    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    edit(local, talks[0], name="Reviewer's idea")
    with pytest.raises(PermissionDenied, match="may not edit"):
        sync(local, who=Identity("rita", "reviewer"))
    assert dump(engine)["episode"][talks[0]]["name"] != "Reviewer's idea"
    assert sync(local, dry_run=True, who=Identity("rita", "reviewer")).pushed == 1


@pytest.mark.postgres
def test_an_online_save_during_the_sync_is_merged_not_overwritten(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veyedesk.services.venue import syncing as sync_module

    engine = make_engine(pg_url)
    with session_factory(engine)() as session:
        talks = [e.uuid for e in seed_shared(session).episodes]
    copy_of(pg_url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    edit(local, talks[0], name="Venue title")
    saved: list[str] = []

    def save_online_meanwhile(name: str) -> None:
        # The sync has read the shared side and committed its plan; an editor saves now,
        # the same title and the description.
        if name == "planned" and not saved:
            edit(engine, talks[0], name="Online title", description="Saved during the sync")
            saved.append(name)

    monkeypatch.setattr(sync_module, "_checkpoint", save_online_meanwhile)
    report = sync(local, source=engine)
    assert saved
    # Their title is not overwritten: the retry sees it and asks; their text is merged.
    assert [(c.field, c.mine, c.theirs) for c in report.conflicts] == [
        ("name", "Venue title", "Online title")
    ]
    theirs = dump(engine)["episode"][talks[0]]
    assert (theirs["name"], theirs["description"]) == ("Online title", "Saved during the sync")
    assert dump(local)["episode"][talks[0]]["description"] == "Saved during the sync"
    with session_factory(local)() as s:
        assert s.scalars(select(sync_module.VenueSyncRun)).all() == []
    local.dispose()
    engine.dispose()


def test_a_raw_file_scanned_on_both_sides_is_one_file(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    from datetime import datetime

    from veyedesk.model import RawFile

    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    name = "2026-02-01/11_30_00.dv"
    for side, comment in ((local, "seen at the venue"), (engine, "")):
        with session_factory(side)() as s, s.begin():
            ep = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
            raw = RawFile(
                show_id=ep.show_id,
                location=ep.location,
                filename=name,
                start=datetime(2026, 2, 1, 11, 30),
                duration=600.0,
                fps=25.0,
                comment=comment,
            )
            s.add(raw)
            if side is local:
                ep.cuts.append(Cut(raw_file=raw, sequence=9, start=1.0))
    assert sync(local).conflicts == []
    with session_factory(engine)() as s:
        found = s.scalars(select(RawFile).where(RawFile.filename == name)).all()
        assert len(found) == 1 and found[0].comment == "seen at the venue"
        assert [c.start for c in found[0].cuts] == [1.0]
    assert (sync(local).pushed, sync(local).pulled) == (0, 0)


def test_a_talk_moved_on_at_the_venue_is_queued_on_the_shared_database(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    from veyedesk.model import EncodeJob, Log
    from veyedesk.services.editing.open_save import change_state
    from veyedesk.services.identity import Identity

    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    with session_factory(local)() as s, s.begin():
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[1])).one()
        change_state(s, ep, "encode", Identity("alice", "editor"), "mp4")
    report = sync(local)
    assert any(line.startswith("push log of “Talk 2 in Room A") for line in report.lines)
    with session_factory(engine)() as s:
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[1])).one()
        assert ep.state is not None and ep.state.slug == "encode"
        jobs = s.scalars(select(EncodeJob).where(EncodeJob.episode_id == ep.id)).all()
        assert [(j.profile, j.status) for j in jobs] == [("mp4", "queued")]
        # The venue's own log of the move arrives once, and only once (beside the sync's).
        kinds = sorted(s.scalars(select(Log.kind).where(Log.episode_id == ep.id)))
        assert kinds == ["state", "sync"]
    assert sync(local).pushed == 0
