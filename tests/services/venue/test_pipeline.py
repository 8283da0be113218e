"""A venue copy runs its show's pipeline: checkout copies it, sync keeps release gating."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.services.venue.support import copy_of, edit, seed_shared, sqlite
from veyedesk.db import session_factory
from veyedesk.model import Episode, Log, PipelineSettings, ReleaseHold, ShowState
from veyedesk.model.kinds import LogKind
from veyedesk.services.editing.open_save import change_state
from veyedesk.services.identity import Identity
from veyedesk.services.pipeline.states import set_release_rules, set_stage
from veyedesk.services.venue.syncing import sync

ADMIN = Identity("root", "admin")
ALICE = Identity("alice", "editor")


@pytest.fixture
def shared(db_url: str, session: Session) -> tuple[str, Engine, list[str]]:
    fixture = seed_shared(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return db_url, engine, [e.uuid for e in fixture.episodes]


def _state_of(engine: Engine, uuid: str) -> str:
    with session_factory(engine)() as s:
        ep = s.scalars(select(Episode).where(Episode.uuid == uuid)).one()
        assert ep.state is not None
        return ep.state.slug


def _move_on_copy(local: Engine, uuid: str, slug: str) -> None:
    with session_factory(local)() as s, s.begin():
        ep = s.scalars(select(Episode).where(Episode.uuid == uuid)).one()
        change_state(s, ep, slug, ALICE, "mp4", strict=False)


def test_checkout_copies_the_shows_pipeline_and_the_copy_walks_it(
    shared: tuple[str, Engine, list[str]], session: Session, tmp_path: Path
) -> None:
    url, engine, talks = shared
    show = session.scalars(select(Episode)).first().show  # type: ignore[union-attr]
    # This show needs no second review and publishes talks nobody asked.
    set_stage(session, show, "review 2", "pass", ADMIN)
    set_release_rules(session, show, ADMIN, default_profile="mp4", unknown_publishes=True)
    session.commit()
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    with session_factory(local)() as s:
        assert [(r.state.slug, r.kind) for r in s.scalars(select(ShowState))] == [
            ("review 2", "pass")
        ]
        assert s.scalars(select(PipelineSettings.unknown_publishes)).all() == [True]

    # Approved after review 1 at the venue: email and review 2 pass, Unknown publishes.
    _move_on_copy(local, talks[0], "email")
    assert _state_of(local, talks[0]) == "done"
    sync(local)
    assert _state_of(engine, talks[0]) == "done"
    assert _state_of(local, talks[0]) == "done"


def test_a_talk_moved_into_public_states_offline_is_held_on_the_shared_side_when_refused(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    edit(engine, talks[0], released=True)
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    with session_factory(engine)() as s, s.begin():
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
        change_state(s, ep, "review 2", ADMIN, "mp4")
    sync(local)  # the copy learns it is in review 2 (and the locks are released)
    assert _state_of(local, talks[0]) == "review 2"
    # Online, the speaker withdraws; at the venue (still Yes there) review 2 is approved.
    edit(engine, talks[0], released=False)
    _move_on_copy(local, talks[0], "make public")
    assert _state_of(local, talks[0]) == "done"  # the copy did not know

    report = sync(local)
    assert report.conflicts == []
    with session_factory(engine)() as s:
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
        assert ep.released is False
        assert ep.state is not None and ep.state.slug == "review 2"
        hold = s.get(ReleaseHold, ep.id)
        assert hold is not None and hold.state.slug == "make public"
        assert hold.reason == "refused"
        logs = s.scalars(select(Log).where(Log.episode_id == ep.id, Log.kind == LogKind.RELEASE))
        assert any("speaker refused release" in log.result for log in logs)
    # The same sync brought the copy back to where the shared database stopped it.
    assert _state_of(local, talks[0]) == "review 2"
    again = sync(local)
    assert (again.pushed, again.pulled) == (0, 0)


def test_released_set_yes_offline_carries_a_held_talk_on_at_sync(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    with session_factory(engine)() as s, s.begin():
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
        change_state(s, ep, "review 2", ADMIN, "mp4")
        change_state(s, ep, "make public", ADMIN, "mp4", strict=False)  # waits: Unknown
        assert ep.state is not None and ep.state.slug == "review 2"
        assert s.get(ReleaseHold, ep.id) is not None
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    edit(local, talks[0], released=True)  # the signed form arrived at the venue
    sync(local)
    assert _state_of(engine, talks[0]) == "done"
    with session_factory(engine)() as s:
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
        assert s.get(ReleaseHold, ep.id) is None
    assert _state_of(local, talks[0]) == "done"


def test_a_change_file_applied_online_keeps_release_gating(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    from veyedesk.services.venue.changes import apply_changes, export_changes

    url, engine, talks = shared
    with session_factory(engine)() as s, s.begin():
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[1])).one()
        change_state(s, ep, "review 2", ADMIN, "mp4")
    edit(engine, talks[1], released=True)
    copy_of(url, tmp_path / "v.db", lock=False)
    local = sqlite(tmp_path / "v.db")
    edit(engine, talks[1], released=False)  # refused online; the laptop never hears of it
    _move_on_copy(local, talks[1], "make public")
    export_changes(local, tmp_path / "day1.vdz")
    report = apply_changes(engine, tmp_path / "day1.vdz")
    assert report.conflicts == []
    assert _state_of(engine, talks[1]) == "review 2"
    with session_factory(engine)() as s:
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[1])).one()
        hold = s.get(ReleaseHold, ep.id)
        assert hold is not None and (hold.state.slug, hold.reason) == ("make public", "refused")


def test_a_held_talk_released_and_moved_on_at_the_venue_drops_its_hold_online(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    with session_factory(engine)() as s, s.begin():
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[2])).one()
        change_state(s, ep, "review 2", ADMIN, "mp4")
        change_state(s, ep, "make public", ADMIN, "mp4", strict=False)  # waits: Unknown
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    # At the venue the signed form arrives and the talk is sent back to edit.
    edit(local, talks[2], released=True)
    _move_on_copy(local, talks[2], "edit")
    sync(local)
    assert _state_of(engine, talks[2]) == "edit"
    with session_factory(engine)() as s:
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[2])).one()
        assert s.get(ReleaseHold, ep.id) is None


def test_the_copy_shows_the_shared_release_holds_and_drops_them_when_moved_online(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    from veyedesk.jobs.state_moves import resume

    url, engine, talks = shared
    with session_factory(engine)() as s, s.begin():
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
        change_state(s, ep, "review 2", ADMIN, "mp4")
        change_state(s, ep, "make public", ADMIN, "mp4", strict=False)  # waits: Unknown
    copy_of(url, tmp_path / "v.db", lock=False)
    local = sqlite(tmp_path / "v.db")
    with session_factory(local)() as s:
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
        hold = s.get(ReleaseHold, ep.id)
        assert hold is not None and (hold.state.slug, hold.reason) == ("make public", "waiting")
    with session_factory(engine)() as s, s.begin():  # the form arrives at the office
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
        ep.released = True
        ep.serial += 1
        resume(s, ep, "root", "mp4")
    sync(local)
    assert _state_of(local, talks[0]) == "done"
    with session_factory(local)() as s:
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
        assert s.get(ReleaseHold, ep.id) is None
