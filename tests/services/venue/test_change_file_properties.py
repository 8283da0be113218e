"""Property: a mutated change file is refused whole or applied whole, within its show.

The file is a real one (a real checkout, real edits on the copy, a real export). Hypothesis
(derandomized: the same cases on every run) changes it the ways a hand-made file could:
values of other types, huge or non-finite numbers, deep nesting, unknown or missing keys,
UUIDs of another client's show, path-like strings, control characters. Whatever it does:

- `read_changes` either refuses it with a UserError or returns rows whose values fit
  their columns (no control characters in one-line text, lengths within limits);
- `apply_changes` either refuses it with a UserError, the database exactly as before
  (not one row of it applied), or applies it and changes nothing outside the copied
  show's rows; applying the same file again then finds nothing left to push.
"""

from __future__ import annotations

import copy
import json
import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st
from sqlalchemy import Engine, MetaData, select

from tests.services.venue.change_files import Made, make_change_file, write_change_file
from veyedesk.db import make_engine, session_factory
from veyedesk.db.migrate import upgrade
from veyedesk.errors import UserError
from veyedesk.ingest.limits import column_limits
from veyedesk.model import Episode, Show
from veyedesk.services.venue import rows
from veyedesk.services.venue.changes import apply_changes, read_changes
from veyedesk.services.venue.writes import MODELS

CONTROL = "".join(map(chr, [*range(0, 9), *range(11, 32), 127, 0x85, 0x9B]))
PATHS = ["../../x", "/abs/x", "..", "room_a/../../etc/passwd", "C:\\x", "a/./b", "~/x", ""]
SETTINGS = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


@dataclass
class World:
    """A shared database file with two shows and a real change file from the first."""

    template: Path
    work: Path
    made: Made
    other_keys: list[str]  # keys of another show's rows (talks, cuts, logs)
    meta: MetaData
    before: dict[str, list[tuple[Any, ...]]]
    show_id: int


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("change_file_properties")
    url = f"sqlite:///{folder / 'shared.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        made = make_change_file(url, session, folder, more=True)
    with engine.connect() as conn:
        show_id = conn.scalar(select(Show.id).where(Show.slug == "pyconf_2026"))
    engine.dispose()
    meta = MetaData()
    meta.reflect(make_engine(url))
    world = World(
        template=folder / "shared.db",
        work=folder / "work.db",
        made=made,
        other_keys=[*made.other_talks, *made.other_cuts, *made.other_logs],
        meta=meta,
        before={},
        show_id=int(show_id),
    )
    shutil.copyfile(world.template, world.work)
    world.before = _snapshot(_engine(world), meta)
    yield world


_ENGINES: dict[Path, Engine] = {}


def _engine(world: World) -> Engine:
    if world.work not in _ENGINES:
        _ENGINES[world.work] = make_engine(f"sqlite:///{world.work}")
    return _ENGINES[world.work]


def _reset(world: World) -> None:
    engine = _ENGINES.pop(world.work, None)
    if engine is not None:
        engine.dispose()
    shutil.copyfile(world.template, world.work)


def _snapshot(engine: Engine, meta: MetaData) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            out[table.name] = sorted((tuple(r) for r in conn.execute(select(table))), key=repr)
    return out


# --- mutations -----------------------------------------------------------------------


_VALUES: dict[tuple[str, ...], st.SearchStrategy[Any]] = {}


def values(world_keys: list[str]) -> st.SearchStrategy[Any]:
    """Any JSON a hand-made file could hold where one value belongs (built once)."""
    key = tuple(world_keys)
    if key not in _VALUES:
        _VALUES[key] = _values(world_keys)
    return _VALUES[key]


def _values(world_keys: list[str]) -> st.SearchStrategy[Any]:
    # Mostly picked from lists of telling values: far cheaper to draw than open-ended
    # integers or text, and each is a case a hand-made file could hold.
    odd = [
        None,
        True,
        False,
        0,
        -1,
        1,
        2**31,
        -(2**63),
        10**30,
        7 * 86400 + 1,
        1.5,
        -0.0,
        1e300,
        -1e300,
        float("nan"),
        float("inf"),
        float("-inf"),
        "",
        "abc",
        "x" * 301,
        "x" * 100_001,
        "9999-12-31T23:59:59",
        "0001-01-01T00:00:00",
        "2026-02-01T10:00:00+01:00",
        "2026-02-01T10:00:00",
        "2026-02-01",
        "hall_x",
        "room_a",
        "room_b",
        "no-such-state",
        "review opened",
        "cut",
        "episode",
        "room_a/2026-02-01/09_00_00.dv",
        "hall_x/2026-02-01/09_00_00.dv",
        [],
        {},
        [None],
        {"a": {"b": [1, {"c": float("nan")}]}},
        *PATHS,
        *world_keys,
    ]
    scalars = st.one_of(
        st.sampled_from(odd),
        st.text(alphabet=st.sampled_from(CONTROL + "ab/.é-_ :"), max_size=8),
    )
    return st.one_of(
        scalars,
        scalars,
        scalars,
        st.lists(scalars, max_size=3),
        st.dictionaries(st.sampled_from(["a", "", "\x00", "name"]), scalars, max_size=2),
    )


@st.composite
def mutated(draw: st.DrawFn, world: World) -> tuple[str, str | None]:
    """(the mutated file's JSON text, prefer)."""
    document = copy.deepcopy(world.made.document)
    any_value = values(world.other_keys)
    deep = 0
    for _ in range(draw(st.sampled_from([1, 1, 2, 3]))):
        what = draw(
            st.sampled_from(
                [
                    "valid",
                    "valid",
                    "valid",
                    "valid",
                    "valid",
                    "valid",
                    "field",
                    "field",
                    "field",
                    "key",
                    "drop-field",
                    "add-field",
                    "side",
                    "kind",
                    "row-key",
                    "new-row",
                    "header",
                    "deep",
                    "control",
                ]
            )
        )
        found = document.get("rows")
        if not isinstance(found, list) or not found:
            what = "header"
        else:
            row = draw(st.sampled_from(found))
        if what == "header":
            name = draw(st.sampled_from(["client", "show", "copy_uuid", "rows", "version", "who"]))
            document[name] = draw(any_value)
            continue
        if not isinstance(row, dict):
            continue
        side_name = draw(st.sampled_from(["mine", "mine", "base"]))
        side = row.get(side_name)
        if what in ("valid", "field", "drop-field", "add-field", "control", "deep") and (
            not isinstance(side, dict) or not side
        ):
            what = "side"
        if what == "valid":
            # A change a real copy could make: the file should apply (most of the time).
            name = draw(st.sampled_from(sorted(side)))
            side[name] = _plausible(side[name], draw(st.sampled_from([0, 1, 2])))
        elif what == "field":
            name = draw(st.sampled_from(sorted(side)))
            side[name] = draw(any_value)
        elif what == "control":
            texts = sorted(n for n, v in side.items() if isinstance(v, str))
            if texts:
                name = draw(st.sampled_from(texts))
                at = draw(st.sampled_from(range(len(side[name]) + 1)))
                side[name] = side[name][:at] + draw(st.sampled_from(CONTROL)) + side[name][at:]
        elif what == "deep":
            name = draw(st.sampled_from(sorted(side)))
            side[name] = "__DEEP__"
            deep = draw(st.sampled_from([40, 1000, 100_000]))
        elif what == "drop-field":
            side.pop(draw(st.sampled_from(sorted(side))))
        elif what == "add-field":
            side[draw(st.sampled_from(["evil", "id", "show_id", "uuid"]))] = draw(any_value)
        elif what == "side":
            row[side_name] = draw(st.one_of(st.none(), any_value))
        elif what == "kind":
            row["kind"] = draw(st.one_of(st.sampled_from(rows.KINDS), any_value))
        elif what == "key":
            row["key"] = draw(st.one_of(st.sampled_from(world.other_keys), any_value))
        elif what == "row-key":
            row[draw(st.sampled_from(["extra", "kind", "key", "base"]))] = draw(any_value)
            if draw(st.sampled_from([True, False])):
                row.pop(draw(st.sampled_from(["kind", "key", "base", "mine"])), None)
        elif what == "new-row":
            twin = copy.deepcopy(row)
            twin["key"] = draw(
                st.one_of(st.sampled_from(world.other_keys), st.uuids().map(str), any_value)
            )
            if draw(st.sampled_from([True, False])):
                twin["base"] = None
            found.append(twin)
    text = json.dumps(document, ensure_ascii=False)
    if deep:
        text = text.replace('"__DEEP__"', "[" * deep + "]" * deep, 1)
    prefer = draw(st.sampled_from([None, "mine", "theirs"]))
    return text, prefer


def _plausible(value: Any, pick: int) -> Any:
    """Another value of the same type (a title edited, a cut moved, a flag flipped)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + pick
    if isinstance(value, float):
        return value + 1.5 * pick
    if isinstance(value, str):
        return value + ["", " edited", "\x00\x1b[2J"][pick]
    return value


# --- properties ----------------------------------------------------------------------


def _fits(kind: str, data: dict[str, Any]) -> None:
    """Every cleaned value fits its column: text length, no control characters, finite."""
    model = MODELS[kind]
    limits = column_limits(model)
    for name, value in data.items():
        if isinstance(value, str):
            assert len(value) <= limits.get(name, 1_000_000), (kind, name)
            assert not any(ord(c) < 32 and c not in "\n\t" for c in value), (kind, name)
            assert "\x00" not in value and "\x7f" not in value
        if isinstance(value, float):
            assert math.isfinite(value), (kind, name)


@settings(SETTINGS, max_examples=1500)
@given(data=st.data())
def test_read_changes_refuses_or_cleans_every_mutation(
    world: World, tmp_path: Path, data: st.DataObject
) -> None:
    text, _prefer = data.draw(mutated(world))
    path = write_change_file(tmp_path / "m.vdz", None, raw_json=text)
    try:
        document = read_changes(path)
    except UserError as exc:
        event("refused")
        assert "\n" not in str(exc)
        return
    event("cleaned")
    for row in document["rows"]:
        for side in ("base", "mine"):
            if row[side] is not None:
                _fits(row["kind"], row[side])


def _outside_changes(
    world: World, before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    """Rows that changed but are not the copied show's (nor a receipt of this apply)."""
    meta = world.meta
    show = world.show_id

    def by_pk(name: str, found: list[tuple[Any, ...]]) -> dict[Any, dict[str, Any]]:
        table = meta.tables[name]
        cols = [c.name for c in table.columns]
        pk = [c.name for c in table.primary_key.columns] or cols
        out = {}
        for values_ in found:
            row = dict(zip(cols, values_, strict=True))
            out[tuple(row[k] for k in pk)] = row
        return out

    episodes = {r["id"]: r["show_id"] for r in by_pk("episode", after["episode"]).values()}
    episodes |= {r["id"]: r["show_id"] for r in by_pk("episode", before["episode"]).values()}
    images = {r["id"]: r["show_id"] for r in by_pk("image_file", after["image_file"]).values()}

    def ours(name: str, row: dict[str, Any]) -> bool:
        if name in ("venue_sync_receipt",):
            return True
        if "show_id" in row:  # rooms too: a room belongs to one show (migration 0013)
            return row["show_id"] == show
        if "episode_id" in row:
            return episodes.get(row["episode_id"]) == show
        if name == "image_file_episodes":
            return images.get(row["image_file_id"]) == show
        return False

    outside = []
    for name in after:
        old, new = by_pk(name, before[name]), by_pk(name, after[name])
        for key in old.keys() | new.keys():
            a, b = old.get(key), new.get(key)
            if a == b:
                continue
            if not all(ours(name, r) for r in (a, b) if r is not None):
                outside.append(f"{name} {key}: {a} -> {b}")
    return outside


@settings(SETTINGS, max_examples=500)
@given(data=st.data())
def test_apply_refuses_whole_or_applies_whole_within_the_show(
    world: World, tmp_path: Path, data: st.DataObject
) -> None:
    text, prefer = data.draw(mutated(world))
    path = write_change_file(tmp_path / "m.vdz", None, raw_json=text)
    engine = _engine(world)
    try:
        apply_changes(engine, path, prefer=prefer)
    except UserError as exc:
        event("refused")
        assert "\n" not in str(exc)
        assert _snapshot(engine, world.meta) == world.before, "a refused file wrote something"
        return
    event("applied")
    try:
        after = _snapshot(engine, world.meta)
        assert _outside_changes(world, world.before, after) == []
        again = apply_changes(engine, path, prefer=prefer, dry_run=True)
        assert again.pushed == 0, again.lines  # every row of it is in: applied whole
    finally:
        _reset(world)


def test_the_unmutated_file_applies(world: World) -> None:
    engine = _engine(world)
    try:
        report = apply_changes(engine, world.made.vdz)
        assert report.pushed >= 4
        with engine.connect() as conn:
            names = set(conn.scalars(select(Episode.name)))
        assert "Added at the venue" in names and "Renamed at the venue" in names
    finally:
        _reset(world)
