"""Venue copy benchmark: checkout and sync of a big show, PostgreSQL -> SQLite -> PostgreSQL.

    .venv/bin/python bench/venue.py [--talks 1000] [--changed 100] [--runs 3]

Builds a show of `--talks` talks (5 cuts, 5 raw files and 10 marks each: 1,000 talks give
5,000 cuts and 10,000 marks) on a throwaway PostgreSQL server (tests/support/postgres.py),
then times, `--runs` times each:

- `checkout` of the whole show into a new venue copy (targets: < 5 s);
- `sync` after `--changed` talks were edited on the copy (title and a cut) and a tenth as
  many online (target: < 3 s), then a second sync that finds nothing to do;
- beside the bare reference in the same run: `pg_dump --data-only` of the same tables.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, update  # noqa: E402

from tests.support.postgres import _bindir, running_postgres  # noqa: E402
from veyedesk.db import make_engine  # noqa: E402
from veyedesk.db.migrate import upgrade  # noqa: E402
from veyedesk.model import (  # noqa: E402
    Client,
    Cut,
    Episode,
    Location,
    Log,
    Mark,
    RawFile,
    Show,
    State,
)
from veyedesk.model.base import new_uuid  # noqa: E402
from veyedesk.services.venue.checkouts import checkout  # noqa: E402
from veyedesk.services.venue.rows import table  # noqa: E402
from veyedesk.services.venue.syncing import sync  # noqa: E402

TABLES = (
    "client",
    "show",
    "location",
    "state",
    "episode",
    "cut",
    "raw_file",
    "mark",
    "log",
)
ROOMS = 4
DAY = datetime(2026, 2, 1, 9, 0)


def build_show(url: str, talks: int) -> None:
    """A show with `talks` talks, 5 raw files + 5 cuts + 10 marks + 1 log each (bulk inserts)."""
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        client_id = conn.execute(
            insert(table(Client)).values(slug="bench", name="Bench")
        ).inserted_primary_key[0]
        show_id = conn.execute(
            insert(table(Show)).values(client_id=client_id, slug="big", name="Big show")
        ).inserted_primary_key[0]
        rooms = []
        for r in range(ROOMS):
            rid = conn.execute(
                insert(table(Location)).values(show_id=show_id, slug=f"room{r}", name=f"Room {r}")
            ).inserted_primary_key[0]
            rooms.append(rid)
        edit_state = conn.scalar(select(table(State).c.id).where(table(State).c.slug == "edit"))
        episodes, raws, marks, logs = [], [], [], []
        for n in range(talks):
            room = rooms[n % ROOMS]
            start = DAY + timedelta(days=(n // ROOMS) // 12, minutes=50 * ((n // ROOMS) % 12))
            episodes.append(
                dict(
                    id=n + 1,
                    uuid=new_uuid(),
                    show_id=show_id,
                    location_id=room,
                    state_id=edit_state,
                    name=f"Talk {n}",
                    slug=f"talk_{n}",
                    start=start,
                    duration=2700.0,
                    end=start + timedelta(seconds=2700),
                    description="x" * 400,
                    authors=f"Speaker {n}",
                )
            )
            for k in range(5):
                raw_start = start + timedelta(minutes=10 * k)
                raws.append(
                    dict(
                        id=n * 5 + k + 1,
                        uuid=new_uuid(),
                        show_id=show_id,
                        location_id=room,
                        filename=f"{raw_start:%Y-%m-%d}/{raw_start:%H_%M_%S}_{n}.dv",
                        filesize=1,
                        start=raw_start,
                        duration=600.0,
                        end=raw_start + timedelta(seconds=600),
                        fps=25.0,
                    )
                )
            for k in range(10):
                marks.append(
                    dict(
                        uuid=new_uuid(),
                        show_id=show_id,
                        location_id=room,
                        click=start + timedelta(seconds=17 * k + 1, microseconds=n),
                        kind="cut",
                    )
                )
            logs.append(
                dict(
                    uuid=new_uuid(),
                    episode_id=n + 1,
                    state_id=edit_state,
                    user="bench",
                    result="imported",
                )
            )
        conn.execute(insert(table(Episode)), episodes)
        conn.execute(insert(table(RawFile)), raws)
        conn.execute(
            insert(table(Cut)),
            [
                dict(
                    uuid=new_uuid(),
                    episode_id=r["id"] // 5 + (1 if r["id"] % 5 else 0),
                    raw_file_id=r["id"],
                    sequence=1 + (r["id"] - 1) % 5,
                )
                for r in raws
            ],
        )
        conn.execute(insert(table(Mark)), marks)
        conn.execute(insert(table(Log)), logs)
    engine.dispose()


def edit_copy(path: Path, changed: int, shared_url: str) -> None:
    """`changed` talks edited on the copy (title + a cut's in), a tenth as many online."""
    local = make_engine(f"sqlite:///{path}")
    ep, cut = table(Episode), table(Cut)
    with local.begin() as conn:
        for n in range(changed):
            episode_id = 1 + n * 7 % 1000
            conn.execute(
                update(ep)
                .where(ep.c.id == episode_id)
                .values(name=f"Venue title {n}", serial=ep.c.serial + 1)
            )
            conn.execute(
                update(cut)
                .where(cut.c.episode_id == episode_id, cut.c.sequence == 1)
                .values(start=12.0 + n, edited=True)
            )
    local.dispose()
    shared = make_engine(shared_url)
    with shared.begin() as conn:
        for n in range(max(1, changed // 10)):
            conn.execute(
                update(ep).where(ep.c.id == 500 + n).values(tags="online", serial=ep.c.serial + 1)
            )
    shared.dispose()


def pg_dump_seconds(server_dir: Path, port: int, database: str) -> float:
    beside = _bindir().resolve() / "pg_dump"  # pg_ctl may be a symlink into the real bindir
    argv = [
        str(beside if beside.exists() else shutil.which("pg_dump") or "pg_dump"),
        "-h",
        str(server_dir),
        "-p",
        str(port),
        "-U",
        "postgres",
        "--data-only",
    ]
    for name in TABLES:
        argv += ["-t", name]
    t0 = time.perf_counter()
    subprocess.run([*argv, database], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="veyedesk-bench-venue-"))
    os.environ.setdefault("VEYEDESK_DATA_DIR", str(tmp / "data"))
    with running_postgres() as server:
        server.psql_admin("CREATE DATABASE bench_template")
        template_url = server.url("bench_template")
        t0 = time.perf_counter()
        build_show(template_url, args.talks)
        print(
            f"show: {args.talks} talks, {5 * args.talks} cuts, {5 * args.talks} raw files, "
            f"{10 * args.talks} marks (built in {time.perf_counter() - t0:.1f} s)"
        )
        times: dict[str, list[float]] = {
            "pg_dump (bare)": [],
            "checkout": [],
            "sync": [],
            "sync again": [],
        }
        for run in range(args.runs):
            database = server.new_database(template="bench_template")
            url = server.url(database)
            times["pg_dump (bare)"].append(
                pg_dump_seconds(server.socket_dir, server.port, database)
            )
            venue = tmp / f"venue{run}.db"
            t0 = time.perf_counter()
            result = checkout(url, venue, client="bench", show="big", who="bench", machine="bench")
            times["checkout"].append(time.perf_counter() - t0)
            assert len(result.episode_ids) == args.talks
            edit_copy(venue, args.changed, url)
            t0 = time.perf_counter()
            report = sync(f"sqlite:///{venue}", source=url)
            times["sync"].append(time.perf_counter() - t0)
            assert report.conflicts == [] and report.pushed >= 2 * args.changed, report.pushed
            t0 = time.perf_counter()
            again = sync(f"sqlite:///{venue}", source=url)
            times["sync again"].append(time.perf_counter() - t0)
            assert (again.pushed, again.pulled) == (0, 0)
        print(f"{'what':<22}{'median s':>10}{'best s':>10}   target")
        targets = {"checkout": "< 5 s", "sync": "< 3 s"}
        for name, values in times.items():
            median, best = statistics.median(values), min(values)
            print(f"{name:<22}{median:>10.2f}{best:>10.2f}   {targets.get(name, '')}")
        print(
            f"(sync: {args.changed} talks changed on the copy, {max(1, args.changed // 10)} online)"
        )


if __name__ == "__main__":
    main()
