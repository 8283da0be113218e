"""Queue benchmark: claim latency and throughput of empty jobs, 1/4/8 worker processes.

Run: `.venv/bin/python bench/encode_queue.py [--jobs 200]`. For SQLite (a temp file) and for a
throwaway PostgreSQL server it queues `--jobs` jobs, then starts N processes that each run
a real `veyedesk.jobs.worker.Worker` whose handler does nothing, so the figures are the
queue's own cost: claim (re-queue expired + pick + lease, one transaction), then complete
(advance the episode, write the Log). Beside it, the bare figure: the same processes doing
the least an atomic queue can do with the raw driver (one `UPDATE … RETURNING` claim with
SKIP LOCKED / BEGIN IMMEDIATE, one `UPDATE` to finish), no ORM, no state change, no Log.
Throughput is jobs / (last finish - first claim); process start-up is excluded.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# As a script, bench/ comes first on the path: put the repository there (for `tests.support`).
sys.path[0] = str(ROOT)

WORKER_COUNTS = (1, 4, 8)


def _populate(url: str, jobs: int) -> None:
    from sqlalchemy import delete, insert, select

    from veyedesk.db import make_engine, session_factory
    from veyedesk.model import EncodeJob, Episode, Log, State
    from veyedesk.services import catalog

    engine = make_engine(url)
    with session_factory(engine)() as session, session.begin():
        session.execute(delete(Log))
        session.execute(delete(EncodeJob))
        session.execute(delete(Episode))
        show = None
        try:
            show = catalog.get_show(session, "bench", "bench")
        except Exception:
            catalog.add_client(session, "bench")
            show = catalog.add_show(session, "bench", "bench")
        session.flush()
        encode = session.scalar(select(State.id).where(State.slug == "encode"))
        session.execute(
            insert(Episode),
            [
                {
                    "show_id": show.id,
                    "name": f"Talk {i}",
                    "slug": f"talk_{i}",
                    "state_id": encode,
                    "duration": 600.0 + i,
                }
                for i in range(jobs)
            ],
        )
        ids = session.scalars(select(Episode.id).order_by(Episode.id)).all()
        session.execute(
            insert(EncodeJob),
            [
                {"episode_id": i, "profile": "mp4", "kind": "encode", "status": "queued"}
                for i in ids
            ],
        )
    engine.dispose()


def _veyedesk_worker(url: str, start: Any, results: Any) -> None:
    from veyedesk.config import Settings
    from veyedesk.jobs.engine import writer_engine
    from veyedesk.jobs.handler import JobContext, JobResult
    from veyedesk.jobs.worker import Worker, WorkerOptions

    claims: list[float] = []
    marks: list[float] = []

    class TimedWorker(Worker):
        def _claim_one(self) -> bool:
            began = time.perf_counter()
            got = super()._claim_one()
            if got:
                claims.append(time.perf_counter() - began)
                marks.append(time.time())
            return got

    def nothing(_ctx: JobContext) -> JobResult:
        return JobResult()

    engine = writer_engine(url)
    worker = TimedWorker(
        engine,
        Settings(db=url, user="bench"),
        {"encode": nothing},
        WorkerOptions(once=True, poll_seconds=0.001),
    )
    # Warm the pools so connection set-up is not counted as claim latency.
    with worker.sessions() as s:
        s.connection()
    results.put("ready")
    start.wait()
    stats = worker.run()
    results.put((claims, min(marks, default=0.0), time.time(), stats.done))
    engine.dispose()


def _bare_worker(url: str, start: Any, results: Any) -> None:
    from sqlalchemy.engine import make_url

    claims: list[float] = []
    done = 0
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        conn = sqlite3.connect(parsed.database or "", isolation_level=None, timeout=30)
        conn.execute("PRAGMA busy_timeout=30000")
        claim_sql = (
            "UPDATE encode_job SET status='running' WHERE id = (SELECT id FROM encode_job "
            "WHERE status='queued' ORDER BY priority DESC, id LIMIT 1) RETURNING id"
        )

        def claim() -> int | None:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute(claim_sql).fetchone()
            conn.execute("COMMIT")
            return row[0] if row else None

        def finish(job_id: int) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE encode_job SET status='done' WHERE id=?", (job_id,))
            conn.execute("COMMIT")
    else:
        import psycopg

        conn = psycopg.connect(
            host=parsed.query["host"],
            port=int(parsed.query["port"]),
            user=parsed.username,
            dbname=parsed.database,
            autocommit=True,
        )
        claim_sql = (
            "UPDATE encode_job SET status='running' WHERE id = (SELECT id FROM encode_job "
            "WHERE status='queued' ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
            "RETURNING id"
        )

        def claim() -> int | None:
            row = conn.execute(claim_sql).fetchone()
            return row[0] if row else None

        def finish(job_id: int) -> None:
            conn.execute("UPDATE encode_job SET status='done' WHERE id=%s", (job_id,))

    results.put("ready")
    start.wait()
    first = 0.0
    while True:
        began = time.perf_counter()
        job_id = claim()
        if job_id is None:
            break
        claims.append(time.perf_counter() - began)
        first = first or time.time()
        finish(job_id)
        done += 1
    results.put((claims, first, time.time(), done))
    conn.close()


def _run(target: Any, url: str, jobs: int, workers: int) -> dict[str, float]:
    _populate(url, jobs)
    ctx = mp.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=target, args=(url, start, results)) for _ in range(workers)]
    for p in procs:
        p.start()
    # Children import and connect, say ready, and wait: start-up is not measured.
    for _ in procs:
        assert results.get(timeout=300) == "ready"
    start.set()
    got = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    claims = [c for g in got for c in g[0]]
    first = min(g[1] for g in got if g[1])
    last = max(g[2] for g in got)
    done = sum(g[3] for g in got)
    assert done == jobs, f"{done} of {jobs} jobs done"
    claims.sort()
    return {
        "jobs_s": done / (last - first) if last > first else float("nan"),
        "p50": statistics.median(claims) * 1000,
        "p95": claims[int(len(claims) * 0.95) - 1] * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200, help="jobs per run (default 200)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()

    from sqlalchemy import text

    from tests.support.postgres import running_postgres
    from veyedesk.db import make_engine
    from veyedesk.db.migrate import upgrade

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(sqlite_url)
        upgrade(engine)
        engine.dispose()
        databases = [("sqlite", sqlite_url)]
        server = None
        if not args.no_postgres:
            server = running_postgres()
            pg = server.__enter__()
            pg.psql_admin("CREATE DATABASE bench")
            pg_url = pg.url("bench")
            engine = make_engine(pg_url)
            upgrade(engine)
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            databases.append(("postgresql", pg_url))
        try:
            for name, url in databases:
                for n in WORKER_COUNTS:
                    ours = _run(_veyedesk_worker, url, args.jobs, n)
                    bare = _run(_bare_worker, url, args.jobs, n)
                    rows.append((name, n, ours, bare))
                    print(
                        f"{name:<10} {n:>2} workers  veyedesk {ours['jobs_s']:7.1f} jobs/s  "
                        f"claim p50 {ours['p50']:6.1f} ms p95 {ours['p95']:6.1f} ms   |  "
                        f"bare driver {bare['jobs_s']:7.1f} jobs/s  claim p50 "
                        f"{bare['p50']:6.1f} ms p95 {bare['p95']:6.1f} ms",
                        flush=True,
                    )
        finally:
            if server is not None:
                server.__exit__(None, None, None)
    print(f"\n{args.jobs} empty jobs per run; {mp.cpu_count()} CPUs; claim = one transaction.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
