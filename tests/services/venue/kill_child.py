"""`python -m tests.services.venue.kill_child POINT ARGS…`: veyedesk's CLI, dying at POINT.

The crash tests run a sync in this child: `syncing._checkpoint` is replaced so the process
SIGKILLs itself at the named commit point (nothing flushed, nothing rolled back), the way a
laptop losing power would stop it. The seam lives here, never in production code.
"""

from __future__ import annotations

import os
import signal
import sys

from veyedesk.__main__ import main
from veyedesk.services.venue import syncing


def die_at(point: str) -> None:
    """Make the sync SIGKILL this process when it reaches `point`."""

    def checkpoint(name: str) -> None:
        if name == point:
            os.kill(os.getpid(), signal.SIGKILL)

    syncing._checkpoint = checkpoint


if __name__ == "__main__":
    die_at(sys.argv[1])
    sys.exit(main(sys.argv[2:]))
