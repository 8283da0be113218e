"""Any mix of edits on the copy and online: one sync merges them by the rules, twice is a no-op."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.services.venue.support import copy_of, dump, edit, edit_cuts, seed_shared, sqlite
from veyedesk.db import make_engine, session_factory
from veyedesk.db.migrate import upgrade
from veyedesk.services.venue.syncing import sync

FIELDS = ("name", "description", "tags")
edits = st.lists(
    st.tuples(
        st.sampled_from(["copy", "shared"]),
        st.integers(0, 5),
        st.sampled_from([*FIELDS, "cut.start"]),
        st.sampled_from(["one", "two"]),
    ),
    max_size=8,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    folder = tmp_path_factory.mktemp("venue-template")
    url = f"sqlite:///{folder / 'shared.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        talks = [e.uuid for e in seed_shared(session).episodes]
    engine.dispose()
    copy_of(url, folder / "venue.db", lock=False)
    return folder / "shared.db", folder / "venue.db", talks


def _apply(engine: Any, talk: str, what: str, value: str) -> None:
    if what == "cut.start":
        seconds = 1.0 if value == "one" else 2.0

        def move(draft: Any) -> None:
            draft.cuts[0].start = seconds

        edit_cuts(engine, talk, move)
    else:
        edit(engine, talk, **{what: f"{what} {value}"})


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(edits)
def test_any_edits_merge_by_the_rules(
    template: tuple[Path, Path, list[str]], tmp_path: Path, plan: list[tuple[str, int, str, str]]
) -> None:
    shared_file, venue_file, talks = template
    folder = Path(tmp_path) / f"ex{abs(hash(tuple(plan)))}"
    folder.mkdir()
    shutil.copy(shared_file, folder / "shared.db")
    shutil.copy(venue_file, folder / "venue.db")
    shared = make_engine(f"sqlite:///{folder / 'shared.db'}")
    local = sqlite(folder / "venue.db")
    # What each side's last edit of each (talk, field) was.
    last: dict[str, dict[tuple[int, str], str]] = {"copy": {}, "shared": {}}
    for side, talk, what, value in plan:
        _apply(local if side == "copy" else shared, talks[talk], what, value)
        last[side][(talk, what)] = value
    try:
        report = sync(local, source=shared)
        conflicted = {
            (talks.index(c.key) if c.kind == "episode" else None, c.field) for c in report.conflicts
        }
        theirs, mine = dump(shared), dump(local)
        for talk, what in set(last["copy"]) | set(last["shared"]):
            here, there = last["copy"].get((talk, what)), last["shared"].get((talk, what))
            if what == "cut.start":
                continue  # checked below, per cut row
            s_value = theirs["episode"][talks[talk]][what]
            m_value = mine["episode"][talks[talk]][what]
            if here is not None and there is not None and here != there:
                assert (talk, what) in conflicted
                assert (m_value, s_value) == (f"{what} {here}", f"{what} {there}")
            else:
                assert s_value == m_value == f"{what} {here or there}"
        for kind in ("cut", "mark", "log", "tombstone"):
            if kind != "cut" or not any(c.kind == "cut" for c in report.conflicts):
                assert theirs[kind] == mine[kind], kind
        again = sync(local, source=shared)
        assert (again.pushed, again.pulled) == (0, 0)
        assert len(again.conflicts) == len(report.conflicts)
    finally:
        shared.dispose()
        local.dispose()
