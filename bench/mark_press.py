"""Mark press benchmark: one press = one committed SQLite transaction, beside bare sqlite3.

    .venv/bin/python bench/mark_press.py [--presses 300]

Times what the Mark window's writer thread does per press (a session, `record_mark`,
commit, then reading the room-day's marks back for the list) and the press alone, beside
the bare reference in the same run: `sqlite3` inserting one row and committing with the
same pragmas (WAL, synchronous=FULL). Prints median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from veyedesk.db import make_engine, session_factory
from veyedesk.db.migrate import upgrade
from veyedesk.services import catalog
from veyedesk.services.editing import marks as marking
from veyedesk.services.identity import Identity

AT = datetime(2026, 2, 1, 9, 0)
WHO = Identity("bench", "editor")


def figures(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * len(times)))]
    return f"median {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms"


def veyedesk_presses(path: Path, presses: int, read_back: bool) -> list[float]:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        catalog.add_client(session, "bench")
        show = catalog.add_show(session, "bench", "bench26")
        room = catalog.add_room(session, show, "room_a")
        session.commit()
        show_id, room_id = show.id, room.id
    times = []
    for n in range(presses):
        t0 = time.perf_counter()
        with sessions() as session:
            marking.record_mark(
                session, WHO, show_id, room_id, "cut", AT + timedelta(seconds=n), machine="b"
            )
            session.commit()
            if read_back:
                marking.day_marks(session, room_id, AT.date())
        times.append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    return times


def bare_presses(path: Path, presses: int) -> list[float]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(
        "CREATE TABLE mark (id INTEGER PRIMARY KEY, uuid TEXT UNIQUE, location_id INT,"
        " click TEXT, kind TEXT, note TEXT, who TEXT, machine TEXT, offset REAL,"
        " UNIQUE (location_id, click))"
    )
    times = []
    for n in range(presses):
        t0 = time.perf_counter()
        db.execute("BEGIN")
        db.execute(
            "INSERT INTO mark (uuid, location_id, click, kind, note, who, machine, offset)"
            " VALUES (?, 1, ?, 'cut', '', 'bench', 'b', 0)",
            (str(uuid.uuid4()), str(AT + timedelta(seconds=n))),
        )
        db.execute("COMMIT")
        times.append((time.perf_counter() - t0) * 1000)
    db.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare = bare_presses(folder / "bare.db", args.presses)
        alone = veyedesk_presses(folder / "alone.db", args.presses, read_back=False)
        full = veyedesk_presses(folder / "full.db", args.presses, read_back=True)
    print(f"{args.presses} presses, each its own committed transaction (SQLite, WAL, FULL sync)")
    print(f"  bare sqlite3 INSERT + COMMIT        {figures(bare)}")
    print(f"  veyedesk record_mark + commit       {figures(alone)}")
    print(f"  … + read the room-day back (window) {figures(full)}")


if __name__ == "__main__":
    main()
