"""The set merge of a sheet's talk links: additions from both sides, removals from either."""

from __future__ import annotations

from hypothesis import given, strategies as st

from veyedesk.services.venue.merge import UNSET, chooser, merge_row, merge_set

links = st.frozensets(st.sampled_from("abcdefg"))


@given(links, links, links)
def test_set_merge_keeps_every_addition_and_every_removal(base, mine, theirs) -> None:  # type: ignore[no-untyped-def]
    merged = set(merge_set(sorted(base), sorted(mine), sorted(theirs)))
    assert (mine - base) | (theirs - base) <= merged  # added on either side: kept
    assert not ((base - mine) | (base - theirs)) & merged  # removed on either side: gone
    assert merged <= base | mine | theirs
    assert merge_set(sorted(base), sorted(mine), sorted(theirs)) == sorted(merged)
    # Symmetric, and one side untouched means the other side's set.
    assert merged == set(merge_set(sorted(base), sorted(theirs), sorted(mine)))
    assert set(merge_set(sorted(base), sorted(base), sorted(theirs))) == theirs


@given(links, links, links)
def test_an_image_row_never_conflicts_on_its_links(base, mine, theirs) -> None:  # type: ignore[no-untyped-def]
    row = {"filename": "sheets/a.jpg", "room": "room_a"}
    merged = merge_row(
        "image",
        "k",
        {**row, "episodes": sorted(base)},
        {**row, "episodes": sorted(mine)},
        {**row, "episodes": sorted(theirs)},
        chooser(),
    )
    assert merged.conflicts == []
    assert merged.mine == merged.theirs == merged.base
    assert merged.base is not None and merged.base != UNSET
