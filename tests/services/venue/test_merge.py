"""The three-way merge of one row: properties over any base, mine and theirs."""

from __future__ import annotations

from typing import Any

from hypothesis import given, strategies as st

from veyedesk.services.venue.merge import DELETED, MINE, THEIRS, FieldConflict, chooser, merge_row
from veyedesk.services.venue.rows import CUT, RAW_FILE, fields_of

FIELDS = fields_of(CUT)
values = st.sampled_from([None, 0, 1.5, "a", "b", True])
rows_ = st.fixed_dictionaries({name: values for name in FIELDS})
maybe_rows = st.none() | rows_


def never(_c: FieldConflict) -> str | None:
    return None


@given(maybe_rows, maybe_rows, maybe_rows)
def test_pending_conflicts_overwrite_nothing_and_a_rerun_changes_nothing(
    base: dict[str, Any] | None, mine: dict[str, Any] | None, theirs: dict[str, Any] | None
) -> None:
    out = merge_row(CUT, "k", base, mine, theirs, never)
    conflicted = {c.field for c in out.conflicts}
    if DELETED in conflicted:
        assert (out.mine, out.theirs, out.base) == (mine, theirs, base)
        return
    if out.mine is None or out.theirs is None:
        assert out.mine is None and out.theirs is None and not conflicted
        return
    for name in FIELDS:
        if name in conflicted:  # each side keeps its own value, the base stays
            assert out.mine[name] == (mine or {}).get(name)
            assert out.theirs[name] == (theirs or {}).get(name)
        else:  # agreed, and the value came from a side that changed it (or both had it)
            assert out.mine[name] == out.theirs[name] == out.base[name]
            assert out.mine[name] in ((mine or {}).get(name), (theirs or {}).get(name))
    # Merging the result again (as the next sync does) finds the same conflicts, no more.
    again = merge_row(CUT, "k", out.base, out.mine, out.theirs, never)
    assert (again.mine, again.theirs) == (out.mine, out.theirs)
    assert {c.field for c in again.conflicts} == conflicted


@given(rows_, rows_, rows_, st.sampled_from([MINE, THEIRS]))
def test_a_choice_resolves_every_conflict_the_same_way_on_both_sides(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any], side: str
) -> None:
    out = merge_row(CUT, "k", base, mine, theirs, chooser(side))
    assert out.conflicts == [] and out.mine == out.theirs == out.base
    for conflict, picked in out.resolved:
        assert picked == side
        assert out.mine is not None
        assert out.mine[conflict.field] == (mine if side == MINE else theirs)[conflict.field]


@given(rows_, rows_)
def test_one_sided_changes_merge_silently(base: dict[str, Any], change: dict[str, Any]) -> None:
    assert merge_row(CUT, "k", base, change, base, never).theirs == change
    assert merge_row(CUT, "k", base, base, change, never).mine == change


def test_deletion_against_a_change_is_a_conflict_and_raw_files_are_never_deleted() -> None:
    base = {name: 1 for name in FIELDS}
    changed = {**base, "comment": "moved"}
    out = merge_row(CUT, "k", base, None, changed, never)
    assert [c.field for c in out.conflicts] == [DELETED]
    assert merge_row(CUT, "k", base, None, base, never).theirs is None  # untouched: deleted
    raw = {name: 1 for name in fields_of(RAW_FILE)}
    kept = merge_row(RAW_FILE, "room/a.dv", raw, None, raw, never)
    assert kept.theirs == raw and kept.conflicts == []


def test_prefer_only_the_fields_named() -> None:
    base = {name: 0 for name in FIELDS}
    mine = {**base, "start": 1, "comment": "m"}
    theirs = {**base, "start": 2, "comment": "t"}
    out = merge_row(CUT, "k", base, mine, theirs, chooser(MINE, ("cut.start",)))
    assert [c.field for c in out.conflicts] == ["comment"]
    assert out.theirs is not None and out.theirs["start"] == 1
