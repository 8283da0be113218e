"""Save-time benchmark: what SQLite `synchronous=FULL` costs an editor's save.

Run: `.venv/bin/python bench/save.py [--saves 200]`. On a temp SQLite file in WAL mode (as
veyedesk opens it) it saves one episode `--saves` times through `services.edit.save_draft`
(load the episode, write the changed title and a moved cut, bump the serial, commit: what
Ctrl+S does), once with `synchronous=NORMAL` (before) and once with `FULL` (now). Beside
it, the bare figure: the raw `sqlite3` module doing one `UPDATE` + commit per save in the
same modes, no ORM. Each commit waits for the disk (fsync), so the figures depend on the
disk the temp folder lives on: run it on the machine you care about. Prints median and p95
per save in milliseconds.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.support

MODES = ("NORMAL", "FULL")


def _figures(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms"


def bench_veyedesk(path: Path, mode: str, saves: int) -> list[float]:
    from sqlalchemy import event

    from tests.support.factory import make_show
    from veyedesk.db import make_engine, session_factory
    from veyedesk.db.migrate import upgrade
    from veyedesk.services.editing.draft import load_draft, save_draft

    engine = make_engine(f"sqlite:///{path}")

    def synchronous(dbapi_connection, _record) -> None:
        # Runs after veyedesk's own pragmas (listeners run in order), so it decides the mode.
        dbapi_connection.execute(f"PRAGMA synchronous={mode}")

    event.listen(engine, "connect", synchronous)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        episode_id = make_show(session).episodes[0].id
        session.commit()
    samples = []
    for n in range(saves):
        started = time.perf_counter()
        with sessions() as session, session.begin():
            base = load_draft(session, episode_id, "")
            draft = base.copy()
            draft.fields["name"] = f"Talk, take {n}"
            if draft.cuts:
                draft.cuts[0].start = float(n % 7)
            save_draft(session, draft, base, "bench")
        samples.append(time.perf_counter() - started)
    with engine.connect() as conn:
        actual = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    assert actual == {"NORMAL": 1, "FULL": 2}[mode], actual
    engine.dispose()
    return samples


def bench_bare(path: Path, mode: str, saves: int) -> list[float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={mode}")
    conn.execute("CREATE TABLE episode (id INTEGER PRIMARY KEY, name TEXT, serial INTEGER)")
    conn.execute("INSERT INTO episode VALUES (1, 'Talk', 0)")
    samples = []
    for n in range(saves):
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute(
            "UPDATE episode SET name = ?, serial = serial + 1 WHERE id = 1", (f"Talk, take {n}",)
        )
        conn.execute("COMMIT")
        samples.append(time.perf_counter() - started)
    conn.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="veyedesk-bench-save-") as tmp:
        folder = Path(tmp)
        print(f"{args.saves} saves each, SQLite in WAL mode, files in {folder}")
        for mode in MODES:
            veyedesk = bench_veyedesk(folder / f"veyedesk-{mode}.db", mode, args.saves)
            bare = bench_bare(folder / f"bare-{mode}.db", mode, args.saves)
            print(f"synchronous={mode:<6}  veyedesk save_draft: {_figures(veyedesk)}")
            print(f"{'':20} bare sqlite3 UPDATE: {_figures(bare)}")


if __name__ == "__main__":
    main()
