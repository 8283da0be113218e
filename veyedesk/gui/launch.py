"""Open a window: connect to the database, log in if the database has users, show it."""

from __future__ import annotations

import argparse
import dataclasses

from PySide6.QtWidgets import QDialog

from veyedesk.config import Settings, mask_url
from veyedesk.db import DatabaseError, SessionFactory, open_database, session_factory
from veyedesk.gui.app import make_application
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.gui.logfile import start_logging
from veyedesk.gui.login import LoginDialog
from veyedesk.gui.widgets.safe_text import critical
from veyedesk.services.admin import authenticate
from veyedesk.services.demo import DemoPlan
from veyedesk.services.identity import Identity, has_users


def log_in(sessions: SessionFactory, settings: Settings) -> tuple[Identity, Settings] | None:
    """Who uses the window, and the settings it runs with; None when the login was cancelled.

    With no users in the database, the OS user as admin. Otherwise the login dialog; the
    password typed there is kept in the settings returned, since the queue panel's local
    worker (a `veyedesk worker` child) must log in as the same user (it gets it through
    its environment, never its command line).
    """
    with sessions() as session:
        needs_login = has_users(session)
    if not needs_login:
        return Identity(name=settings.user, role="admin"), settings

    def check(name: str, password: str) -> Identity:
        with sessions() as s:
            return authenticate(s, name, password)

    dialog = LoginDialog(check, default_name="", database=mask_url(settings.db))
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.identity is None:
        return None
    return dialog.identity, dataclasses.replace(settings, password=dialog.password.text())


def launch(settings: Settings, window: str, ns: argparse.Namespace) -> int:
    """Run the named window ("editor") until it closes; returns the exit code."""
    app = make_application()
    start_logging()
    try:
        engine = open_database(settings.db, statement_timeout=settings.db_statement_timeout_seconds)
    except DatabaseError as exc:
        critical(None, "veyedesk — database", str(exc))
        return 1
    sessions = session_factory(engine)
    logged_in = log_in(sessions, settings)
    if logged_in is None:
        return 1
    identity, settings = logged_in
    if window == "play":  # `veyedesk play EPISODE_ID`: the standalone player window
        from veyedesk.gui.player.window import run_player

        code = run_player(app, sessions, settings, identity, ns.episode_id)
        engine.dispose()
        return code
    if window == "mark":  # `veyedesk mark --client C --show S --room R`
        from veyedesk.gui.mark.window import run_mark_window
        from veyedesk.services.editing import find_room
        from veyedesk.services.errors import ServiceError

        try:
            with sessions() as session:
                room = find_room(session, ns.client, ns.show, ns.room)
        except ServiceError as exc:
            critical(None, "veyedesk mark", str(exc))
            engine.dispose()
            return 1
        code = run_mark_window(app, sessions, identity, room)
        engine.dispose()
        return code
    main = MainWindow(sessions, settings, identity)
    main.show()
    if getattr(ns, "command", None) == "demo":
        # `--file-seconds` unset: the plan's own default length.
        main.demo_plan = DemoPlan(file_seconds=ns.file_seconds) if ns.file_seconds else DemoPlan()
        main.seed_demo(True)  # `veyedesk demo`: create it if missing, then show it
    code = app.exec()
    engine.dispose()
    return int(code)
