"""A venue copy holds the chosen part of a show, its bases, its origin; it locks its talks."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.services.venue.support import DAY, copy_of, dump, seed_shared, sqlite
from veyedesk.db import session_factory
from veyedesk.model import Episode, User, VenueBase, VenueOrigin
from veyedesk.services.admin import users
from veyedesk.services.editing.locks import lock_state
from veyedesk.services.venue.errors import VenueError


def test_checkout_copies_show_rows_and_bases(db_url: str, session: Session, tmp_path: Path) -> None:
    fixture = seed_shared(session)
    users.add_user(session, "alice", "admin", "correct horse battery")
    session.commit()
    result = copy_of(db_url, tmp_path / "venue.db")

    assert sorted(result.episode_ids) == sorted(e.id for e in fixture.episodes)
    assert result.locked == result.episode_ids
    local = sqlite(tmp_path / "venue.db")
    try:
        theirs, mine = dump(session.get_bind()), dump(local)  # type: ignore[arg-type]
        assert mine == theirs  # every merged field, by shared key, identical
        with session_factory(local)() as ls:
            bases = {(b.kind, b.key): b.data for b in ls.scalars(select(VenueBase))}
            assert bases == {(k, key): d for k, by in mine.items() for key, d in by.items()}
            origin = ls.scalars(select(VenueOrigin)).one()
            assert make_url(origin.source_url) == make_url(db_url)
            assert origin.show == "pyconf_2026"
            # Same ids as the shared database; the copy's own locks start free.
            ids = sorted(ls.scalars(select(Episode.id)))
            assert ids == sorted(result.episode_ids)
            assert set(ls.scalars(select(Episode.locked_by))) == {""}
            # Names and roles only: no password hash leaves the shared database (issue 20).
            user = ls.scalars(select(User)).one()
            assert (user.name, user.role, user.password_hash) == ("alice", "admin", "")
            assert not users.has_users(ls)  # the copy opens as its computer's user
            assert users.resolve_identity(ls, "alice", None, "laptop-user").role == "admin"
    finally:
        local.dispose()
    session.expire_all()
    state = lock_state(session, fixture.episodes[0].id, 120)
    assert state.describe().startswith("checked out to laptop laptop-a (alice) since ")


def test_checkout_by_room_day_and_ids(db_url: str, session: Session, tmp_path: Path) -> None:
    fixture = seed_shared(session)
    room_a = [e.id for e in fixture.episodes if e.location_id == fixture.rooms[0].id]
    result = copy_of(db_url, tmp_path / "a.db", room="room_a", day=DAY.date().isoformat())
    assert sorted(result.episode_ids) == sorted(room_a)
    mine = dump(sqlite(tmp_path / "a.db"))
    assert {d["room"] for d in mine["mark"].values()} == {"room_a"}
    assert {d["room"] for d in mine["raw_file"].values()} == {"room_a"}

    one = fixture.episodes[4]
    result = copy_of(db_url, tmp_path / "one.db", episode_ids=[one.id], lock=False)
    assert result.episode_ids == [one.id] and result.locked == []
    mine = dump(sqlite(tmp_path / "one.db"))
    assert list(mine["episode"]) == [one.uuid]
    assert {d["room"] for d in mine["raw_file"].values()} == {one.location.slug}


def test_second_copy_gets_the_talks_but_not_the_locks(
    db_url: str, session: Session, tmp_path: Path
) -> None:
    seed_shared(session)
    first = copy_of(db_url, tmp_path / "a.db")
    second = copy_of(db_url, tmp_path / "b.db", who="bob", machine="laptop-b")
    assert second.episode_ids == first.episode_ids and second.locked == []
    assert all("checked out to laptop laptop-a (alice)" in text for _, text in second.not_locked)


def test_checkout_refuses_bad_input_and_existing_file(
    db_url: str, session: Session, tmp_path: Path
) -> None:
    seed_shared(session)
    with pytest.raises(VenueError, match="no show 'nope'"):
        copy_of(db_url, tmp_path / "x.db", show="nope") if False else _bad_show(db_url, tmp_path)
    with pytest.raises(VenueError, match="YYYY-MM-DD"):
        copy_of(db_url, tmp_path / "y.db", day="monday")
    with pytest.raises(VenueError, match="not in show"):
        copy_of(db_url, tmp_path / "z.db", episode_ids=[999999])
    copy_of(db_url, tmp_path / "v.db", lock=False)
    with pytest.raises(VenueError, match="exists"):
        copy_of(db_url, tmp_path / "v.db", lock=False)
    # A refused checkout takes no lock.
    session.expire_all()
    assert set(session.scalars(select(Episode.locked_by))) == {""}


def _bad_show(db_url: str, tmp_path: Path) -> None:
    from veyedesk.services.venue.checkouts import checkout

    checkout(db_url, tmp_path / "x.db", client="pyconf", show="nope", who="a", machine="m")


def test_the_copy_never_stores_the_shared_password(
    db_url: str, session: Session, tmp_path: Path
) -> None:
    from veyedesk.services.venue.checkouts import url_without_password

    assert url_without_password("postgresql+psycopg://ed:s3cret@db.example/veyedesk") == (
        "postgresql+psycopg://ed@db.example/veyedesk"
    )
    assert "hunter2" not in url_without_password(
        "postgresql+psycopg://ed@/veyedesk?host=/run/pg&password=hunter2"
    )
    seed_shared(session)
    url = db_url.replace("postgres@", "postgres:s3cret@") if "postgres@" in db_url else db_url
    copy_of(url, tmp_path / "v.db")
    raw = (tmp_path / "v.db").read_bytes()
    assert b"s3cret" not in raw
    local = sqlite(tmp_path / "v.db")
    with session_factory(local)() as ls:
        origin = ls.scalars(select(VenueOrigin)).one()
        assert "s3cret" not in origin.source_url
    local.dispose()


def test_keep_locks_renews_and_a_plain_sync_releases(
    db_url: str, session: Session, tmp_path: Path
) -> None:
    from veyedesk.services.venue.syncing import sync

    fixture = seed_shared(session)
    copy_of(db_url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    kept = sync(local, keep_locks=True)
    assert kept.locks == "renewed"
    session.expire_all()
    assert (
        lock_state(session, fixture.episodes[0].id, 120)
        .describe()
        .startswith("checked out to laptop laptop-a")
    )
    assert sync(local).locks == "released"
    session.expire_all()
    assert lock_state(session, fixture.episodes[0].id, 120).free
    assert sync(local).locks == ""  # nothing held any more: nothing to do
    local.dispose()


def test_an_online_editor_is_told_the_talk_is_checked_out(
    db_url: str, session: Session, tmp_path: Path
) -> None:
    from veyedesk.services.editing.locks import LockHeld, take_lock
    from veyedesk.services.identity import Identity

    fixture = seed_shared(session)
    copy_of(db_url, tmp_path / "v.db")
    session.expire_all()
    with pytest.raises(LockHeld) as held:
        take_lock(session, fixture.episodes[0].id, Identity("ed", "editor"), 120)
    message = str(held.value)
    assert "is checked out to laptop laptop-a (alice) since" in message
    assert "released when that laptop syncs" in message
