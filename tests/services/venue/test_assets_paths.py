"""An assets folder's pieces stay inside it, and a proxy never overwrites a recording.

Room slugs and raw file names are rows a change file or venue copy may carry: before,
a raw file name `/abs/x.mp4` made `assets --proxy` write its proxy over that recording.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.support.media import make_clip
from tests.support.raw_day import RawDay, make_clips, make_raw_day
from veyedesk.errors import UserError
from veyedesk.media.probe import MediaError
from veyedesk.media.proxy import make_proxy
from veyedesk.media.segments import Span, make_segment
from veyedesk.model import Cut, Episode, Location, RawFile
from veyedesk.model.paths import UnsafePath
from veyedesk.services.venue.assets import make_assets

pytestmark = pytest.mark.media


@pytest.fixture(scope="module")
def mp4_clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_clips(tmp_path_factory.mktemp("assets-mp4"), count=1, seconds=4.0, kind="mp4")


@pytest.fixture
def talk(session: Session, tmp_path: Path, mp4_clips: list[Path]) -> RawDay:
    day = make_raw_day(session, tmp_path / "raw", mp4_clips, seconds=4.0, gap=0.0)
    episode = session.get(Episode, day.episode_id)
    raw = session.get(RawFile, day.raw_file_ids[0])
    session.add(Cut(episode=episode, raw_file=raw, sequence=1, start=1.0, end=3.0))
    session.commit()
    return day


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assets(db_url: str, talk: RawDay, folder: Path) -> None:
    make_assets(
        db_url, [talk.episode_id], folder, raw_root=str(talk.root), who="a", machine="m",
        proxy=True, margin=0.5,
    )  # fmt: skip


def test_a_proxy_never_overwrites_the_recording_it_is_made_from(
    db_url: str, session: Session, talk: RawDay, tmp_path: Path
) -> None:
    recording = talk.paths[0]  # .../dv/room_a/2026-02-01/09_00_00.mp4
    before = _digest(recording)
    raw = session.get(RawFile, talk.raw_file_ids[0])
    raw.filename = str(recording)  # absolute: its proxy's name would be the recording's
    session.commit()
    with pytest.raises(UnsafePath, match="raw file name"):
        _assets(db_url, talk, tmp_path / "kit")
    assert _digest(recording) == before
    assert not (tmp_path / "kit" / "venue.db").exists()


@pytest.mark.parametrize("name", ["../../x.mp4", "2026-02-01/../../../x.mp4", "a\x00b", "a\nb"])
def test_a_hostile_raw_file_name_is_refused(
    db_url: str, session: Session, talk: RawDay, tmp_path: Path, name: str
) -> None:
    if "\x00" in name and session.get_bind().dialect.name == "postgresql":
        pytest.skip("PostgreSQL text cannot hold a NUL at all")
    raw = session.get(RawFile, talk.raw_file_ids[0])
    raw.filename = name
    session.commit()
    with pytest.raises(UnsafePath):
        _assets(db_url, talk, tmp_path / "kit")
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".mp4", ".part", ".mkv")
                and p not in talk.paths]  # fmt: skip


@pytest.mark.parametrize("slug", ["../../x", "/abs/x", "a\nb", ".."])
def test_a_hostile_room_slug_is_refused(
    db_url: str, session: Session, talk: RawDay, tmp_path: Path, slug: str
) -> None:
    room = session.get(RawFile, talk.raw_file_ids[0]).location
    assert isinstance(room, Location)
    # The room's folder on disk stays right; only the slug (which names the piece's
    # folder in the kit) is hostile.
    room.dirname = room.slug
    room.slug = slug if not slug.startswith("/") else str(tmp_path / "abs" / "x")
    session.commit()
    with pytest.raises(UserError, match="room slug"):
        _assets(db_url, talk, tmp_path / "kit")
    assert not (tmp_path / "abs").exists()
    assert not [p for p in tmp_path.rglob("*.mp4") if p not in talk.paths]


def test_an_assets_folder_inside_the_recordings_is_refused(
    db_url: str, talk: RawDay, tmp_path: Path
) -> None:
    inside = talk.paths[0].parent.parent / "kit"
    with pytest.raises(UnsafePath, match="recordings folder"):
        _assets(db_url, talk, inside)
    assert not inside.exists()


@pytest.mark.parametrize("maker", [make_proxy, make_segment])
def test_a_piece_never_replaces_a_file(tmp_path: Path, maker: object) -> None:
    (tmp_path / "rec").mkdir()
    raw = make_clip(tmp_path / "rec" / "x.mp4", "mp4", 2.0)
    mkv = tmp_path / "rec" / "x.mkv"
    mkv.write_bytes(b"someone's file")
    before = _digest(raw)
    for stem in (raw.with_suffix(""), tmp_path / "rec" / "link"):
        if stem.name == "link":
            (tmp_path / "rec" / "link.mp4").symlink_to(raw)
            (tmp_path / "rec" / "link.mkv").symlink_to(mkv)
        with pytest.raises(MediaError):
            maker(raw, Span(0.0, 1.0), stem)  # type: ignore[operator]
    assert _digest(raw) == before and mkv.read_bytes() == b"someone's file"
