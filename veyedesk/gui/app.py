"""The QApplication, set up the way libmpv and shared GL contexts need it."""

from __future__ import annotations

import locale
import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from veyedesk import __version__
from veyedesk.gui.resources import resource_path


def make_application(argv: list[str] | None = None) -> QApplication:
    """The one QApplication (reused when it exists, e.g. under pytest-qt)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        # Must be set before the QApplication exists, for the mpv render widget's GL context.
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("veyedesk")
    app.setOrganizationName("veyedesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("veyedesk")
    icon = resource_path("icons/veyedesk.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    # Creating the QApplication resets LC_NUMERIC; libmpv refuses to start unless it is "C".
    locale.setlocale(locale.LC_NUMERIC, "C")
    return app
