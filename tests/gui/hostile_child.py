"""A real editor process on a talk whose title, speakers, URL and abstract point at /dev/zero.

Run as `python -m tests.gui.hostile_child DB_URL EPISODE_ID PNG_FOLDER`. The database
holds a journal of unsaved edits for the episode, so the editor starts with the
restore prompt (the real one), answered "Restore"; then the episode's form, its Markdown
preview and the list's tooltip are shown. Prints SURVIVED and exits 0; rendering any of
it as rich text reads /dev/zero until memory runs out (std::bad_alloc, abort).
Screenshots of each step go to PNG_FOLDER for a person to look at.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QToolTip

from veyedesk.config import load_settings
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.app import make_application
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.services.identity import Identity


def _die(kind: type[BaseException], error: BaseException, trace: object) -> None:
    sys.__excepthook__(kind, error, trace)  # type: ignore[arg-type]
    os._exit(2)


def main() -> None:
    sys.excepthook = _die
    db_url, episode_id, shots = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    shots.mkdir(parents=True, exist_ok=True)
    app = make_application(["hostile-child"])
    window = MainWindow(
        session_factory(make_engine(db_url)),
        load_settings(flags={"db": db_url}),
        Identity("ed@laptop", "editor"),
    )
    window.resize(1600, 960)
    window.show()
    state = {"step": "prompt"}

    def tick() -> None:
        step = state["step"]
        box = QApplication.activeModalWidget()
        if step == "prompt" and isinstance(box, QMessageBox):
            box.grab().save(str(shots / "hostile_restore_prompt.png"))
            print("PROMPT", box.text(), flush=True)
            restore = next(b for b in box.buttons() if b.text().replace("&", "") == "Restore")
            state["step"] = "opened"
            restore.click()
        elif step == "opened":
            doc = window.editing.document
            if doc is not None and doc.draft.episode_id == episode_id:
                window.form.description_tabs.setCurrentIndex(1)  # the Markdown preview
                state["step"] = "preview"
        elif step == "preview":
            window.grab().save(str(shots / "hostile_editor.png"))
            model = window.episodes.model
            row = model.row_of(episode_id)
            assert row is not None
            tip = model.index(row, 2).data(Qt.ItemDataRole.ToolTipRole)
            QToolTip.showText(window.mapToGlobal(QPoint(200, 200)), tip, window)
            state["step"] = "tooltip"
        elif step == "tooltip":
            print("TITLE", window.windowTitle(), flush=True)
            print("SURVIVED", flush=True)
            state["step"] = "closing"
            QTimer.singleShot(0, window.close)  # asks about the unsaved edit: Discard
        elif step == "closing" and isinstance(box, QMessageBox):
            box.grab().save(str(shots / "hostile_unsaved_prompt.png"))
            discard = next(b for b in box.buttons() if b.text().replace("&", "") == "Discard")
            discard.click()
        elif step == "closing" and not window.isVisible():
            timer.stop()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(100)
    QTimer.singleShot(90000, lambda: (print("TIMEOUT", state, flush=True), app.exit(3)))
    sys.exit(app.exec())


if __name__ == "__main__":
    main()
