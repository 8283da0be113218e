"""Screenshots of the Show settings dialog, the Admin tab and the Users window, to look at.

    xvfb-run -a -s '-screen 0 1600x1000x24' .venv/bin/python -m tests.support.settings_screens [OUT]

Builds a throwaway SQLite database with the test factory's show (two rooms, six talks),
opens each window as an admin would and saves PNGs under OUT (default /tmp/settings-shots).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QThreadPool

from tests.support.factory import make_show
from veyedesk.db import open_database, session_factory
from veyedesk.gui.admin.show_settings import ShowSettingsDialog
from veyedesk.gui.admin.users_window import UsersWindow
from veyedesk.gui.app import make_application
from veyedesk.gui.editor.admin_tab import EpisodeAdminTab
from veyedesk.services.admin.users import add_user
from veyedesk.services.identity import Identity


def _settle(runner_busy) -> None:
    while runner_busy():
        QThreadPool.globalInstance().waitForDone(50)
        QCoreApplication.processEvents()
    for _ in range(5):
        QCoreApplication.processEvents()


def main(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    app = make_application(["settings-screens"])
    folder = Path(tempfile.mkdtemp())
    engine = open_database(f"sqlite:///{folder / 'shots.db'}")
    sessions = session_factory(engine)
    with sessions() as s, s.begin():
        fixture = make_show(s)
        add_user(s, "lead", "admin", "lead-password")
        add_user(s, "ed", "editor", "ed-password")
        show_id, episode_id = fixture.show.id, fixture.episodes[0].id
    who = Identity("lead", "admin", authenticated=True)
    shots = []

    dialog = ShowSettingsDialog(sessions, who, show_id)
    dialog.show()
    _settle(lambda: dialog.runner.busy)
    for index, name in enumerate(("client", "show", "rooms")):
        dialog.tabs.setCurrentIndex(index)
        QCoreApplication.processEvents()
        shots.append(out / f"settings-{name}.png")
        dialog.grab().save(str(shots[-1]))

    tab = EpisodeAdminTab(sessions, who)
    tab.resize(470, 820)
    tab.show()
    tab.set_episode(episode_id)
    _settle(lambda: tab.runner.busy)
    shots.append(out / "admin-tab.png")
    tab.grab().save(str(shots[-1]))

    users = UsersWindow(sessions, who)
    users.show()
    _settle(lambda: users.runner.busy)
    users.table.selectRow(1)
    QCoreApplication.processEvents()
    shots.append(out / "users-window.png")
    users.grab().save(str(shots[-1]))
    for window in (dialog, tab, users):
        window.close()
    engine.dispose()
    del app
    return shots


if __name__ == "__main__":
    for path in main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/settings-shots")):
        print(path)
