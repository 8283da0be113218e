"""Open a window: connect to the database, log in if the database has users, show it.

The editor's window shows first, then connects (MainWindow's frame, then attach()): the
database layer, mpv and the services load while the window is already on screen.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from veyedesk.config import Settings, mask_url
from veyedesk.gui.app import make_application
from veyedesk.gui.editor.main_window import MainWindow

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from veyedesk.db import SessionFactory
    from veyedesk.services.identity import Identity


def log_in(
    sessions: SessionFactory, settings: Settings, parent: QWidget | None = None
) -> tuple[Identity, Settings] | None:
    """Who uses the window, and the settings it runs with; None when the login was cancelled.

    With no users in the database, the OS user as admin. Otherwise the login dialog; the
    password typed there is kept in the settings returned, since the queue panel's local
    worker (a `veyedesk worker` child) must log in as the same user (it gets it through
    its environment, never its command line).
    """
    from veyedesk.gui.login import LoginDialog
    from veyedesk.services.admin import authenticate
    from veyedesk.services.identity import Identity, has_users

    with sessions() as session:
        needs_login = has_users(session)
    if not needs_login:
        return Identity(name=settings.user, role="admin"), settings

    def check(name: str, password: str) -> Identity:
        with sessions() as s:
            return authenticate(s, name, password)

    dialog = LoginDialog(check, default_name="", database=mask_url(settings.db), parent=parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.identity is None:
        return None
    return dialog.identity, dataclasses.replace(settings, password=dialog.password.text())


def _open(settings: Settings, parent: QWidget | None) -> Engine | None:
    """The database, or None after telling the user why not."""
    from veyedesk.db import DatabaseError, open_database
    from veyedesk.gui.widgets.safe_text import critical

    try:
        return open_database(settings.db, statement_timeout=settings.db_statement_timeout_seconds)
    except DatabaseError as exc:
        critical(parent, "veyedesk — database", str(exc))
        return None


def launch(settings: Settings, window: str, ns: argparse.Namespace) -> int:
    """Run the named window ("editor") until it closes; returns the exit code."""
    app = make_application()
    if window == "editor":
        return _launch_editor(app, settings, ns)
    from veyedesk.gui.logfile import start_logging
    from veyedesk.gui.widgets.safe_text import critical

    start_logging()
    from veyedesk.db import session_factory

    engine = _open(settings, None)
    if engine is None:
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
    # `veyedesk mark --client C --show S --room R`
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


def _launch_editor(app: QApplication, settings: Settings, ns: argparse.Namespace) -> int:
    """Show the editor's window at once; connect, log in and build its panels after."""
    editor = EditorLaunch(settings, ns, app.exit)
    editor.start()
    _bench_exit(editor.window)
    code = app.exec()
    if editor.engine is not None:
        editor.engine.dispose()
    if editor.error is not None:
        # Raised where it was before the window showed first: a UserError (no libmpv, say)
        # becomes the one line `veyedesk` prints; anything else its traceback.
        raise editor.error
    return int(code)


class EditorLaunch:
    """The editor's window, shown before the database is opened.

    start() shows the frame; once it is on screen, the database opens (a failure is the
    same message box as ever, then `finish(1)`), the user logs in if the database has
    users (cancel: `finish(1)`), and the window builds its panels and lists the talks.
    An exception while connecting or building is kept in `error` (then `finish(1)`), for
    the caller to raise once the event loop has returned.
    """

    def __init__(
        self, settings: Settings, ns: argparse.Namespace, finish: Callable[[int], None]
    ) -> None:
        self.settings = settings
        self.ns = ns
        self.finish = finish
        self.window = MainWindow(None, settings, None)
        self.engine: Engine | None = None
        self.error: Exception | None = None

    def start(self) -> None:
        self.window.show()
        _after_first_expose(self.window, self.connect)

    def connect(self) -> None:
        try:
            self._connect()
        except Exception as exc:  # out of the event loop's callback, to the caller
            self.error = exc
            self.finish(1)

    def _connect(self) -> None:
        from veyedesk.db import session_factory
        from veyedesk.gui.logfile import start_logging

        start_logging()  # once shown: logging.handlers is a tenth of a bare window's start
        main, ns = self.window, self.ns
        self.engine = _open(self.settings, main)
        if self.engine is None:
            self.finish(1)
            return
        logged_in = log_in(session_factory(self.engine), self.settings, main)
        if logged_in is None:
            self.finish(1)
            return
        identity, main.settings = logged_in
        main.attach(session_factory(self.engine), identity)
        if getattr(ns, "command", None) == "demo":
            from veyedesk.services.demo import DemoPlan

            # `--file-seconds` unset: the plan's own default length.
            main.demo_plan = (
                DemoPlan(file_seconds=ns.file_seconds) if ns.file_seconds else DemoPlan()
            )
            main.seed_demo(True)  # `veyedesk demo`: create it if missing, then show it


def _after_first_expose(window: QWidget, then: Callable[[], None]) -> None:
    """Run `then` once the window is on screen and painted (its first expose, then the
    events queued by it), or after a second if no expose comes (an offscreen platform)."""
    done: list[bool] = []

    def run() -> None:
        if not done:
            done.append(True)
            then()

    class Exposed(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Expose and not done:
                QTimer.singleShot(0, run)
            return False

    handle = window.windowHandle()
    if handle is not None:
        handle.installEventFilter(Exposed(window))
    QTimer.singleShot(1000, run)


def _bench_exit(main: MainWindow) -> None:
    """bench/launch.py only: print a marker and end the process when the window is first
    exposed (`VEYEDESK_BENCH_EXIT=shown`) or its episode list is complete (`=listed`)."""
    when = os.environ.get("VEYEDESK_BENCH_EXIT")
    if not when:
        return

    def done() -> None:
        print(f"veyedesk-bench:{when}", flush=True)
        os._exit(0)  # at once: the figure is the launch, not the teardown

    if when == "listed":
        main.episodes_listed.connect(done)
        return

    class Exposed(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Expose and main.windowHandle().isExposed():
                done()
            return False

    handle = main.windowHandle()
    watch = Exposed(main)
    handle.installEventFilter(watch)
