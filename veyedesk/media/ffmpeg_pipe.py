"""One ffmpeg writing to a pipe: stderr always drained, killed at once on cancel, always reaped.

Reading only stdout deadlocks as soon as ffmpeg has written a pipe's worth of messages to
stderr (a corrupt recording logs an error per packet): ffmpeg blocks writing stderr while
we block reading stdout, and the timeline's waveform never finishes. So a thread reads
stderr line by line, hands each line to the caller and keeps only the last few error
lines (a corrupt hour logs megabytes). A second thread kills ffmpeg as soon as
`cancelled()` turns true, even while the caller is blocked in a read (a stalled network
share). The child gets SIGKILL if the thread that started it dies, and leaving the `with`
block kills (if still running) and reaps it, so no ffmpeg outlives its caller.
"""

from __future__ import annotations

import subprocess
import threading
from collections import deque
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import IO

from veyedesk.child_process import dying_with_parent

CANCEL_POLL = 0.05  # seconds between checks of `cancelled()` while ffmpeg runs
KEEP_ERRORS = 8  # error lines kept for the message


class FfmpegPipe:
    """Runs `args` with stdout piped to the caller; use as a context manager.

    `on_line(line)` gets every stderr line (bytes, no newline) in the reader thread.
    `cancelled()` is called from a watcher thread; when it returns true ffmpeg is killed.
    """

    def __init__(
        self,
        args: Sequence[str],
        *,
        cancelled: Callable[[], bool] = lambda: False,
        on_line: Callable[[bytes], None] | None = None,
    ) -> None:
        self._cancelled = cancelled
        self._on_line = on_line
        self._errors: deque[str] = deque(maxlen=KEEP_ERRORS)
        self._exited = threading.Event()
        self.killed = False
        self.proc = subprocess.Popen(
            dying_with_parent(args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._reader = threading.Thread(target=self._drain, daemon=True, name="ffmpeg-stderr")
        self._watcher = threading.Thread(target=self._watch, daemon=True, name="ffmpeg-cancel")
        self._reader.start()
        self._watcher.start()

    @property
    def stdout(self) -> IO[bytes]:
        assert self.proc.stdout is not None
        return self.proc.stdout

    @property
    def errors(self) -> list[str]:
        """The last error lines ffmpeg printed (at most KEEP_ERRORS), oldest first."""
        return list(self._errors)

    def last_error(self, default: str) -> str:
        return self._errors[-1] if self._errors else default

    def kill(self) -> None:
        """Stop ffmpeg now (the caller's next read returns what is left, then EOF)."""
        if self.proc.poll() is None:
            self.killed = True
            self.proc.kill()

    def wait(self) -> int:
        """Wait for ffmpeg to exit and for stderr to be read to its end; the exit code."""
        code = self.proc.wait()
        self._exited.set()
        self._reader.join()
        return code

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.rstrip(b"\r\n")
            # Callers run ffmpeg with `-loglevel level+...`, which tags every line's level.
            if b"[error]" in line or b"[fatal]" in line:
                text = line.decode(errors="replace").replace("[error] ", "")
                self._errors.append(text.replace("[fatal] ", "").strip())
            if self._on_line is not None:
                self._on_line(line)

    def _watch(self) -> None:
        while not self._exited.wait(CANCEL_POLL):
            if self.proc.poll() is not None:
                return
            if self._cancelled():
                self.kill()
                return

    def __enter__(self) -> FfmpegPipe:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.kill()  # no-op when it already exited; otherwise the caller stopped early
        try:
            self.stdout.close()
        finally:
            self.wait()
            self._watcher.join()
            assert self.proc.stderr is not None
            self.proc.stderr.close()
