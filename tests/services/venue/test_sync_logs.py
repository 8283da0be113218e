"""A sync leaves a Log on every talk it changed on the shared database, and on the copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.services.venue.support import copy_of, dump, edit, edit_cuts, seed_shared, sqlite
from veyedesk.db import session_factory
from veyedesk.model import Episode, Log
from veyedesk.model.kinds import LogKind
from veyedesk.services.identity import Identity
from veyedesk.services.venue.changes import apply_changes, export_changes
from veyedesk.services.venue.syncing import sync


@pytest.fixture
def shared(db_url: str, session: Session) -> tuple[str, Engine, list[str]]:
    fixture = seed_shared(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return db_url, engine, [e.uuid for e in fixture.episodes]


def _sync_logs(engine: Engine) -> dict[str, tuple[str, str, str, str | None]]:
    """uuid -> (talk uuid, user, text, state slug) of every sync Log."""
    with session_factory(engine)() as s:
        found = s.scalars(select(Log).join(Episode).where(Log.kind == LogKind.SYNC)).all()
        return {
            log.uuid: (log.episode.uuid, log.user, log.result, log.state and log.state.slug)
            for log in found
        }


def test_each_talk_the_sync_changed_gets_one_log_on_both_sides(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db", who="alice", machine="laptop-a")
    local = sqlite(tmp_path / "v.db")
    edit(local, talks[0], name="Venue title")

    def trim(draft):  # type: ignore[no-untyped-def]
        draft.cuts[0].start = 3.0

    edit_cuts(local, talks[1], trim)
    edit(engine, talks[2], name="Online title")  # pulled: no log for it

    sync(local, who=Identity("bob", "editor"))
    logs = _sync_logs(engine)
    assert sorted(talk for talk, *_ in logs.values()) == sorted(talks[:2])
    assert {(user, text) for _, user, text, _ in logs.values()} == {
        ("bob", "synced from laptop-a by bob")
    }
    with session_factory(engine)() as s:
        state = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one().state
        assert logs[next(k for k, v in logs.items() if v[0] == talks[0])][3] == (
            state and state.slug
        )
    assert _sync_logs(local) == logs
    before = dump(engine), dump(local)
    again = sync(local)
    assert (again.pushed, again.pulled) == (0, 0)
    assert (dump(engine), dump(local)) == before


def test_a_sync_with_only_pulls_writes_no_log(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    edit(engine, talks[0], name="Online title")
    sync(local)
    assert _sync_logs(engine) == {} and _sync_logs(local) == {}


def test_an_applied_change_file_logs_too(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db", who="carol", machine="laptop-c")
    local = sqlite(tmp_path / "v.db")
    edit(local, talks[0], description="Written offline")
    export_changes(local, tmp_path / "day1.vdz")
    apply_changes(engine, tmp_path / "day1.vdz")
    assert [(t, text) for t, _, text, _ in _sync_logs(engine).values()] == [
        (talks[0], "synced from laptop-c by carol (change file)")
    ]
