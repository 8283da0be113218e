"""Fields measured from a raw file (streams, duration, size, fps) are recomputed, never asked.

Issue 19 item 3: the first venue sync asked three conflicts about probe results (the
laptop's scan and the shared database's differed in spelling and in a growing file's
size) that no volunteer can judge.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.services.venue.support import copy_of, dump, seed_shared, sqlite
from veyedesk.db import session_factory
from veyedesk.model import Episode, Location, RawFile
from veyedesk.services.venue.merge import merge_row
from veyedesk.services.venue.rows import MEDIA_FIELDS, RAW_FILE
from veyedesk.services.venue.syncing import sync


@pytest.fixture
def shared(db_url: str, session: Session) -> tuple[str, Engine, list[str]]:
    fixture = seed_shared(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return db_url, engine, [e.uuid for e in fixture.episodes]


def _set_raw(engine: Engine, key: str, **values: object) -> None:
    room, _, filename = key.partition("/")
    with session_factory(engine)() as s, s.begin():
        raw = s.scalars(
            select(RawFile)
            .join(Location, Location.id == RawFile.location_id)
            .where(RawFile.filename == filename, Location.slug == room)
        ).one()
        for name, value in values.items():
            setattr(raw, name, value)


def test_media_fields_changed_on_both_sides_are_no_conflict_and_the_shared_value_stays(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, _talks = shared
    copy_of(url, tmp_path / "v.db", room="room_a")
    local = sqlite(tmp_path / "v.db")
    key = sorted(dump(local)[RAW_FILE])[0]
    _set_raw(
        local, key, streams="video:dvvideo, audio:pcm_s16le", filesize=100, duration=1199.96,
        comment="the venue's note",
    )  # fmt: skip
    _set_raw(
        engine, key, streams="video dvvideo 720x576 25fps; audio pcm_s16le 2ch 48000Hz",
        filesize=200, duration=1200.5,
    )  # fmt: skip
    report = sync(local)
    assert report.conflicts == []
    theirs, mine = dump(engine)[RAW_FILE], dump(local)[RAW_FILE]
    assert theirs[key] == mine[key]
    assert theirs[key]["streams"].startswith("video dvvideo 720x576")
    assert (theirs[key]["filesize"], theirs[key]["duration"]) == (200, 1200.5)
    assert theirs[key]["comment"] == "the venue's note"  # a person's field still travels
    assert (sync(local).pushed, sync(local).pulled) == (0, 0)
    local.dispose()


def test_a_raw_file_both_scans_found_differs_only_in_measurements_without_conflict(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    name = "2026-02-01/11_30_00.dv"
    for side, streams, size in ((local, "video:dvvideo", 10), (engine, "video dvvideo", 20)):
        with session_factory(side)() as s, s.begin():
            ep = s.scalars(select(Episode).where(Episode.uuid == talks[0])).one()
            s.add(
                RawFile(
                    show_id=ep.show_id, location=ep.location, filename=name,
                    start=datetime(2026, 2, 1, 11, 30), duration=600.0 + size / 1000,
                    fps=25.0, streams=streams, filesize=size,
                )
            )  # fmt: skip
    assert sync(local).conflicts == []
    theirs = dump(engine)[RAW_FILE]
    key = next(k for k in theirs if k.endswith(name))
    assert theirs[key]["streams"] == "video dvvideo" and theirs[key]["filesize"] == 20
    assert dump(local)[RAW_FILE][key] == theirs[key]
    local.dispose()


def test_merge_row_takes_one_sides_new_measurement_and_the_shared_one_when_both_moved() -> None:
    base = {"streams": "a", "filesize": 1, "duration": 1.0, "fps": 25.0, "comment": ""}
    only_mine = merge_row(RAW_FILE, "r/x", base, {**base, "filesize": 5}, base, lambda c: None)
    assert only_mine.theirs is not None and only_mine.theirs["filesize"] == 5
    both = merge_row(
        RAW_FILE, "r/x", base, {**base, "streams": "b"}, {**base, "streams": "c"}, lambda c: None
    )
    assert both.conflicts == [] and both.mine is not None and both.mine["streams"] == "c"
    assert {"streams", "duration", "filesize", "fps"} <= {f for _k, f in MEDIA_FIELDS}
