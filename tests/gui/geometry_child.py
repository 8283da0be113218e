"""An editor process for the window-geometry test: opens, reports, maybe resizes, quits.

Run as `python -m tests.gui.geometry_child DB_URL first|again` on a display big enough
for the window (the parent starts its own Xvfb); prints one JSON line of what it saw.
QSettings live under XDG_CONFIG_HOME, which the parent points at a temporary folder.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import Qt

from veyedesk.config import load_settings
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.app import make_application
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.services.identity import Identity


def main() -> None:
    db_url, phase = sys.argv[1], sys.argv[2]
    app = make_application(["geometry-child"])
    settings = load_settings(flags={"db": db_url})
    window = MainWindow(session_factory(make_engine(db_url)), settings, Identity("ed", "admin"))
    window.show()
    app.processEvents()
    seen = {
        "first_run": window.first_run,
        "maximised": bool(window.windowState() & Qt.WindowState.WindowMaximized),
        "size": [window.width(), window.height()],
        "cuts_hidden": window.cuts_dock.isHidden(),
    }
    if phase == "first":
        # The crew lead makes it a window of their own size, hides a dock, and quits.
        window.showNormal()
        window.resize(1200, 700)  # above the window's minimum width (about 1150)
        window.cuts_dock.hide()
        app.processEvents()
    window.close()
    app.processEvents()
    print(json.dumps(seen), flush=True)


if __name__ == "__main__":
    main()
