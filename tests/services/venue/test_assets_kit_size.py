"""An assets kit carries the talk ± the margin, not its neighbours whole (issue 19 item 10).

Association gives a talk whole-file cuts that are not applied on the raw files around its
slot (Veyepar's way: the editor may need them). A kit for a 40-second talk copied those
whole, 100 % of a 150-second room-day. A kit covers the applied cuts, or with none the
scheduled slot, ± the margin; these tests measure its media against the talk's length.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.support.raw_day import RawDay, make_clips, make_raw_day
from veyedesk.media.locator import MANIFEST
from veyedesk.model import Cut, Episode, RawFile
from veyedesk.services.venue.assets import make_assets

pytestmark = pytest.mark.media

SECONDS = 8.0  # each of three raw files, back to back
MARGIN = 1.0
DV_FRAME = 144000  # bytes of one PAL DV frame
FPS = 25


@pytest.fixture(scope="module")
def three_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_clips(tmp_path_factory.mktemp("kit-clips"), count=3, seconds=SECONDS)


@pytest.fixture
def day(session: Session, tmp_path: Path, three_files: list[Path]) -> RawDay:
    """Three files; the talk is in the middle one, whole-file unapplied cuts on all three."""
    day = make_raw_day(session, tmp_path / "raw", three_files, seconds=SECONDS, gap=0.0)
    episode = session.get(Episode, day.episode_id)
    assert episode is not None
    episode.start = day.starts[1] + timedelta(seconds=2)
    episode.duration = 4.0
    for n, raw_id in enumerate(day.raw_file_ids):
        raw = session.get(RawFile, raw_id)
        session.add(Cut(episode=episode, raw_file=raw, sequence=n + 1, apply=False))
    session.commit()
    return day


def _kit_seconds(folder: Path) -> float:
    manifest = json.loads((folder / MANIFEST).read_text())
    return sum(p["duration"] for p in manifest["pieces"].values())


def _make(db_url: str, day: RawDay, folder: Path) -> tuple[float, int]:
    result = make_assets(
        db_url, [day.episode_id], folder, raw_root=str(day.root), who="alice",
        machine="train", margin=MARGIN, lock=False,
    )  # fmt: skip
    return _kit_seconds(folder), result.piece_bytes


def test_a_kit_covers_the_applied_cut_and_the_margin_not_the_neighbours(
    db_url: str, session: Session, day: RawDay, tmp_path: Path
) -> None:
    episode = session.get(Episode, day.episode_id)
    assert episode is not None
    middle = next(c for c in episode.cuts if c.raw_file_id == day.raw_file_ids[1])
    middle.apply, middle.start, middle.end = True, 2.0, 6.0  # a 4-second talk
    session.commit()
    seconds, size = _make(db_url, day, tmp_path / "kit")
    talk = 4.0
    print(f"\nkit {seconds:.2f} s, {size / 1e6:.1f} MB for a {talk:.0f} s talk")
    assert seconds == pytest.approx(talk + 2 * MARGIN, abs=1 / FPS)
    assert size <= (talk + 2 * MARGIN) * FPS * DV_FRAME + DV_FRAME
    manifest = json.loads((tmp_path / "kit" / MANIFEST).read_text())
    middle_uuid = session.get(RawFile, day.raw_file_ids[1]).uuid  # type: ignore[union-attr]
    assert list(manifest["pieces"]) == [middle_uuid]  # the neighbours are not in it


def test_a_kit_of_a_talk_without_applied_cuts_covers_its_slot(
    db_url: str, session: Session, day: RawDay, tmp_path: Path
) -> None:
    # The slot, 2 s into the middle file for 4 s, ± 1 s: 6 s of the 24 s room-day.
    seconds, size = _make(db_url, day, tmp_path / "kit")
    assert seconds == pytest.approx(4.0 + 2 * MARGIN, abs=1 / FPS)
    assert size <= (4.0 + 2 * MARGIN) * FPS * DV_FRAME + DV_FRAME


def test_the_margin_reaches_into_the_neighbour_file(
    db_url: str, session: Session, day: RawDay, tmp_path: Path
) -> None:
    episode = session.get(Episode, day.episode_id)
    assert episode is not None
    middle = next(c for c in episode.cuts if c.raw_file_id == day.raw_file_ids[1])
    middle.apply, middle.start, middle.end = True, 0.5, 4.0  # starts half a second in
    session.commit()
    seconds, _size = _make(db_url, day, tmp_path / "kit")
    # 0.5 s of margin from the end of the first file, 0 to 5 s of the middle one.
    assert seconds == pytest.approx(0.5 + 5.0, abs=2 / FPS)


def test_a_kit_carries_the_talks_title_image_and_the_venue_folder_resolves_it(
    db_url: str, session: Session, day: RawDay, tmp_path: Path
) -> None:
    """Issue 19 item 9: a talk's own title image (stored relative) goes with the kit."""
    from veyedesk.config import load_settings
    from veyedesk.services.encoding.slides import title_template

    files_root = tmp_path / "shared-files"
    (files_root / "pyconf" / "titles").mkdir(parents=True)
    (files_root / "pyconf" / "titles" / "own.svg").write_text("<svg/>")
    episode = session.get(Episode, day.episode_id)
    assert episode is not None
    episode.title_image = "pyconf/titles/own.svg"
    episode.thumbnail = "/home/alice/.local/share/veyedesk/thumbnails/x.png"
    session.commit()
    folder = tmp_path / "kit"
    result = make_assets(
        db_url, [day.episode_id], folder, raw_root=str(day.root), who="alice",
        machine="train", margin=MARGIN, lock=False, files_root=str(files_root),
    )  # fmt: skip
    assert result.files == ["pyconf/titles/own.svg"]
    assert (folder / "files" / "pyconf" / "titles" / "own.svg").read_text() == "<svg/>"
    assert any("absolute path of one machine" in line for line in result.files_left)
    venue = load_settings(flags={"venue": str(folder)})
    assert venue.files_root == str(folder.resolve() / "files")
    assert title_template(episode, root=venue.files_root) == (
        folder.resolve() / "files" / "pyconf" / "titles" / "own.svg"
    )
