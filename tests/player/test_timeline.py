"""Timeline maths: positions <-> (raw file, offset) <-> wall clock, boundaries, EDL."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from veyedesk.player.timeline import Source, Timeline

T0 = datetime(2026, 2, 1, 9, 0, 0)


def _timeline() -> Timeline:
    # Given out of order, with a 10-minute gap before the third file.
    return Timeline(
        [
            Source(2, Path("/r/09_30_00.dv"), T0 + timedelta(minutes=30), 1800.0),
            Source(1, Path("/r/09_00_00.dv"), T0, 1800.0),
            Source(3, Path("/r/a, b;c.dv"), T0 + timedelta(minutes=70), 600.0, fps=30.0),
        ]
    )


def test_files_join_in_wall_clock_order() -> None:
    tl = _timeline()
    assert [s.raw_file_id for s in tl.segments] == [1, 2, 3]
    assert tl.duration == 4200.0
    assert tl.boundaries() == [0.0, 1800.0, 3600.0, 4200.0]


def test_position_maps_to_file_offset_and_wall_clock_and_back() -> None:
    tl = _timeline()
    loc = tl.locate(1800.0 + 12.5)
    assert loc is not None
    assert (loc.raw_file_id, loc.offset) == (2, 12.5)
    assert loc.wall == T0 + timedelta(minutes=30, seconds=12.5)
    assert tl.to_timeline(2, 12.5) == 1812.5
    assert tl.at_wall(T0 + timedelta(minutes=30, seconds=12.5)) == 1812.5


def test_a_boundary_belongs_to_the_later_file_even_with_float_noise() -> None:
    tl = _timeline()
    for pos in (1800.0, 1799.9999999):
        loc = tl.locate(pos)
        assert loc is not None and loc.raw_file_id == 2


def test_wall_clock_in_a_gap_goes_to_the_next_file_and_unknown_file_is_none() -> None:
    tl = _timeline()
    assert tl.at_wall(T0 + timedelta(minutes=65)) == 3600.0
    assert tl.to_timeline(99, 1.0) is None


def test_frame_position_snaps_to_the_files_own_grid() -> None:
    tl = _timeline()
    assert tl.frame_position(10.05) == 10.04  # 25 fps
    assert abs(tl.frame_position(3600.0 + 1.02) - (3600.0 + 1.0)) < 1e-9  # 30 fps
    assert tl.fps_at(3601.0) == 30.0


def test_edl_length_prefixes_paths_with_separators_and_pins_lengths() -> None:
    edl = _timeline().edl()
    assert edl.startswith("edl://%14%/r/09_00_00.dv,0,1800.000000;")
    assert "%12%/r/a, b;c.dv,0,600.000000" in edl


def test_empty_and_zero_length_files_give_an_empty_timeline() -> None:
    tl = Timeline([Source(1, Path("/r/x.dv"), T0, 0.0)])
    assert not tl
    assert tl.locate(1.0) is None
    assert tl.edl() == "edl://"


def test_a_local_piece_keeps_raw_offsets_and_wall_clock() -> None:
    # An assets folder's segment of the second file: raw seconds 600-660 as a 60 s file.
    tl = Timeline(
        [
            Source(1, Path("/r/09_00_00.dv"), T0, 1800.0),
            Source(
                2, Path("/go/09_30_00.dv"), T0 + timedelta(minutes=30), 60.0, media_offset=600.0
            ),
        ]
    )
    assert tl.duration == 1860.0
    loc = tl.locate(1800.0 + 12.5)
    assert loc is not None
    assert (loc.raw_file_id, loc.offset) == (2, 612.5)
    assert loc.wall == T0 + timedelta(minutes=40, seconds=12.5)
    assert tl.to_timeline(2, 612.5) == 1812.5
    # Raw offsets outside the piece clamp to its ends.
    assert tl.to_timeline(2, 10.0) == 1800.0
    assert tl.to_timeline(2, 900.0) == 1860.0
    assert tl.at_wall(T0 + timedelta(minutes=40, seconds=12.5)) == 1812.5
    assert tl.frame_position(1800.0 + 12.51) == 1812.48
    assert tl.edl().endswith("%15%/go/09_30_00.dv,0,60.000000")
