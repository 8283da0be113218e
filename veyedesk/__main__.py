"""`veyedesk` / `python -m veyedesk`: a CLI command, or the editor window when none is given.

This is the one place that knows both the CLI and the GUI, so neither imports the other.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Sequence

# Start-up (imports, the models' mapping) allocates much and frees almost nothing, so the
# cyclic collector's passes then are pure cost: a tenth of a listing's run. It is off for
# the first STARTUP_SECONDS only; whatever runs longer (a worker, the editor) gets it back.
STARTUP_SECONDS = 2.0


def _collector_off_while_starting() -> None:
    if not gc.isenabled():
        return  # someone (a test, an embedding program) manages it: leave it so
    gc.disable()
    timer = threading.Timer(STARTUP_SECONDS, gc.enable)
    timer.daemon = True  # never keeps a finished command's process alive
    timer.start()


def main(argv: Sequence[str] | None = None) -> int:
    _collector_off_while_starting()
    from veyedesk import cli

    ns = cli.parse(argv)
    window = "editor" if ns.command is None else getattr(ns, "gui", None)
    if window is None:
        return cli.run(ns)
    try:
        settings = cli.settings_from(ns)
        # Imported here, not at the top: the CLI must work on machines without Qt's
        # display or libmpv. A missing libmpv surfaces as PlayerUnavailable (a UserError).
        from veyedesk.gui.launch import launch

        return launch(settings, window, ns)
    except cli.USER_ERRORS as exc:
        return cli.fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())
