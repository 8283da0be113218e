"""Every window on a 1366x768 laptop screen: opens each, reports its size, saves a PNG.

Run as `python -m tests.gui.laptop_child DB_URL OUT_DIR [restored]` under
`xvfb-run -s "-screen 0 1366x768x24"` (tests/gui/test_laptop_screen.py does). The database
holds the demo show. Prints one JSON line: per window its frame, its minimum size and the
screen's available geometry. With `restored`, the editor's remembered geometry is one of
a bigger screen (1700x1000), which must be clamped to this one.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from veyedesk.config import load_settings
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.admin.show_settings import ShowSettingsDialog
from veyedesk.gui.app import make_application
from veyedesk.gui.editor.episode_list import EpisodeTableModel
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.services.identity import Identity


def wait(app: QApplication, ready: Callable[[], Any], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds  # a generous deadline, not a timing assertion
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def settle(app: QApplication) -> None:
    for _ in range(20):
        app.processEvents()
        time.sleep(0.01)


def report(widget: QWidget) -> dict[str, Any]:
    screen = widget.screen()
    avail = screen.availableGeometry()
    frame = widget.frameGeometry()
    minimum = widget.minimumSizeHint().expandedTo(widget.minimumSize())
    return {
        "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
        "size": [widget.width(), widget.height()],
        "minimum": [minimum.width(), minimum.height()],
        "avail": [avail.x(), avail.y(), avail.width(), avail.height()],
    }


def main() -> None:
    db_url, out = sys.argv[1], Path(sys.argv[2])
    restored = len(sys.argv) > 3 and sys.argv[3] == "restored"
    app = make_application(["laptop-child"])
    if restored:
        # The window as last closed on a big screen (the crew lead's desk monitor).
        big = QMainWindow()
        big.setGeometry(40, 40, 1700, 1000)
        QSettings().setValue("main_window/geometry", big.saveGeometry())
    settings = load_settings(flags={"db": db_url})
    sessions = session_factory(make_engine(db_url))
    window = MainWindow(sessions, settings, Identity("crew", "admin"))
    window.show()
    seen: dict[str, Any] = {}
    wait(app, lambda: window.episodes.proxy.rowCount() > 0, "the talks")
    settle(app)
    seen["editor_empty"] = report(window)
    if restored:
        print(json.dumps(seen), flush=True)
        return
    episode_id = window.episodes.proxy.index(0, 0).data(EpisodeTableModel.ID_ROLE)
    window.open_episode(int(episode_id))
    wait(
        app,
        lambda: window.editing.context is not None and window.next_label.text() != "",
        "the talk",
    )
    settle(app)
    for index in range(window.form.count()):
        window.form.setCurrentIndex(index)
        tab = window.form.tabText(index)
        if tab == "Published":  # measured with the talk's publications in it
            wait(app, lambda: bool(window.form.published.rows), "the talk's publications")
        settle(app)
        seen[f"editor_tab_{tab}"] = report(window)
        if tab == "Published":
            window.grab().save(str(out / "editor_published.png"))
    window.form.setCurrentIndex(0)
    settle(app)
    seen["next_label"] = {
        "text": window.next_label.text(),
        "shown": window.next_label.shown_text(),
        "tooltip": window.next_label.toolTip(),
        "visible": window.next_label.isVisible(),
        "right": window.next_label.mapTo(window, window.next_label.rect().topRight()).x(),
    }
    window.grab().save(str(out / "editor.png"))

    shots: list[tuple[str, Callable[[], QWidget | None]]] = [
        ("review", lambda: (window.open_review(), window.review_window)[1]),
        ("show_settings", window.open_show_settings),
        ("users", window.open_users),
        ("room_day", window.ingest.open_room_day),
        ("import", window.ingest.import_schedule),
        ("sync", lambda: (window.open_sync(), window.sync_dialog)[1]),
        ("checkout", window.open_checkout),
    ]
    for name, opener in shots:
        widget = opener()
        assert widget is not None, name
        wait(app, widget.isVisible, name)
        settle(app)
        seen[name] = report(widget)
        widget.grab().save(str(out / f"{name}.png"))
        if isinstance(widget, ShowSettingsDialog):
            # The Publishing tab's table and buttons must fit as well.
            widget.tabs.setCurrentWidget(widget.publish_tab)
            targets = widget.publish_tab
            wait(app, lambda: targets.table.rowCount() > 0, "the publish targets")  # noqa: B023
            settle(app)
            seen["show_settings_publishing"] = report(widget)
            widget.grab().save(str(out / "show_settings_publishing.png"))
        if name != "review":
            widget.close()

    from veyedesk.gui.mark.window import MarkWindow

    window.open_mark_window()
    wait(app, lambda: any(w.isVisible() for w in window.findChildren(MarkWindow)), "mark")
    mark = next(w for w in window.findChildren(MarkWindow) if w.isVisible())
    settle(app)
    seen["mark"] = report(mark)
    mark.grab().save(str(out / "mark.png"))

    from veyedesk.gui.player.window import PlayerWindow
    from veyedesk.gui.review.encode_player import EncodePlayer

    player = PlayerWindow(sessions, settings, Identity("crew", "admin"))
    player.show()
    settle(app)
    seen["play"] = report(player)
    player.grab().save(str(out / "play.png"))
    encode = EncodePlayer(window)
    encode.show()
    settle(app)
    seen["encode_player"] = report(encode)
    print(json.dumps(seen), flush=True)
    # Quit without the orderly close: the parent only reads the report.
    for widget in (player, encode):
        widget.hide()
    window.close()
    settle(app)


if __name__ == "__main__":
    main()
