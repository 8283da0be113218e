from datetime import datetime, timedelta

from hypothesis import given, strategies as st

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


def test_start_and_end_marks_go_to_the_talk_they_are_nearest() -> None:
    from veyedesk.ingest.assoc import Slot, typed_points

    talks = [Slot(1, at(0), at(30)), Slot(2, at(45), at(75)), Slot(3, at(90), at(120))]
    points = typed_points(
        talks,
        # 1 started 2 min late; 2's start was missed; 3 started early (inside 2's slot
        # would be wrong: 88 is before 2's end margin but nearest 3's start).
        start_marks=[at(2), at(88)],
        end_marks=[at(29), at(78), at(81)],  # 2 ended at 78 (81 is a second, later press)
    )
    assert points == {1: (at(2), at(29)), 2: (None, at(78)), 3: (at(88), None)}
    # A mark far from every talk sets nothing.
    assert typed_points(talks, [at(300)], [at(-60)]) == {}


def test_typed_in_and_out_win_over_cut_marks_which_still_split() -> None:
    plans = plan_cuts(
        at(10), at(40), [raw(1, 0, 60)], [at(11), at(25)], in_point=at(12), out_point=at(38)
    )
    # The cut mark at 11 is before the typed in: ignored; 25 splits.
    assert plans == [CutPlan(1, 720.0, 1500.0, True), CutPlan(1, 1500.0, 2280.0, True)]
    # Only an end mark, early: the in point stays the scheduled start.
    assert plan_cuts(at(10), at(40), [raw(1, 0, 60)], out_point=at(20)) == [
        CutPlan(1, 600.0, 1200.0, True)
    ]


def test_a_talk_that_started_after_its_slot_runs_its_scheduled_length() -> None:
    plans = plan_cuts(at(10), at(40), [raw(1, 0, 120)], in_point=at(45))
    assert plans == [CutPlan(1, 2700.0, 4500.0, True)]


@given(
    gaps=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6),
    lengths=st.lists(st.integers(min_value=5, max_value=60), min_size=6, max_size=6),
    starts=st.lists(st.integers(min_value=-30, max_value=400), max_size=8),
    ends=st.lists(st.integers(min_value=-30, max_value=400), max_size=8),
)
def test_typed_points_give_each_mark_to_one_talk_that_may_have_it(
    gaps: list[int], lengths: list[int], starts: list[int], ends: list[int]
) -> None:
    from veyedesk.ingest.assoc import MARGIN, Slot, typed_points

    slots, t = [], 0
    for n, gap in enumerate(gaps):
        t += gap
        slots.append(Slot(n, at(t), at(t + lengths[n])))
        t += lengths[n]
    points = typed_points(slots, [at(m) for m in starts], [at(m) for m in ends])
    by_key = {s.key: s for s in slots}
    used_in = [p[0] for p in points.values() if p[0] is not None]
    used_out = [p[1] for p in points.values() if p[1] is not None]
    assert len(used_in) == len(set(used_in)) or len(set(starts)) < len(starts)
    assert len(used_out) == len(set(used_out)) or len(set(ends)) < len(ends)
    for key, (cut_in, cut_out) in points.items():
        slot = by_key[key]
        assert cut_in is None or slot.start - MARGIN <= cut_in < slot.end
        assert cut_out is None or slot.start < cut_out <= slot.end + MARGIN
