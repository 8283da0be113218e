"""The window's log file: a background task's unexpected error leaves its traceback there."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from veyedesk.gui.logfile import log_path, start_logging
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.services.errors import InvalidInput


def test_a_background_bug_is_logged_with_its_traceback_and_a_refusal_is_not(
    qtbot: QtBot,
) -> None:
    path = start_logging()
    assert path == log_path() and path.parent.is_dir()
    runner = BackgroundRunner()
    seen: list[Exception] = []

    def broken() -> None:
        {}["no such key"]

    def refused() -> None:
        raise InvalidInput("cut 2: out is not after in")

    runner.submit(broken, lambda _r: None, seen.append)
    runner.submit(refused, lambda _r: None, seen.append)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    text = path.read_text(encoding="utf-8")
    assert "background task failed: 'no such key'" in text
    assert 'in broken\n    {}["no such key"]' in text  # the traceback, not just the message
    assert "out is not after in" not in text  # a user error is shown, not logged as a bug
