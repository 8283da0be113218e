from datetime import datetime, timedelta

from veyedesk.ingest.assoc import CutPlan, RawSpan, in_and_out, overlapping, plan_cuts

T = datetime(2026, 2, 1, 10, 0)


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


def raw(i: int, start_min: float, minutes: float) -> RawSpan:
    return RawSpan(i, at(start_min), minutes * 60)


def test_talk_inside_one_file_is_clipped_to_its_slot() -> None:
    plans = plan_cuts(at(10), at(40), [raw(1, 0, 60)])
    assert plans == [CutPlan(1, 600.0, 2400.0, True)]


def test_talk_spanning_two_files_gets_one_cut_per_file_in_order() -> None:
    plans = plan_cuts(at(10), at(40), [raw(2, 30, 30), raw(1, 0, 30)])
    assert plans == [CutPlan(1, 600.0, None, True), CutPlan(2, None, 600.0, True)]


def test_files_only_in_the_margin_are_listed_but_not_applied() -> None:
    plans = plan_cuts(
        at(20), at(50), [raw(1, 0, 10), raw(2, 10, 10), raw(3, 20, 30), raw(4, 60, 5)]
    )
    # raw 1 ends 10 min before the talk (inside the 15-min margin); raw 4 starts 10 min after.
    assert plans == [
        CutPlan(1, None, None, False),
        CutPlan(2, None, None, False),
        CutPlan(3, None, None, True),
        CutPlan(4, None, None, False),
    ]
    assert plan_cuts(at(20), at(50), [raw(9, -60, 30)]) == []  # far outside: nothing


def test_marks_trim_and_split() -> None:
    marks = [at(12), at(25), at(41), at(90)]  # 90 is outside the window
    assert in_and_out(at(10), at(40), marks[:3]) == (at(12), at(41), [at(25)])
    plans = plan_cuts(at(10), at(40), [raw(1, 0, 60)], marks)
    assert plans == [CutPlan(1, 720.0, 1500.0, True), CutPlan(1, 1500.0, 2460.0, True)]
    # One mark near the end only moves the out point.
    assert in_and_out(at(10), at(40), [at(38)]) == (at(10), at(38), [])


def test_overlapping_uses_sorted_starts() -> None:
    raws = [raw(i, i * 10, 10) for i in range(100)]
    found = overlapping(raws, [r.start for r in raws], 600, at(95), at(125))
    assert [r.id for r in found] == [9, 10, 11, 12]
