"""Screenshots of the ingest views, from a generated show, for a person to look at.

    xvfb-run -a -s '-screen 0 1600x1000x24' .venv/bin/python bench/ingest_screens.py [OUT]

Writes OUT/ingest-import-diff.png (File ▸ Import schedule…, a re-import's diff),
OUT/ingest-room-day.png (Go ▸ Raw files by room-day, two recorders overlapping, an
unreadable file, a gap during a talk) and OUT/ingest-window.png (the editor after the
watched folder brought a new file onto the open talk's timeline). OUT defaults to /tmp.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import datetime  # noqa: E402


def wait(until: Callable[[], bool], seconds: float = 30.0) -> None:
    from PySide6.QtTest import QTest

    deadline = time.perf_counter() + seconds
    while not until():
        if time.perf_counter() > deadline:
            raise SystemExit("timed out waiting for the window")
        QTest.qWait(5)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp")
    tmp = Path(tempfile.mkdtemp(prefix="veyedesk-screens-"))
    os.environ["VEYEDESK_DATA_DIR"] = str(tmp / "data")
    os.environ["VEYEDESK_CONFIG"] = str(tmp / "config.toml")
    from PySide6.QtCore import QSettings

    from tests.support.media import make_clip
    from tests.support.schedules import TALKS, frab_xml, moved
    from veyedesk.config import load_settings
    from veyedesk.db import make_engine, session_factory
    from veyedesk.db.migrate import upgrade
    from veyedesk.gui.app import make_application
    from veyedesk.gui.editor.main_window import MainWindow
    from veyedesk.model import Episode
    from veyedesk.services import catalog
    from veyedesk.services.episodes import Selection
    from veyedesk.services.identity import Identity
    from veyedesk.services.ingest.assoc import associate
    from veyedesk.services.ingest.scan import scan_show
    from veyedesk.services.ingest.schedule_import import import_schedule

    app = make_application(["veyedesk-screens"])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "qs"))
    engine = make_engine(f"sqlite:///{tmp / 'screens.db'}")
    upgrade(engine)
    raw = tmp / "raw"
    # Hörsaal 1 on the first day: 10:00-10:45 "Eröffnung" in the demo schedule.
    day = raw / "dv" / "horsaal_1" / "2026-02-01"
    day.mkdir(parents=True)
    clip = make_clip(tmp / "clip.dv", "dv", 8.0)
    for name in ("10_00_00.dv", "10_00_05.dv", "10_00_20.dv"):
        shutil.copyfile(clip, day / name)  # 10_00_05: a second recorder, 3 s overlap
    (day / "10_00_30.dv").write_bytes(bytes(range(256)) * 40)  # not media at all
    with session_factory(engine)() as session:
        catalog.add_client(session, "pyconf", "PyConf")
        show = catalog.add_show(session, "pyconf", "pyconf_2026", "PyConf 2026")
        show.raw_root = str(raw)
        import_schedule(session, show, frab_xml(), "schedule.xml")
        session.flush()
        opening = next(e for e in show.episodes if e.conf_key.endswith("101"))
        opening.start, opening.duration = datetime(2026, 2, 1, 10, 0, 0), 40.0
        opening.end = None
        opening.name = "Eröffnung & Begrüßung (edited here)"
        session.flush()
        scan_show(session, show, raw)
        associate(session, Selection("pyconf", "pyconf_2026"))
        session.commit()
        opening_id = opening.id
    with session_factory(engine)() as session:
        assert session.get(Episode, opening_id) is not None
    (tmp / "schedule.xml").write_bytes(frab_xml(moved(TALKS, 103, "11:30")))

    settings = load_settings(flags={"db": str(engine.url)})
    window = MainWindow(session_factory(engine), settings, Identity("lead@venue", "admin"))
    window.resize(1600, 960)
    window.show()
    wait(lambda: window.episodes.proxy.rowCount() == 7)

    window.ingest.import_action.trigger()
    dialog = window.ingest.dialog
    assert dialog is not None
    dialog.path.setText(str(tmp / "schedule.xml"))
    dialog.preview()
    wait(lambda: dialog.result_shown is not None and not dialog.busy)
    dialog.grab().save(str(out / "ingest-import-diff.png"))
    dialog.close()

    window.open_episode(opening_id)
    wait(lambda: window.editing.context is not None)
    wait(lambda: window.ingest.watch.root is not None and not window.ingest.busy)
    wait(lambda: not window.ingest.watch._first and not window.ingest.busy)
    shutil.copyfile(clip, day / "10_00_40.dv")  # the day's last recording arrives
    panel = window.player.panel
    assert panel is not None
    wait(lambda: any(b.filename == "10_00_40.dv" for b in panel.timeline_view.blocks))
    panel.timeline_view.fit_day()
    wait(lambda: not window.ingest.busy)
    time.sleep(0.5)
    wait(lambda: True)
    window.grab().save(str(out / "ingest-window.png"))

    view = window.ingest.open_room_day()
    assert view is not None
    view.resize(1400, 420)
    wait(lambda: view.table.rowCount() == 5)
    view.grab().save(str(out / "ingest-room-day.png"))
    window.close()
    engine.dispose()
    del app
    for name in ("ingest-import-diff", "ingest-room-day", "ingest-window"):
        print(out / f"{name}.png")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
