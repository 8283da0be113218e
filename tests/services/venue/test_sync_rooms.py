"""Rooms made on either side after checkout travel with the sync, matched by slug."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.services.venue.support import DAY, copy_of, dump, seed_shared, sqlite
from veyedesk.db import session_factory
from veyedesk.model import Location, Mark, Show
from veyedesk.model.kinds import MarkKind
from veyedesk.services.venue.syncing import sync


@pytest.fixture
def shared(db_url: str, session: Session) -> tuple[str, Engine]:
    seed_shared(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return db_url, engine


def _add_room(engine: Engine, slug: str, name: str, *, mark_at: datetime | None = None) -> None:
    with session_factory(engine)() as s, s.begin():
        show = s.scalars(select(Show)).one()
        room = Location(
            show=show, slug=slug, name=name, sequence=9, description=f"{name}, upstairs"
        )
        s.add(room)
        if mark_at is not None:
            s.add(Mark(show_id=show.id, location=room, click=mark_at, kind=MarkKind.CUT, who="v"))


def _room(engine: Engine, slug: str) -> tuple[str, list[str]] | None:
    with session_factory(engine)() as s:
        room = s.scalars(select(Location).where(Location.slug == slug)).one_or_none()
        return None if room is None else (room.name, [room.show.slug])


def test_a_room_added_on_the_shared_side_is_pulled_with_its_marks(
    shared: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    _add_room(engine, "annex", "Annex", mark_at=DAY + timedelta(hours=1))

    report = sync(local)
    assert report.conflicts == []
    assert _room(local, "annex") == ("Annex", ["pyconf_2026"])
    assert dump(local)["room"] == dump(engine)["room"]
    before = dump(local), dump(engine)
    again = sync(local)
    assert (again.pushed, again.pulled) == (0, 0)
    assert (dump(local), dump(engine)) == before


def test_a_room_added_on_the_venue_copy_is_pushed_with_its_marks(
    shared: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    _add_room(local, "foyer", "Foyer", mark_at=DAY + timedelta(hours=2))

    report = sync(local)
    assert report.conflicts == []
    assert _room(engine, "foyer") == ("Foyer", ["pyconf_2026"])
    theirs = dump(engine)
    assert any(m["room"] == "foyer" for m in theirs["mark"].values())
    assert theirs["room"] == dump(local)["room"]


def test_a_room_renamed_on_one_side_merges_like_any_row(
    shared: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    slug = next(iter(dump(engine)["room"]))
    with session_factory(engine)() as s, s.begin():
        s.scalars(select(Location).where(Location.slug == slug)).one().name = "Renamed online"
    sync(local)
    assert dump(local)["room"][slug]["name"] == "Renamed online"


def test_a_room_of_another_show_stays_out_of_the_copy(
    shared: tuple[str, Engine], tmp_path: Path
) -> None:
    from veyedesk.model import Client

    url, engine = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    with session_factory(engine)() as s, s.begin():
        client = s.scalars(select(Client)).one()
        other = Show(client=client, name="Other", slug="other_show")
        room = Location(show=other, slug="elsewhere", name="Elsewhere")
        s.add_all([other, room])
    report = sync(local)
    assert (report.pushed, report.pulled) == (0, 0)
    assert _room(local, "elsewhere") is None


def _room_of(engine: Engine, show: str, slug: str) -> tuple[str, int]:
    with session_factory(engine)() as s:
        room = s.scalars(
            select(Location).join(Show).where(Show.slug == show, Location.slug == slug)
        ).one()
        return room.name, room.hours_offset


def test_another_clients_room_of_the_same_slug_is_another_room(
    shared: tuple[str, Engine], tmp_path: Path
) -> None:
    """Issue 19: rooms are per show; a venue copy of one show never sees the other's."""
    from tests.support.factory import make_show

    url, engine = shared
    with session_factory(engine)() as s, s.begin():
        make_show(s, client="other", show="o26")  # its own room_a, with the same file names
    result = copy_of(url, tmp_path / "v.db", room="room_a")
    local = sqlite(tmp_path / "v.db")
    with session_factory(local)() as s:
        assert sorted((r.slug, r.show.slug) for r in s.scalars(select(Location))) == [
            ("room_a", "pyconf_2026"),
            ("room_b", "pyconf_2026"),
        ]
    assert result.counts["raw_files"] > 0
    # The other client renames and re-clocks its room_a; the venue renames pyconf's.
    with session_factory(engine)() as s, s.begin():
        room = s.scalars(
            select(Location).join(Show).where(Show.slug == "o26", Location.slug == "room_a")
        ).one()
        room.name, room.hours_offset = "Other A", 3
    with session_factory(local)() as s, s.begin():
        s.scalars(select(Location).where(Location.slug == "room_a")).one().name = "Venue A"

    report = sync(local)
    assert report.conflicts == []
    assert _room_of(engine, "pyconf_2026", "room_a") == ("Venue A", 0)
    assert _room_of(engine, "o26", "room_a") == ("Other A", 3)
    assert _room_of(local, "pyconf_2026", "room_a") == ("Venue A", 0)
    again = sync(local)
    assert (again.pushed, again.pulled) == (0, 0)
