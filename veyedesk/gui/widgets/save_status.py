"""What the admin dialogs share: their database work off the GUI thread, and one status
line under the fields that says "Saved…" in green or "Nothing saved: why" in red.

Used by the Admin tab, the users window and the show settings dialog, so a change to how
a refused save reads is made once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel

from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.safe_text import plain_label
from veyedesk.gui.widgets.tasks import BackgroundRunner

SAVED_STYLE = "color: #1b5e20"
FAILED_STYLE = "color: #b00020"


def status_line(name: str, text: str = "") -> QLabel:
    """The plain-text, word-wrapped status line of an admin dialog."""
    label = plain_label(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


def show_saved(label: QLabel, text: str) -> None:
    label.setStyleSheet(SAVED_STYLE)
    label.setText(text)


def show_failed(label: QLabel, exc: Exception) -> None:
    # Services refuse with a UserError saying what is wrong; nothing was written.
    label.setStyleSheet(FAILED_STYLE)
    label.setText(f"Nothing saved: {exc}")


def run_in_session(
    runner: BackgroundRunner,
    sessions: SessionFactory,
    work: Callable[[Any], Any],
    done: Callable[[Any], None],
    failed: Callable[[Exception], None],
    *,
    commit: bool,
) -> None:
    """`work(session)` on the runner's thread, in one transaction when it writes."""

    def job() -> Any:
        with sessions() as session:
            if not commit:
                return work(session)
            with session.begin():
                return work(session)

    runner.submit(job, done, failed)
