"""File ▸ Open venue folder…: edit an assets or venue folder in a window of its own.

The folder's `venue.db` is the database and its manifest (if any) says where the raw
files' media is, exactly as `veyedesk --venue DIR` does; the window this was chosen from
stays on its own database. The new window closes its database when it closes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMainWindow, QWidget

from veyedesk.config import Settings, venue_settings
from veyedesk.db import DatabaseError, SessionFactory, open_database, session_factory
from veyedesk.errors import UserError
from veyedesk.gui.widgets.safe_text import critical
from veyedesk.media.locator import VENUE_DB, Manifest
from veyedesk.services.identity import Identity


def choose_folder(parent: QWidget | None) -> Path | None:
    """Ask for a folder made by `veyedesk assets` or holding a venue copy's venue.db."""
    chosen = QFileDialog.getExistingDirectory(parent, "Open venue folder")
    return Path(chosen) if chosen else None


def open_folder(folder: Path, settings: Settings) -> tuple[Settings, SessionFactory]:
    """Settings and sessions for `folder`; UserError/DatabaseError say what is wrong."""
    if not (folder / VENUE_DB).is_file():
        raise UserError(
            f"{folder} has no {VENUE_DB}; choose a folder made by `veyedesk assets` "
            "(or one holding a venue copy named venue.db)"
        )
    Manifest.load(folder)  # a damaged manifest is reported now, not at the first talk
    local = venue_settings(settings, folder)
    return local, session_factory(open_database(local.db))


# Makes the window for the folder's database: the editor passes its own class, so this
# module never imports the editor window (which imports it).
WindowFactory = Callable[[SessionFactory, Settings, Identity], QMainWindow]


def open_venue_window(
    parent: QWidget,
    settings: Settings,
    identity: Identity,
    folder: Path | None = None,
    *,
    make_window: WindowFactory,
) -> QMainWindow | None:
    """A window made by `make_window` on a venue folder (asked for when None), shown; or None."""
    folder = folder or choose_folder(parent)
    if folder is None:
        return None
    try:
        local, sessions = open_folder(folder, settings)
    except (UserError, DatabaseError) as exc:
        critical(parent, "veyedesk — venue folder", str(exc))
        return None
    window = make_window(sessions, local, identity)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    engine = sessions.kw["bind"]
    window.destroyed.connect(lambda *_: engine.dispose())
    window.statusBar().showMessage(f"venue folder {folder}")
    window.show()
    return window
