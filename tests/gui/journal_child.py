"""A real editor process for the crash test: opens an episode, types a title, waits to be killed.

Run as `python -m tests.gui.journal_child DB_URL EPISODE_ID TITLE`; prints READY once the
edit is older than the journal's debounce interval (plus time for the write), without
looking at the journal: the parent kills it and checks the edit was kept.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QTimer

from tests.gui.editor_support import ScriptedPrompts
from veyedesk.config import load_settings
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.app import make_application
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.gui.editor.session import JOURNAL_DEBOUNCE_MS
from veyedesk.services.identity import Identity


def main() -> None:
    db_url, episode_id, title = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    app = make_application(["journal-child"])
    settings = load_settings(flags={"db": db_url})
    prompts = ScriptedPrompts()
    window = MainWindow(
        session_factory(make_engine(db_url)),
        settings,
        Identity("ed@laptop", "editor"),
        prompts=prompts,
    )
    window.show()
    typed_at: list[float] = []
    # The journal writer runs off the GUI thread after the debounce: leave it a second.
    settle = JOURNAL_DEBOUNCE_MS / 1000 + 1.0

    def step() -> None:
        doc = window.editing.document
        if window.episodes.proxy.rowCount() and doc is None and not window.editing.saving:
            if not getattr(window, "_opening", False):
                window._opening = True  # type: ignore[attr-defined]
                window.open_episode(episode_id)
        elif doc is not None and doc.draft.fields["name"] != title:
            window.form.lines["name"].setText(title)
            window.form.lines["name"].textEdited.emit(title)
            typed_at.append(time.monotonic())
        elif doc is not None and typed_at and time.monotonic() - typed_at[-1] > settle:
            print("READY", flush=True)
            timer.stop()

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(50)
    app.exec()


if __name__ == "__main__":
    main()
