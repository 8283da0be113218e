"""model.cuts: the one rule for a valid cut, checked over the whole input space."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from veyedesk.model.cuts import (
    EOF_TOLERANCE_FRAMES,
    cut_problem,
    keep_one_frame,
    snap_into_file,
    whole_frames,
)

offsets = st.floats(min_value=-100.0, max_value=10_000.0, allow_nan=False)
lengths = st.floats(min_value=0.04, max_value=10_000.0, allow_nan=False)
rates = st.sampled_from([25.0, 29.97, 30.0, 50.0, 60.0])


@given(offsets | st.none(), offsets | st.none(), lengths, rates)
def test_an_accepted_cut_lies_in_its_file_and_lasts_a_frame(start, end, length, fps) -> None:
    if cut_problem(start, end, length, fps):
        return
    s = start or 0.0
    e = length if end is None else end
    assert 0.0 <= s < length
    assert s < e <= length + EOF_TOLERANCE_FRAMES / fps
    assert whole_frames(min(e, length) - s, fps) >= 1


@pytest.mark.parametrize(
    ("start", "end", "length", "words"),
    [
        (-0.5, None, 60.0, "starts before the file"),
        (70.0, None, 60.0, "starts past the end of the file"),
        (10.0, 10.0, 60.0, "is empty"),
        (10.0, 5.0, 60.0, "is inverted"),
        (0.0, 61.0, 60.0, "ends past the end of the file"),
        (10.0, 10.01, 60.0, "shorter than one frame"),
        (0.0, None, None, "length is unknown"),
    ],
)
def test_each_problem_is_named(start, end, length, words) -> None:
    assert words in cut_problem(start, end, length, 25.0)


def test_an_out_point_one_frame_past_a_rounded_duration_is_accepted() -> None:
    assert cut_problem(0.0, 60.04, 60.0, 25.0) == ""
    assert "past the end" in cut_problem(0.0, 60.08, 60.0, 25.0)


@given(offsets, lengths, rates)
def test_snapping_keeps_an_offset_inside_its_file(offset, length, fps) -> None:
    value, clamped = snap_into_file(offset, length, fps)
    assert 0.0 <= value <= length
    assert clamped in ("", "start", "end")


@given(st.sampled_from(["start", "end"]), offsets, lengths, rates)
def test_a_dragged_edge_never_makes_a_cut_shorter_than_a_frame(which, offset, length, fps) -> None:
    start, end = length * 0.25, length * 0.75
    moved = keep_one_frame(which, offset, start, end, length, fps)
    if which == "start":
        assert moved <= end - 1 / fps + 1e-9
    else:
        assert moved >= start + 1 / fps - 1e-9
