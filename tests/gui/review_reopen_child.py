"""A real editor process for the review-reopen crash: Go ▸ Review, close, again, open a talk.

Run as `python -m tests.gui.review_reopen_child DB_URL SETTINGS_PICKLE EPISODE_ID`; prints
SHOWN once the reopened review window plays the encode, then exits 0. A segfault
(the closed window's mpv reused) ends the process with -SIGSEGV instead.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import sys
from pathlib import Path

from PySide6.QtCore import QTimer

from veyedesk.db import make_engine, session_factory
from veyedesk.gui.app import make_application
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.services.identity import Identity


def _die(kind: type[BaseException], error: BaseException, trace: object) -> None:
    # An exception in a Qt slot is only printed by default: make it end the process.
    sys.__excepthook__(kind, error, trace)  # type: ignore[arg-type]
    os._exit(2)


def main() -> None:
    sys.excepthook = _die
    db_url, episode_id = sys.argv[1], int(sys.argv[3])
    app = make_application(["review-reopen-child"])
    settings = dataclasses.replace(pickle.loads(Path(sys.argv[2]).read_bytes()), db=db_url)
    window = MainWindow(session_factory(make_engine(db_url)), settings, Identity("rita", "editor"))
    window.show()
    steps = iter(("open", "close", "reopen", "episode", "wait"))
    step = next(steps)

    def tick() -> None:
        nonlocal step
        review = window.review_window
        if step == "open" and window.show_box.currentData() is not None:
            window.review_action.trigger()
            step = next(steps)
        elif step == "close" and review is not None and review.items.count() == 1:
            review.close()
            step = next(steps)
        elif step == "reopen":
            window.review_action.trigger()
            step = next(steps)
        elif step == "episode" and review is not None and review.items.count() == 1:
            review.open_episode(episode_id)
            step = next(steps)
        elif step == "wait" and review is not None and review.opened_episode == episode_id:
            review.video.player.seek(1.0, wait=True)  # mpv really plays the encode
            print("SHOWN", window.review_window is review, flush=True)
            timer.stop()
            window.close()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(50)
    QTimer.singleShot(60000, lambda: (print("TIMEOUT", step, flush=True), app.exit(3)))
    sys.exit(app.exec())


if __name__ == "__main__":
    main()
