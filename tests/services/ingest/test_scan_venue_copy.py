"""A scan on a venue copy touches only the copy's rooms (issue 19 item 3).

The copy holds every room of the show (rooms are shared by name), but only its own
room's raw files: a laptop scanning the whole raw folder added the other rooms' files to
the copy, and its next sync pushed them as new rows of a machine that does not own them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.services.venue.support import copy_of, seed_shared, sqlite
from tests.support.media import make_clip
from veyedesk.db import session_factory
from veyedesk.model import Location, RawFile, Show
from veyedesk.services.identity import Identity
from veyedesk.services.ingest.scan import scan_folders
from veyedesk.services.ingest.window_steps import scan_show_for

pytestmark = pytest.mark.media

EDITOR = Identity("ed", "editor")


def test_a_scan_on_a_room_copy_adds_only_that_rooms_files(
    db_url: str, session: Session, tmp_path: Path
) -> None:
    seed_shared(session)
    raw_root = tmp_path / "raw"
    show_dir = raw_root / "pyconf" / "pyconf_2026" / "dv"
    clip = make_clip(tmp_path / "clip.dv", "dv", 1.0, stamp=False)
    for room in ("room_a", "room_b"):
        (show_dir / room / "2026-02-01").mkdir(parents=True)
        (show_dir / room / "2026-02-01" / "12_00_00.dv").write_bytes(clip.read_bytes())
    copy_of(db_url, tmp_path / "v.db", room="room_a")
    local = sqlite(tmp_path / "v.db")
    with session_factory(local)() as s, s.begin():
        show_id = s.scalars(select(Show.id)).one()
        result = scan_show_for(s, show_id, EDITOR, str(raw_root))
    assert result.added == ["room_a/2026-02-01/12_00_00.dv"]
    assert result.unknown_folders == []  # room_b is the show's, just not this copy's
    with session_factory(local)() as s:
        rooms = set(
            s.scalars(select(Location.slug).join(RawFile, RawFile.location_id == Location.id))
        )
        assert rooms == {"room_a"}
        assert scan_folders(s, s.get_one(Show, show_id)) == frozenset({"room_a"})
    local.dispose()


def test_the_shared_database_scans_every_room(session: Session) -> None:
    show = seed_shared(session).show
    assert scan_folders(session, show) is None
