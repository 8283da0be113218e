"""Edit-journal benchmark: time the GUI thread spends per keystroke, before and after debouncing.

    .venv/bin/python bench/journal.py [--keys 300]

Before (the first release): every keystroke wrote and fsynced the journal on the GUI
thread. After: a keystroke restarts a 300 ms timer; when typing pauses, the draft is copied
and handed to a journal thread. Printed beside the bare tool: writing the same JSON with
plain open/write/fsync/rename. Figures are per keystroke on the GUI thread (median, p95,
max) for a talk of the demo's size (3 raw files, 3 cuts).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no video here: no display needed

from tests.support.factory import make_show  # noqa: E402
from veyedesk.config import Settings  # noqa: E402
from veyedesk.db import make_engine, session_factory  # noqa: E402
from veyedesk.db.migrate import upgrade  # noqa: E402
from veyedesk.gui.app import make_application  # noqa: E402
from veyedesk.gui.document.editable import EditorDocument  # noqa: E402
from veyedesk.gui.editor.session import EpisodeSession  # noqa: E402
from veyedesk.gui.widgets.tasks import BackgroundRunner  # noqa: E402
from veyedesk.services.admin.users import Identity  # noqa: E402
from veyedesk.services.editing.draft import load_draft  # noqa: E402
from veyedesk.services.editing.journal import journal_path, write_journal  # noqa: E402


class _NoPrompts:
    def error(self, *_args: object, **_kw: object) -> None:
        pass


def figures(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"median {statistics.median(ordered):6.3f}  p95 {p95:6.3f}  max {ordered[-1]:6.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=300)
    args = parser.parse_args()
    app = make_application(["bench-journal"])
    tmp = Path(tempfile.mkdtemp(prefix="veyedesk-bench-journal-"))
    os.environ["VEYEDESK_DATA_DIR"] = str(tmp / "data")
    url = f"sqlite:///{tmp / 'j.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as s:
        episode_id = make_show(s).episodes[0].id
        s.commit()
        base = load_draft(s, episode_id, str(tmp))
    title = "Why <template> matters: a long talk title typed key by key"

    before: list[float] = []
    draft = base.copy()
    for n in range(args.keys):
        draft.fields["name"] = title[: n % len(title) + 1]
        t0 = time.perf_counter()
        write_journal(url, draft, base, "bench")
        before.append((time.perf_counter() - t0) * 1000)

    bare: list[float] = []
    target = tmp / "bare.json"
    for n in range(args.keys):
        data = json.dumps({"name": title[: n % len(title) + 1], "cuts": [1, 2, 3]}).encode()
        t0 = time.perf_counter()
        part = target.with_suffix(".part")
        with open(part, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(part, target)
        bare.append((time.perf_counter() - t0) * 1000)

    settings = Settings(db=url)
    session = EpisodeSession(
        session_factory(engine),
        settings,
        Identity("bench", "editor"),
        BackgroundRunner(),
        _NoPrompts(),  # type: ignore[arg-type]
    )
    document = EditorDocument(base.copy())
    session.document = document
    keystroke: list[float] = []
    pause: list[float] = []
    for n in range(args.keys):
        document.draft.fields["name"] = title[: n % len(title) + 1]
        document._force_dirty = True
        t0 = time.perf_counter()
        session._journal()
        keystroke.append((time.perf_counter() - t0) * 1000)
        if n % 10 == 9:  # the typist pauses: the timer fires on the GUI thread
            t0 = time.perf_counter()
            session._journal_timer.stop()
            session._write_journal()
            pause.append((time.perf_counter() - t0) * 1000)
            app.processEvents()
    session.flush_journal()
    assert journal_path(url, episode_id).exists()

    print("veyedesk edit-journal benchmark: GUI-thread time (ours vs the bare tool, same run)")
    print(f"  before: write+fsync per keystroke   {figures(before)}")
    print(f"  after:  per keystroke (timer)       {figures(keystroke)}")
    print(f"  after:  once per pause (copy+hand)  {figures(pause)}")
    print(f"  bare:   open/write/fsync/rename     {figures(bare)}")
    engine.dispose()


if __name__ == "__main__":
    main()
