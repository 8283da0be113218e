"""Child processes that die with the thread that started them (Linux), so no orphans.

A worker killed with SIGKILL (or a laptop whose veyedesk crashed) must not leave an ffmpeg
or an upload script running: another worker retries the job and would otherwise race the
orphan writing the same file. This module only prepares a `preexec_fn`; starting
processes stays in veyedesk.media, veyedesk.encode.run and veyedesk.jobs.commands.
"""

from __future__ import annotations

import ctypes
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn`: the child gets SIGKILL when its parent thread dies (None off Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def preexec() -> None:
        # Only a prctl call: safe between fork and exec.
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)

    return preexec
