"""`veyedesk` / `python -m veyedesk`: a CLI command, or the editor window when none is given.

This is the one place that knows both the CLI and the GUI, so neither imports the other.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
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
