"""Run blocking work (database, disk) off the GUI thread; results come back as queued signals."""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from veyedesk.errors import UserError
from veyedesk.gui.logfile import log_unexpected


class _Relay(QObject):
    # Emitted from a pool thread; Qt queues the call into the GUI thread, where the relay lives.
    finished = Signal(int, bool, object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], token: int, relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._token = token
        # A strong reference: the relay must outlive every task that may still emit on it.
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # handed to the GUI thread, which shows it
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._relay.finished.emit(self._token, False, exc)
        else:
            self._relay.finished.emit(self._token, True, result)


class BackgroundRunner(QObject):
    """Starts callables on a thread pool and delivers results on the GUI thread.

    The relay has no Qt parent, so a task finishing after its window was closed emits on a
    live object; the runner's slot is then simply disconnected and nothing is called.
    """

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._relay = _Relay()
        self._relay.finished.connect(self._deliver)
        self._tokens = itertools.count(1)
        self._pending: dict[int, tuple[Callable[[Any], None], Callable[[Exception], None]]] = {}

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        """Run `fn()` in the pool; call `on_done(result)` or `on_error(exc)` in this thread."""
        token = next(self._tokens)
        self._pending[token] = (on_done, on_error)
        self._pool.start(_Task(fn, token, self._relay))

    def _deliver(self, token: int, ok: bool, value: Any) -> None:
        if not ok and not isinstance(value, UserError):
            # A bug, not a refusal: its traceback must reach the log file whoever handles it.
            log_unexpected(value, "background task failed")
        callbacks = self._pending.pop(token, None)
        if callbacks is not None:
            callbacks[0 if ok else 1](value)

    @property
    def busy(self) -> bool:
        """True while submitted work has not been delivered yet."""
        return bool(self._pending)

    def wait(self, msecs: int = 5000) -> bool:
        """Block until running tasks end (used on close and in tests)."""
        return self._pool.waitForDone(msecs)
