"""Waiting for a condition outside Qt (processes, files, the database): poll with a deadline.

GUI tests use qtbot.waitUntil instead; this is for tests with no event loop to wait on.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_for(what: str, predicate: Callable[[], object], timeout: float = 60.0) -> object:
    """Poll `predicate` until it is truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
