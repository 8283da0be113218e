"""A talk to go: an assets folder for a talk spanning two DV files (issue 13's "Must show").

The shared database is SQLite and PostgreSQL (`db_url`). The folder holds a venue copy of
the talk and stream-copied segments (or proxies) of the two raw files; these tests show
the segments are a small share of the raw files, a cut set on a proxy lands on the same
raw frame, and the encode made from the folder (with the raw files gone) is the encode
made from the shared database, frame for frame.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.encode.support import SMALL
from tests.support.frames import before, closest_frame, stamp_of, video_md5s
from tests.support.media import FFMPEG
from tests.support.raw_day import RawDay, make_clips, make_raw_day
from veyedesk.config import DEFAULT_PROFILES, Settings, load_settings
from veyedesk.db import make_engine
from veyedesk.media.locator import MANIFEST, MediaLocator
from veyedesk.model import Cut, Episode, RawFile
from veyedesk.player.timeline import Source, Timeline
from veyedesk.services.editing.draft import load_draft
from veyedesk.services.encoding.execute import execute_encode
from veyedesk.services.encoding.prepare import prepare_encode
from veyedesk.services.errors import InvalidInput
from veyedesk.services.venue.assets import make_assets

pytestmark = pytest.mark.media

SECONDS = 30.0  # each raw file
CUT_IN = 26.04  # the talk starts in the first file...
CUT_OUT = 3.52  # ...and ends in the second
MARGIN = 2.0


@pytest.fixture(scope="module")
def two_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_clips(tmp_path_factory.mktemp("assets-clips"), count=2, seconds=SECONDS)


@pytest.fixture
def talk(session: Session, tmp_path: Path, two_files: list[Path]) -> RawDay:
    """A room-day of two 30 s DV files back to back and a talk with a cut in each."""
    day = make_raw_day(session, tmp_path / "raw", two_files, seconds=SECONDS, gap=0.0)
    episode = session.get(Episode, day.episode_id)
    first, second = (session.get(RawFile, i) for i in day.raw_file_ids)
    session.add(Cut(episode=episode, raw_file=first, sequence=1, start=CUT_IN, end=None))
    session.add(Cut(episode=episode, raw_file=second, sequence=2, start=None, end=CUT_OUT))
    session.commit()
    return day


def _shared_settings(day: RawDay, tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        db=db_url,
        raw_root=str(day.root),
        output_root=str(tmp_path / "shared-out"),
        title_seconds=0.0,
        credits_seconds=0.0,
        default_profile="small",
        profiles={**DEFAULT_PROFILES, "small": SMALL},
    )


def _venue_settings(folder: Path) -> Settings:
    # What `veyedesk --venue DIR` builds, with the raw files nowhere to be found.
    settings = load_settings(flags={"venue": str(folder)})
    return dataclasses.replace(
        settings,
        raw_root=str(folder / "no-raw-files-here"),
        title_seconds=0.0,
        credits_seconds=0.0,
        default_profile="small",
        profiles={**DEFAULT_PROFILES, "small": SMALL},
    )


def _cuts(session: Session, episode_id: int) -> list[tuple[str, str, float | None, float | None]]:
    rows = session.execute(
        select(Cut.uuid, RawFile.uuid, Cut.start, Cut.end)
        .join(RawFile, Cut.raw_file_id == RawFile.id)
        .where(Cut.episode_id == episode_id)
        .order_by(Cut.sequence)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_segments_are_a_small_share_of_the_raw_files(
    db_url: str, session: Session, talk: RawDay, tmp_path: Path
) -> None:
    folder = tmp_path / "to-go"
    result = make_assets(
        db_url,
        [talk.episode_id],
        folder,
        raw_root=str(talk.root),
        who="alice",
        machine="train-laptop",
        margin=MARGIN,
    )
    raw_total = sum(p.stat().st_size for p in talk.paths)
    print(
        f"\nsegments {result.piece_bytes / 1e6:.1f} MB of raw {raw_total / 1e6:.1f} MB "
        f"({100 * result.share:.1f} %)"
    )
    assert result.raw_bytes == raw_total
    # 26.04 - 2 s to the end of the first file, the start of the second to 3.52 + 2 s:
    # 5.96 s + 5.52 s of 60 s of recording, whole DV frames of 144000 bytes.
    assert result.piece_bytes == (149 + 138) * 144000
    assert result.share < 0.2
    manifest = json.loads((folder / MANIFEST).read_text())
    first, second = (session.get(RawFile, i) for i in talk.raw_file_ids)
    assert manifest["pieces"][first.uuid]["offset"] == pytest.approx(24.04)
    assert manifest["pieces"][second.uuid]["offset"] == 0.0
    assert manifest["episodes"] == [session.get(Episode, talk.episode_id).uuid]
    # The venue copy's rows are the shared database's: cut seconds are raw-file seconds.
    venue = make_engine(f"sqlite:///{folder / 'venue.db'}")
    try:
        with Session(venue) as local:
            assert _cuts(local, talk.episode_id) == _cuts(session, talk.episode_id)
            assert _cuts(local, talk.episode_id)[0][2:] == (CUT_IN, None)
    finally:
        venue.dispose()
    # The talk is locked on the shared database for the folder.
    session.expire_all()
    assert "train-laptop" in session.get(Episode, talk.episode_id).locked_by


def test_encode_from_the_folder_is_the_encode_from_the_shared_database(
    db_url: str, session: Session, talk: RawDay, tmp_path: Path
) -> None:
    shared = _shared_settings(talk, tmp_path, db_url)
    request = prepare_encode(session, talk.episode_id, shared)
    session.close()
    from_shared = execute_encode(request).output_path
    folder = tmp_path / "to-go"
    make_assets(
        db_url,
        [talk.episode_id],
        folder,
        raw_root=str(talk.root),
        who="alice",
        machine="train-laptop",
        margin=MARGIN,
    )
    # The editor elsewhere has no raw files at all: only the folder.
    talk.root.rename(tmp_path / "raw-elsewhere")
    venue = _venue_settings(folder)
    engine = make_engine(venue.db)
    try:
        with Session(engine) as local:
            venue_request = prepare_encode(local, talk.episode_id, venue)
    finally:
        engine.dispose()
    assert all(c.path.is_relative_to(folder) for c in venue_request.cuts)
    assert [c.start for c in venue_request.cuts] == [pytest.approx(2.0), 0.0]
    from_folder = execute_encode(venue_request).output_path
    assert from_folder.is_relative_to(folder / "output")
    shared_frames, folder_frames = video_md5s(from_shared), video_md5s(from_folder)
    # 3.96 s + 3.52 s of talk = 187 frames, each one the same picture.
    assert len(shared_frames) == 187
    assert folder_frames == shared_frames
    a, b = _pcm(from_shared), _pcm(from_folder)
    assert len(a) == len(b)
    worst = max(abs(x - y) for x, y in zip(a, b, strict=True))
    assert worst <= 64, worst  # of 32767: the same audio after lossy AAC


def _pcm(path: Path) -> list[int]:
    import array
    import subprocess

    data = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "s16le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return list(array.array("h", data))


def test_cut_set_on_the_proxy_lands_on_the_same_raw_frame(
    db_url: str, session: Session, talk: RawDay, tmp_path: Path
) -> None:
    folder = tmp_path / "to-go"
    result = make_assets(
        db_url,
        [talk.episode_id],
        folder,
        raw_root=str(talk.root),
        who="alice",
        machine="train-laptop",
        margin=MARGIN,
        proxy=True,
    )
    assert result.share < 0.02  # H.264 at 360p against DV
    venue = _venue_settings(folder)
    engine = make_engine(venue.db)
    try:
        with Session(engine) as local:
            draft = load_draft(local, talk.episode_id, MediaLocator.for_settings(venue))
    finally:
        engine.dispose()
    first_id = talk.raw_file_ids[0]
    info = draft.raw_files[first_id]
    assert info.path.suffix == ".mp4" and info.media_offset == pytest.approx(24.04)
    # The editor's player timeline, as the player panel builds it from the draft.
    timeline = Timeline(
        [
            Source(r.id, r.path, r.start, r.media_duration or 0.0, r.fps, r.media_offset)
            for r in draft.raw_files.values()
            if r.usable
        ]
    )
    segment = timeline.segment_of(first_id)
    assert segment is not None
    for proxy_frame in (0, 13, 48):
        # The editor parks the playhead on a proxy frame and sets the talk's in point.
        position = timeline.frame_position(segment.at + (proxy_frame + 0.4) / 25)
        where = timeline.locate(position)
        assert where is not None and where.raw_file_id == first_id
        cut_in = where.offset  # what the cut stores: raw-file seconds
        seen = stamp_of(info.path, before(proxy_frame, 25.0))
        raw_frame = round(cut_in * 25)
        assert raw_frame == 601 + proxy_frame
        found, distances = closest_frame(
            talk.paths[0], 25.0, range(raw_frame - 3, raw_frame + 4), seen
        )
        assert found == raw_frame, distances


def test_refuses_a_folder_that_holds_assets_and_talks_without_cuts(
    db_url: str, session: Session, talk: RawDay, tmp_path: Path
) -> None:
    folder = tmp_path / "to-go"
    folder.mkdir()
    (folder / "venue.db").write_bytes(b"")
    with pytest.raises(InvalidInput, match=r"already holds venue\.db"):
        make_assets(
            db_url, [talk.episode_id], folder, raw_root=str(talk.root), who="a", machine="m"
        )
    episode = session.get(Episode, talk.episode_id)
    for cut in list(episode.cuts):
        session.delete(cut)
    session.commit()
    with pytest.raises(InvalidInput, match="has no cuts"):
        make_assets(
            db_url, [talk.episode_id], tmp_path / "b", raw_root=str(talk.root), who="a", machine="m"
        )
    assert not (tmp_path / "b" / "venue.db").exists()


def test_a_folder_that_cannot_be_made_is_named_and_nothing_is_taken(
    db_url: str, session: Session, talk: RawDay, tmp_path: Path
) -> None:
    # Issue 20: `assets -o /proc/x` ended in a traceback.
    for folder in (Path("/proc/veyedesk-test/kit"), tmp_path / "a-file" / "kit"):
        (tmp_path / "a-file").write_text("")
        with pytest.raises(InvalidInput, match=f"cannot make the assets folder {folder}"):
            make_assets(
                db_url, [talk.episode_id], folder, raw_root=str(talk.root), who="a", machine="m"
            )
    session.expire_all()
    episode = session.get(Episode, talk.episode_id)
    assert episode is not None and not episode.locked_by
