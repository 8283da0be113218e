"""The window's log file: tracebacks of everything unexpected, so a crew can send them to us.

User errors (veyedesk.errors.UserError) are shown and need no traceback; anything else is
a bug. Its traceback goes to a rotating file under the data folder, from the GUI thread
(sys.excepthook, which Qt would otherwise swallow into stderr) and from background tasks
(gui.tasks hands their formatted traceback here), and error dialogs name the file.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path
from types import TracebackType

from veyedesk.config import data_dir

LOGGER = logging.getLogger("veyedesk.gui")
_MAX_BYTES = 2 * 1024 * 1024
_BACKUPS = 3


def log_path() -> Path:
    """Where the window writes its log (rotated at 2 MB, three old files kept)."""
    return data_dir() / "logs" / "veyedesk.log"


def start_logging() -> Path:
    """Send veyedesk's log records and uncaught exceptions to the log file; returns its path."""
    path = log_path()
    for old in [h for h in LOGGER.handlers if getattr(h, "baseFilename", None) != str(path)]:
        LOGGER.removeHandler(old)  # the data folder moved (tests, VEYEDESK_DATA_DIR)
        old.close()
    if not LOGGER.handlers:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        LOGGER.error("uncaught exception", exc_info=(kind, exc, tb))
        previous(kind, exc, tb)

    if getattr(sys.excepthook, "__veyedesk__", False) is False:
        hook.__veyedesk__ = True  # type: ignore[attr-defined]
        sys.excepthook = hook
    return path


def log_unexpected(exc: BaseException, where: str) -> None:
    """Record an exception that is not a UserError, with the traceback its task captured."""
    text = getattr(exc, "__traceback_text__", "")
    if text:
        LOGGER.error("%s: %s\n%s", where, exc, text)
    else:
        LOGGER.error("%s: %s", where, exc, exc_info=exc)
