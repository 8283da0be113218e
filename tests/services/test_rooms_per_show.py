"""Two clients each with a room "Saal 1" (CCC has one every year): each show's room is its own.

Issue 19: rooms were shared by every client and show, so an import silently reused
another client's room, a retime or rename in one show changed the other's, and a second
client's scan of its own `Saal 1` recordings failed on the global (room, file) key.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.media import make_clip
from tests.support.schedules import Talk, frab_xml
from veyedesk.model import Episode, Location, RawFile, Show
from veyedesk.services import catalog
from veyedesk.services.admin.settings import set_room
from veyedesk.services.admin.users import Identity
from veyedesk.services.errors import AlreadyExists
from veyedesk.services.ingest.retime import retime_room
from veyedesk.services.ingest.scan import scan_show
from veyedesk.services.ingest.schedule_import import import_schedule

ADMIN = Identity("lead", "admin")
CLIP_NAME = "2026-02-01/10_00_00.dv"


def _talk(n: int) -> tuple[Talk, ...]:
    guid = f"6c2f0a0e-0001-4c1e-9a51-00000000{n:04d}"
    return (Talk(n, guid, 0, "Saal 1", "10:00", "00:30", f"Talk {n}", (f"Speaker {n}",)),)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("saal") / "clip.dv", "dv", 2.0)


def _show(session: Session, client: str, show: str) -> Show:
    catalog.add_client(session, client)
    return catalog.add_show(session, client, show)


def _snapshot(session: Session, show: Show) -> dict[str, Any]:
    """Everything of one show that a room change could touch, as plain values."""
    session.expire_all()
    rooms = session.scalars(
        select(Location)
        .join(Episode, Episode.location_id == Location.id)
        .where(Episode.show_id == show.id)
    ).all()
    raws = session.scalars(select(RawFile).where(RawFile.show_id == show.id)).all()
    talks = session.scalars(select(Episode).where(Episode.show_id == show.id)).all()
    return {
        "rooms": sorted(
            (r.id, r.slug, r.name, r.hours_offset, r.dirname, r.channelcopy) for r in rooms
        ),
        "raws": sorted((r.location_id, r.filename, r.start) for r in raws),
        "talks": sorted((e.conf_key, e.location_id, e.start) for e in talks),
    }


def test_two_clients_saal_1_stay_apart_through_import_scan_retime_and_rename(
    session: Session, tmp_path: Path, clip: Path
) -> None:
    ccc = _show(session, "ccc", "c25")
    other = _show(session, "other", "o26")
    first = import_schedule(session, ccc, frab_xml(_talk(1)), "ccc.xml")
    session.commit()
    second = import_schedule(session, other, frab_xml(_talk(2)), "other.xml")
    session.commit()
    # Each import made its own room: "rooms created" is true for both.
    assert first.rooms_created == ["saal_1"] and second.rooms_created == ["saal_1"]
    saal_ccc = catalog.get_room(session, ccc, "saal_1")
    saal_other = catalog.get_room(session, other, "saal_1")
    assert saal_ccc.id != saal_other.id
    assert [r.slug for r in ccc.locations] == ["saal_1"] == [r.slug for r in other.locations]

    raw_root = tmp_path / "raw"
    for show in (ccc, other):
        target = show.raw_dir(str(raw_root)) / "dv" / "saal_1" / CLIP_NAME
        target.parent.mkdir(parents=True)
        shutil.copyfile(clip, target)
    assert len(scan_show(session, ccc, ccc.raw_dir(str(raw_root))).added) == 1
    session.commit()
    # The second client's own `Saal 1` recording is a file of its own room, not a clash.
    assert len(scan_show(session, other, other.raw_dir(str(raw_root))).added) == 1
    session.commit()
    for show, room in ((ccc, saal_ccc), (other, saal_other)):
        raw = session.scalars(select(RawFile).where(RawFile.show_id == show.id)).one()
        assert raw.location_id == room.id and raw.filename == CLIP_NAME
        assert raw.start == datetime(2026, 2, 1, 10, 0, 0)
    before = _snapshot(session, ccc)
    assert len(before["rooms"]) == 1 and len(before["raws"]) == 1

    plan = retime_room(session, ADMIN, other, saal_other, 3)
    session.commit()
    assert "other/o26" in plan.lines()[0]  # the preview says which show it touches
    assert _snapshot(session, ccc) == before
    assert saal_other.hours_offset == 3 and saal_ccc.hours_offset == 0
    moved = session.scalars(select(RawFile).where(RawFile.show_id == other.id)).one()
    assert moved.start == datetime(2026, 2, 1, 13, 0, 0)

    changes = set_room(session, ADMIN, other, saal_other, {"name": "Saal Eins", "dirname": "s1"})
    session.commit()
    assert {c.field for c in changes} == {"name", "dirname"}
    assert _snapshot(session, ccc) == before
    assert saal_ccc.name == "Saal 1" and saal_ccc.folder == "saal_1"
    assert saal_other.name == "Saal Eins" and saal_other.folder == "s1"

    # Importing the first client's schedule again finds its own room, untouched.
    again = import_schedule(session, ccc, frab_xml(_talk(1)), "ccc.xml")
    session.commit()
    assert again.rooms_created == [] and _snapshot(session, ccc) == before


def test_add_room_makes_a_room_of_this_show_and_refuses_a_twin_in_it(session: Session) -> None:
    a = _show(session, "ccc", "c25")
    b = _show(session, "ccc_other", "c25")
    room_a = catalog.add_room(session, a, "saal_1", "Saal 1")
    room_b = catalog.add_room(session, b, "saal_1", "Saal 1")
    session.commit()
    assert room_a.id != room_b.id
    assert room_a.show_id == a.id and room_b.show_id == b.id
    with pytest.raises(AlreadyExists, match="already in show 'c25'"):
        catalog.add_room(session, a, "saal_1")
    session.rollback()
    # A room slug of another show is no clash when renaming (slugs are per show)...
    catalog.add_room(session, a, "saal_2", "Saal 2")
    session.commit()
    set_room(session, ADMIN, b, room_b, {"slug": "saal_2"})
    session.commit()
    assert room_b.slug == "saal_2" and catalog.get_room(session, a, "saal_1") is room_a
    # ...but a name or slug another room of the same show has is.
    with pytest.raises(AlreadyExists, match="name 'Saal 2' is taken in show 'c25'"):
        set_room(session, ADMIN, a, room_a, {"name": "saal 2"})
    session.rollback()
    with pytest.raises(AlreadyExists, match="slug 'SAAL_2' is taken in show 'c25'"):
        set_room(session, ADMIN, a, room_a, {"slug": "SAAL_2"})
    session.rollback()
