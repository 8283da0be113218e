"""Raw file scan on a generated room-day, with real ffprobe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.ingest.rawday import CORRUPT, DAY, EMPTY, SEGMENTS, make_room_day, start_of
from tests.support.media import make_clip
from veyedesk.media.probe import MediaError, MediaInfo
from veyedesk.model import RawFile, Show
from veyedesk.services import catalog
from veyedesk.services.errors import InvalidInput
from veyedesk.services.scan import probe_all, scan_show, show_raw_root

pytestmark = pytest.mark.media


@pytest.fixture(scope="module")
def clip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clip_cache")


@pytest.fixture
def conf(session: Session) -> Show:
    catalog.add_client(session, "vk")
    show = catalog.add_show(session, "vk", "vk26")
    catalog.add_room(session, show, "room_a")
    session.commit()
    return show


def _rows(session: Session) -> dict[str, RawFile]:
    return {r.filename.split("/")[-1]: r for r in session.scalars(select(RawFile))}


def test_scan_records_starts_durations_and_bad_files(
    session: Session, conf: Show, tmp_path: Path, clip_cache: Path
) -> None:
    make_room_day(tmp_path, clip_cache)
    (tmp_path / "dv" / "stranger").mkdir()
    calls: list[tuple[int, int]] = []
    result = scan_show(session, conf, tmp_path, progress=lambda d, t, _n: calls.append((d, t)))
    session.commit()
    assert len(result.added) == 5 and result.probed == 5
    assert calls[-1] == (5, 5)
    rows = _rows(session)
    for name, kind, seconds in SEGMENTS:
        raw = rows[name]
        assert raw.filename == f"{DAY}/{name}"
        assert raw.start == start_of(name) and raw.start_source == "path"
        assert raw.duration == pytest.approx(seconds, abs=0.1)
        assert raw.end is not None and raw.probe_error == ""
        assert raw.fps == pytest.approx(25.0)
        assert ("dvvideo" if kind == "dv" else "h264") in raw.streams
    assert "not a readable media file" in rows[CORRUPT].probe_error
    assert "empty (0 bytes)" in rows[EMPTY].probe_error
    assert rows[EMPTY].start == start_of(EMPTY)  # the path still dates it
    assert {name.split("/")[-1] for name, _ in result.errors} == {CORRUPT, EMPTY}
    assert result.unknown_folders == ["stranger"]
    assert any("stranger" in line for line in result.lines())

    again = scan_show(session, conf, tmp_path)
    session.commit()
    assert again.is_noop and again.probed == 0 and again.unchanged == 5
    assert len(again.errors) == 2  # still reported, not re-probed


def test_rescan_updates_grown_files_and_flags_vanished_ones(
    session: Session, conf: Show, tmp_path: Path, clip_cache: Path
) -> None:
    day = make_room_day(tmp_path, clip_cache)
    scan_show(session, conf, tmp_path)
    session.commit()
    # The recorder is still writing 10_00_20.dv: it grows to 6 s.
    make_clip(day / "10_00_20.dv", "dv", 6.0, stamp=False)
    (day / "10_00_00.dv").unlink()
    result = scan_show(session, conf, tmp_path)
    session.commit()
    assert result.updated == [f"room_a/{DAY}/10_00_20.dv"]
    assert result.missing == [f"room_a/{DAY}/10_00_00.dv"]
    rows = _rows(session)
    assert rows["10_00_20.dv"].duration == pytest.approx(6.0, abs=0.1)
    assert rows["10_00_00.dv"].missing is True  # kept, flagged
    shutil.copyfile(day / "10_00_20.dv", day / "10_00_00.dv")
    os.utime(day / "10_00_00.dv", (rows["10_00_00.dv"].mtime or 0, rows["10_00_00.dv"].mtime or 0))
    scan_show(session, conf, tmp_path)
    session.commit()
    assert _rows(session)["10_00_00.dv"].missing is False


def test_start_from_creation_time_or_mtime_and_hours_offset(
    session: Session, conf: Show, tmp_path: Path, clip_cache: Path
) -> None:
    day = tmp_path / "dv" / "room_a" / "misc"
    day.mkdir(parents=True)
    clip = make_clip(clip_cache / "plain.ts", "ts", 2.0, stamp=False)
    shutil.copyfile(clip, day / "capture.ts")
    os.utime(day / "capture.ts", (datetime(2026, 2, 1, 12, 0, 2).timestamp(),) * 2)
    conf.locations[0].hours_offset = -1
    session.commit()
    scan_show(session, conf, tmp_path)
    session.commit()
    raw = _rows(session)["capture.ts"]
    assert raw.start_source == "mtime"
    assert raw.start is not None and raw.duration is not None
    # mtime is when recording stopped: start = 12:00:02 - 2 s, then the room's -1 h.
    assert abs((raw.start - datetime(2026, 2, 1, 11, 0, 0)).total_seconds()) < 0.2


def test_probes_run_in_parallel_and_errors_do_not_stop_the_pool(tmp_path: Path) -> None:
    import threading

    from veyedesk.ingest.scan import FoundFile

    seen_threads: set[int] = set()
    barrier = threading.Barrier(2, timeout=10)

    def fake(path: Path) -> MediaInfo:
        seen_threads.add(threading.get_ident())
        barrier.wait()  # only passes if two probes are in flight at once
        if path.name == "bad":
            raise MediaError(f"{path}: broken")
        return MediaInfo(path=path, size=1, duration=1.0, format_name="x", creation_time=None)

    files = [FoundFile("r", n, tmp_path / n, 1, 0.0, None) for n in ("good", "bad")]
    results = probe_all(files, workers=2, prober=fake)
    assert len(seen_threads) == 2
    assert isinstance(results[tmp_path / "bad"], MediaError)
    assert isinstance(results[tmp_path / "good"], MediaInfo)


def test_raw_root_resolution_and_missing_root(session: Session, conf: Show, tmp_path: Path) -> None:
    assert show_raw_root(conf, "/srv/raw") == Path("/srv/raw/vk/vk26")
    conf.raw_root = "/mnt/x"
    assert show_raw_root(conf, "/srv/raw") == Path("/mnt/x")
    assert show_raw_root(conf, "", str(tmp_path)) == tmp_path
    conf.raw_root = ""
    with pytest.raises(InvalidInput, match="no raw folder"):
        show_raw_root(conf, "")
    with pytest.raises(InvalidInput, match="no such folder"):
        scan_show(session, conf, tmp_path / "nope")


def test_rooms_without_dv_level_are_scanned_with_a_note(
    session: Session, conf: Show, tmp_path: Path, clip_cache: Path
) -> None:
    day = tmp_path / "room_a" / DAY
    day.mkdir(parents=True)
    shutil.copyfile(make_clip(clip_cache / "short.ts", "ts", 1.0, stamp=False), day / "09_00_00.ts")
    result = scan_show(session, conf, tmp_path)
    assert result.added == [f"room_a/{DAY}/09_00_00.ts"]
    assert any(line.startswith("note: rooms are directly under") for line in result.lines())
