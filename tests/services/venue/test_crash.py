"""A sync killed at any point (SIGKILL) is finished by the next one, exactly.

Each round starts from the same shared database (a PostgreSQL clone) and the same venue
copy (a file copy), runs `veyedesk venue sync` in a child process that is killed with
SIGKILL (at each commit point by fault injection, or after a random delay), then syncs
again to the end: the final state of both databases must equal that of a sync that was
never interrupted.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from tests.services.venue.support import copy_of, dump, edit, edit_cuts, seed_shared, sqlite
from tests.support.postgres import PostgresServer
from veyedesk.db import make_engine, session_factory
from veyedesk.model import (
    Episode,
    Mark,
    VenueBase,
    VenueConflict,
    VenueSyncReceipt,
    VenueSyncRun,
)
from veyedesk.model.kinds import LogKind, MarkKind
from veyedesk.services.venue.syncing import sync

pytestmark = pytest.mark.postgres

CHECKPOINTS = ("planned", "before-shared-commit", "shared-committed", "before-local-commit", "done")
ROUNDS = 20


def _without_sync_logs(found: dict[str, Any]) -> dict[str, Any]:
    """Rows with each sync Log (new UUID and time every run) as its talk, in a list.

    The text names who synced, which is the CLI's user in the child and the copy's in
    this process: not compared.
    """
    logs = found["log"]
    synced = sorted(d["episode"] for d in logs.values() if d["kind"] == LogKind.SYNC)
    kept = {k: d for k, d in logs.items() if d["kind"] != LogKind.SYNC}
    return {**found, "log": kept, "sync_logs": synced}


def _state(shared: Engine, local: Engine) -> dict[str, Any]:
    """Both databases as data that an exact rerun must reproduce (no ids, no run uuids)."""
    with session_factory(shared)() as s:
        episodes = {
            e.uuid: (e.serial, sorted(e.edited_fields or []), e.locked_by)
            for e in s.scalars(select(Episode))
        }
        receipts = s.scalar(select(func.count()).select_from(VenueSyncReceipt))
    with session_factory(local)() as s:
        bases = {
            (b.kind, b.key): b.data
            for b in s.scalars(select(VenueBase))
            if not (b.kind == "log" and b.data.get("kind") == LogKind.SYNC)
        }
        sync_bases = sum(
            1
            for b in s.scalars(select(VenueBase))
            if b.kind == "log" and b.data.get("kind") == LogKind.SYNC
        )
        conflicts = sorted((c.kind, c.key, c.field) for c in s.scalars(select(VenueConflict)))
        runs = s.scalar(select(func.count()).select_from(VenueSyncRun))
        serials = {e.uuid: e.serial for e in s.scalars(select(Episode))}
    return {
        "shared": _without_sync_logs(dump(shared)),
        "shared_episodes": episodes,
        "receipts": receipts,
        "local": _without_sync_logs(dump(local)),
        "bases": bases,
        "sync_bases": sync_bases,
        "conflicts": conflicts,
        "runs": runs,
        "local_serials": serials,
    }


def _prepare(url: str, tmp_path: Path) -> tuple[Path, list[str]]:
    """A shared show, a venue copy, and edits on both sides (one conflict left pending)."""
    engine = make_engine(url)
    with session_factory(engine)() as session:
        talks = [e.uuid for e in seed_shared(session).episodes]
    venue = tmp_path / "venue.db"
    copy_of(url, venue)
    local = sqlite(venue)
    edit(local, talks[0], name="Venue title", description="venue text")

    def trim(draft: Any) -> None:
        draft.cuts[0].start = 7.0
        del draft.cuts[1:]

    edit_cuts(local, talks[0], trim)
    with session_factory(local)() as s, s.begin():
        ep = s.scalars(select(Episode).where(Episode.uuid == talks[3])).one()
        assert ep.location is not None
        for n in range(3):
            s.add(
                Mark(
                    show_id=ep.show_id,
                    location=ep.location,
                    click=datetime(2026, 2, 1, 9, 5, n),
                    kind=MarkKind.CUT,
                    who="bob",
                )
            )
    edit(local, talks[2], name="Venue name for talk 3")
    edit(engine, talks[2], name="Online name for talk 3")
    edit(engine, talks[1], tags="online tag")
    local.dispose()
    engine.dispose()
    return venue, talks


def _child(venue: Path, url: str, kill_at: str | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VEYEDESK_DB": f"sqlite:///{venue}"}
    command = ["venue", "sync", "--from", url]
    # A named commit point: the test-only child dies there (tests/services/venue/kill_child.py).
    runner = ["-m", "tests.services.venue.kill_child", kill_at] if kill_at else ["-m", "veyedesk"]
    return subprocess.Popen(
        [sys.executable, *runner, *command],
        cwd=Path(__file__).resolve().parents[3],  # where `tests` is importable
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _clone(server: PostgresServer, url: str) -> str:
    name = make_url(url).database
    return server.url(server.new_database(template=name))


def test_sync_killed_anywhere_finishes_exactly(
    pg_server: PostgresServer, pg_url: str, tmp_path: Path
) -> None:
    venue, _talks = _prepare(pg_url, tmp_path)

    # The reference: the same sync, never interrupted (in a child too, to time it).
    ref_url = _clone(pg_server, pg_url)
    ref_venue = tmp_path / "ref.db"
    shutil.copy(venue, ref_venue)
    started = time.monotonic()
    child = _child(ref_venue, ref_url, None)
    _, err = child.communicate(timeout=120)
    took = time.monotonic() - started
    assert child.returncode == 1, err  # 1: a conflict is left pending, as planned
    ref_shared, ref_local = make_engine(ref_url), sqlite(ref_venue)
    expected = _state(ref_shared, ref_local)
    ref_shared.dispose(), ref_local.dispose()
    assert expected["receipts"] == 1 and expected["conflicts"] and expected["runs"] == 0
    assert expected["shared"]["episode"][_talks[0]]["name"] == "Venue title"
    # One sync Log on the talk it changed, on both sides, whatever the interruptions.
    assert expected["shared"]["sync_logs"] == [_talks[0]]
    assert expected["local"]["sync_logs"] == expected["shared"]["sync_logs"]

    rng = random.Random(13)
    killed_mid_way = 0
    for n in range(ROUNDS):
        url = _clone(pg_server, pg_url)
        round_venue = tmp_path / f"round{n}.db"
        shutil.copy(venue, round_venue)
        if n < len(CHECKPOINTS):
            child = _child(round_venue, url, CHECKPOINTS[n])
            child.wait(timeout=120)
            assert child.returncode == -signal.SIGKILL, f"{CHECKPOINTS[n]} never reached"
        else:
            child = _child(round_venue, url, None)
            try:
                child.wait(timeout=rng.uniform(0.0, took))
            except subprocess.TimeoutExpired:
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=60)
                killed_mid_way += 1
        for leftover in (round_venue.with_name(round_venue.name + "-journal"),):
            assert not leftover.exists()
        shared, local = make_engine(url), sqlite(round_venue)
        try:
            sync(local, source=shared)
            assert _state(shared, local) == expected, f"round {n}"
            # And once more: nothing left to do.
            again = sync(local, source=shared)
            assert (again.pushed, again.pulled) == (0, 0)
        finally:
            shared.dispose()
            local.dispose()
    assert killed_mid_way > 0
