"""Raw file scan on a generated room-day, with real ffprobe, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.ingest.rawday import CORRUPT, DAY, EMPTY, SEGMENTS, make_room_day, start_of
from tests.support.media import make_clip
from veyedesk.db import make_engine, session_factory
from veyedesk.db.migrate import upgrade
from veyedesk.ingest.scan import walk_room
from veyedesk.media.probe import MediaError, MediaInfo
from veyedesk.model import RawFile, Show
from veyedesk.services import catalog
from veyedesk.services.errors import InvalidInput
from veyedesk.services.ingest.scan import probe_all, scan_show, show_raw_root

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


@pytest.mark.parametrize("client_show", [("vk", "vk26"), ("other", "o25")])
def test_a_raw_root_of_all_shows_says_where_the_recordings_probably_are(
    session: Session, conf: Show, tmp_path: Path, client_show: tuple[str, str]
) -> None:
    # Issue 19: scanning the raw root of every show (nothing under dv/, but a
    # <client>/<show>/dv/ below) named client folders as unknown rooms and nothing else.
    show_root = tmp_path.joinpath(*client_show)
    (show_root / "dv" / "room_a" / DAY).mkdir(parents=True)
    result = scan_show(session, conf, tmp_path)
    assert result.likely_root == show_root
    (note,) = [line for line in result.lines() if line.startswith("note:")]
    assert note == (
        f"note: {tmp_path} has no dv/ folder, but {show_root}/dv has: the recordings are "
        f"probably there; scan {show_root} (or set the show's raw_root to it)"
    )


def _hostile_room(root: Path, clip_cache: Path) -> dict[str, bytes]:
    """A room folder with one good file and the names/lengths that used to stop a scan."""
    clip = clip_cache / "dv_1.dv"
    if not clip.exists():
        make_clip(clip, "dv", 1.0, stamp=False)
    ts = clip_cache / "ts_1.ts"
    if not ts.exists():
        make_clip(ts, "ts", 1.0, stamp=False)
    names = {
        "good": b"2026-02-01/10_00_00.dv",
        "year_9999": b"9999-12-31/23_59_59.dv",
        "not_utf8": b"2026-02-01/10_01_00_caf\xe9.dv",
        "newline": b"2026-02-01/10_02_00\nsecond.dv",
        "html": b"2026-02-01/10_03_00 <img src=x onerror=alert(1)> <b>.dv",
        "huge": b"2026-02-01/10_04_00_huge.ts",
        "pts_wrap": b"2026-02-01/10_05_00_wrapped.ts",
    }
    room = os.fsencode(root / "dv" / "room_a")
    for name in names.values():
        path = os.path.join(room, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copyfile(ts if name.endswith(b".ts") else clip, path)
    return names


def _broken_lengths(path: Path) -> MediaInfo:
    """Real ffprobe, with the durations broken containers report put in for two files."""
    from dataclasses import replace

    from veyedesk.media.probe import probe

    info = probe(path)
    if "huge" in path.name:
        return replace(info, duration=1e300)
    if "wrapped" in path.name:  # MPEG-TS with a clock jump: the 33-bit PTS wrap, 26.5 h
        return replace(info, duration=2**33 / 90000)
    return info


def test_hostile_file_names_and_lengths_are_recorded_with_errors_not_abort_scan_or_widen_assoc(
    session: Session, conf: Show, tmp_path: Path, clip_cache: Path
) -> None:
    from veyedesk.services.episodes import Selection, add_episode
    from veyedesk.services.ingest.assoc import associate

    names = _hostile_room(tmp_path, clip_cache)
    result = scan_show(session, conf, tmp_path, prober=_broken_lengths)
    session.commit()
    assert len(result.added) == len(names)
    rows = {r.filename: r for r in session.scalars(select(RawFile))}
    good = rows["2026-02-01/10_00_00.dv"]
    assert good.probe_error == "" and good.duration == pytest.approx(1.0, abs=0.1)
    html = rows["2026-02-01/10_03_00 <img src=x onerror=alert(1)> <b>.dv"]  # legal: kept as is
    assert html.probe_error == "" and html.start == datetime(2026, 2, 1, 10, 3)
    errors = {
        "9999-12-31/23_59_59.dv": "start 9999-12-31 23:59:59 is not between 1970 and 2199",
        "2026-02-01/10_01_00_caf\\xe9.dv": "the file name is not UTF-8 (byte 0xe9)",
        "2026-02-01/10_02_00\nsecond.dv": "the file name holds a control character ('\\n')",
        "2026-02-01/10_04_00_huge.ts": "ffprobe says the file lasts 1e+300 s, over 24 h",
        "2026-02-01/10_05_00_wrapped.ts": "ffprobe says the file lasts 95443.7 s, over 24 h",
    }
    for name, error in errors.items():
        assert error in rows[name].probe_error, (name, rows[name].probe_error)
        assert rows[name].end is None or rows[name].end < datetime(2027, 1, 1)
    output = result.lines()
    assert all("\n" not in line for line in output)
    assert any("10_02_00\\nsecond.dv" in line for line in output)
    # Nothing with an error is associated: a talk hours later gets no cut of the 26.5 h file.
    room = conf.locations[0]
    later = add_episode(session, conf, "Later", room=room,
                        start=datetime(2026, 2, 1, 15, 0), duration=600.0)  # fmt: skip
    session.commit()
    assoc = associate(session, Selection("vk", "vk26"))
    session.commit()
    assert later in assoc.no_raw and not later.cuts
    again = scan_show(session, conf, tmp_path, prober=_broken_lengths)
    session.commit()
    assert again.is_noop and len(again.errors) == len(errors)  # same rows found again


_counter = itertools.count()


@pytest.fixture(scope="module")
def scan_db(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    url = f"sqlite:///{tmp_path_factory.mktemp('scan_db') / 'scan.db'}"
    engine = make_engine(url)
    upgrade(engine)
    return engine


NAME_PART = st.one_of(
    st.text(
        st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
        min_size=1, max_size=24,
    ),
    st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\x00" not in b),
    st.sampled_from(["10_00_00", "23_59_59", "<script>x</script>", "a\nb", "\x1b[2J"]),
)  # fmt: skip
DAY_DIR = st.sampled_from(["2026-02-01", "9999-12-31", "0001-01-01", "1969-12-31", "misc", ""])
LENGTH = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1.0, 1e300, 2**33 / 90000, -5.0]),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(files=st.lists(st.tuples(DAY_DIR, NAME_PART, LENGTH), min_size=1, max_size=6))
def test_any_file_name_or_probed_length_leaves_a_complete_scan(
    scan_db: Engine, tmp_path: Path, files: list[tuple[str, str | bytes, float | None]]
) -> None:
    n = next(_counter)
    root = tmp_path / f"raw{n}"
    room_dir = os.fsencode(root / "dv" / f"room_{n}")
    os.makedirs(room_dir)
    lengths: dict[bytes, float | None] = {}
    for day, part, length in files:
        stem = part if isinstance(part, bytes) else part.encode("utf-8")
        name = stem[:200] + b".ts"
        if name.startswith(b".") or name in (b".ts",):
            continue
        path = (
            os.path.join(room_dir, os.fsencode(day), name) if day else os.path.join(room_dir, name)
        )
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(b"x")
        lengths[os.path.basename(path)] = length

    def canned(path: Path) -> MediaInfo:
        # ffprobe's report for the file, with the drawn length (parse_probe checks it).
        from veyedesk.media.probe import parse_probe

        length = lengths[os.fsencode(path.name)]
        fmt = {} if length is None else {"duration": repr(length)}
        return parse_probe(path, {"format": fmt, "streams": [{"codec_type": "video"}]}, 1)

    with session_factory(scan_db)() as session:
        catalog.add_client(session, f"c{n}")
        show = catalog.add_show(session, f"c{n}", f"s{n}")
        room = catalog.add_room(session, show, f"room_{n}")
        session.commit()
        result = scan_show(session, show, root, prober=canned)
        session.commit()
        rows = list(session.scalars(select(RawFile).where(RawFile.show_id == show.id)))
        assert (
            len(rows)
            == len(result.added)
            == sum(1 for _ in walk_room(Path(os.fsdecode(room_dir)), room.slug))
        )
        for raw in rows:
            if not raw.probe_error:
                assert raw.start is None or datetime(1970, 1, 1) <= raw.start < datetime(2200, 1, 1)
                assert raw.duration is None or 0 <= raw.duration <= 24 * 3600
        assert all("\n" not in line for line in result.lines())
        assert scan_show(session, show, root, prober=canned).is_noop
