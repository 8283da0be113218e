"""Recording sheets imported on a laptop go up with the sync: rows, links, and the files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.services.venue.support import copy_of, dump, seed_shared, sqlite
from tests.support.stills import make_sheet
from veyedesk.db import session_factory
from veyedesk.model import Episode, ImageFile, Location, Show
from veyedesk.services.admin.sheets import import_sheets, link_sheet, unlink_sheet
from veyedesk.services.identity import Identity
from veyedesk.services.venue.syncing import sync

DAY = date(2026, 2, 1)
EDITOR = Identity("ed@laptop", "editor")


@pytest.fixture
def shared(db_url: str, session: Session, tmp_path: Path) -> tuple[str, Engine, list[str]]:
    fixture = seed_shared(session)
    fixture.show.raw_root = str(tmp_path / "share" / "pyconf")  # the server's show folder
    session.commit()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return db_url, engine, [e.uuid for e in fixture.episodes]


def _laptop(url: str, tmp_path: Path) -> Engine:
    """A venue copy whose show folder is on the laptop's own disk."""
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    with session_factory(local)() as s, s.begin():
        s.scalars(select(Show)).one().raw_root = str(tmp_path / "laptop" / "pyconf")
    return local


def _import(local: Engine, tmp_path: Path, name: str) -> tuple[int, str]:
    """Import one sheet of room A on the copy; (its id, filename)."""
    photo = make_sheet(tmp_path / "in" / name)
    with session_factory(local)() as s, s.begin():
        show = s.scalars(select(Show)).one()
        room = s.scalars(select(Location).where(Location.slug == "room_a")).one()
        (sheet,) = import_sheets(s, EDITOR, show, room, DAY, [photo], "").added
        return sheet.id, sheet.filename


def _links(engine: Engine) -> dict[str, list[str]]:
    """Sheet uuid -> sorted uuids of its talks."""
    with session_factory(engine)() as s:
        return {
            img.uuid: sorted(e.uuid for e in img.episodes) for img in s.scalars(select(ImageFile))
        }


def test_a_sheet_imported_on_the_laptop_goes_up_with_its_file_and_links(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    (tmp_path / "share" / "pyconf").mkdir(parents=True)  # the share is mounted
    local = _laptop(url, tmp_path)
    _sheet_id, filename = _import(local, tmp_path, "IMG_20260201_095012.jpg")  # talk 2's slot

    report = sync(local)
    assert report.conflicts == []
    assert _links(engine) == _links(local) and list(_links(engine).values()) == [[talks[1]]]
    assert dump(engine)["image"] == dump(local)["image"]
    assert report.files_copied == [filename] and report.files_waiting == []
    uploaded = tmp_path / "share" / "pyconf" / filename
    assert uploaded.read_bytes() == (tmp_path / "laptop" / "pyconf" / filename).read_bytes()
    again = sync(local)
    assert (again.pushed, again.pulled, again.files_copied) == (0, 0, [])


def test_an_unreachable_share_leaves_the_file_listed_until_a_later_sync(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, _talks = shared
    local = _laptop(url, tmp_path)  # tmp/share is not there: not mounted
    _sheet_id, filename = _import(local, tmp_path, "scan1.jpg")

    report = sync(local)
    assert report.files_waiting == [filename] and report.files_copied == []
    assert any("still needs a copy" in line and filename in line for line in report.lines)
    assert [d["filename"] for d in dump(engine)["image"].values()] == [filename]
    (tmp_path / "share" / "pyconf").mkdir(parents=True)  # back in the office
    later = sync(local)
    assert later.files_copied == [filename] and later.files_waiting == []
    assert (tmp_path / "share" / "pyconf" / filename).is_file()


def test_links_made_on_both_sides_are_kept_and_an_unlink_travels(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    local = _laptop(url, tmp_path)
    sheet_id, _filename = _import(local, tmp_path, "IMG_20260201_095012.jpg")  # talk 2
    sync(local)
    (uuid,) = _links(engine)

    def episode_id(e: Engine, talk: str) -> int:
        with session_factory(e)() as s:
            return s.scalars(select(Episode.id).where(Episode.uuid == talk)).one()

    def sheet_on(e: Engine) -> int:
        with session_factory(e)() as s:
            return s.scalars(select(ImageFile.id).where(ImageFile.uuid == uuid)).one()

    with session_factory(local)() as s, s.begin():
        link_sheet(s, EDITOR, sheet_id, episode_id(local, talks[0]), "")
        unlink_sheet(s, EDITOR, sheet_id, episode_id(local, talks[1]), "")
    with session_factory(engine)() as s, s.begin():
        link_sheet(s, EDITOR, sheet_on(engine), episode_id(engine, talks[2]), "")

    report = sync(local)
    assert report.conflicts == []
    assert _links(engine)[uuid] == _links(local)[uuid] == sorted([talks[0], talks[2]])
    again = sync(local)
    assert (again.pushed, again.pulled) == (0, 0)


def test_a_sheet_name_leading_outside_the_show_folder_is_not_copied(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, _engine, _talks = shared
    (tmp_path / "share" / "pyconf").mkdir(parents=True)
    local = _laptop(url, tmp_path)
    sheet_id, _filename = _import(local, tmp_path, "scan1.jpg")
    hostile = "../outside.jpg"  # as a tampered venue copy could hold it
    (tmp_path / "laptop" / "outside.jpg").write_bytes(b"private")
    with session_factory(local)() as s, s.begin():
        s.get(ImageFile, sheet_id).filename = hostile  # type: ignore[union-attr]

    report = sync(local)
    assert report.files_copied == []
    assert not (tmp_path / "share" / "outside.jpg").exists()
    assert any("not copied" in line and hostile in line for line in report.lines)
