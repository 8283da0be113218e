"""What every command shares: settings, the database session, who is acting, output, errors."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veyedesk.config import Settings, load_settings
from veyedesk.model.text import plain_text

# The database layer and the services load when a command first opens the database, so
# `veyedesk --help` and a command's usage error start in a fraction of a second.
if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from veyedesk.services.episodes import Selection
    from veyedesk.services.identity import Identity

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def settings_from(ns: argparse.Namespace) -> Settings:
    """Settings with this invocation's flags winning over env and file."""
    flags = {"db": ns.db, "user": ns.user, "venue": getattr(ns, "venue", None)}
    return load_settings(flags=flags, path=Path(ns.config) if ns.config else None)


@dataclass
class Context:
    """One CLI invocation: settings, a lazily opened database, the acting identity."""

    settings: Settings
    json: bool = False
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from veyedesk.db import open_database

            self._engine = open_database(
                self.settings.db, statement_timeout=self.settings.db_statement_timeout_seconds
            )
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction for the command: committed on success, rolled back on any error."""
        from veyedesk.db import session_factory

        with session_factory(self.engine)() as session, session.begin():
            yield session

    def identity(self, session: Session) -> Identity:
        """Who runs this command; prompts for a password when the database has users."""
        from veyedesk.services.admin import resolve_identity

        password = self.settings.password or None
        if password is None and sys.stdin is not None and sys.stdin.isatty():
            from veyedesk.services.identity import has_users

            if has_users(session):
                password = getpass.getpass(f"Password for {self.settings.user}: ")
        return resolve_identity(session, self.settings.user, password, self.settings.user)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def add_show_flags(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """--client C --show S, both required unless told: which show a command works on."""
    parser.add_argument("--client", required=required, type=plain_text, help="client slug")
    parser.add_argument("--show", required=required, type=plain_text, help="show slug")


def add_selection_flags(parser: argparse.ArgumentParser, *, ids: bool = True) -> None:
    """Veyepar's selection flags: --client --show [--room] [EPISODE_ID ...] [--force]."""
    add_show_flags(parser)
    parser.add_argument("--room", help="only this room (location slug)")
    if ids:
        parser.add_argument(
            "episode_ids", nargs="*", type=int, metavar="EPISODE_ID", help="only these episodes"
        )
        parser.add_argument(
            "--force", action="store_true", help="also process episodes whose state would skip them"
        )


def selection_from(ns: argparse.Namespace, state: str | None = None) -> Selection:
    """A Selection from the shared flags."""
    from veyedesk.services.episodes import Selection

    return Selection(
        client=ns.client,
        show=ns.show,
        room=ns.room,
        episode_ids=tuple(getattr(ns, "episode_ids", ()) or ()),
        state=state,
        force=getattr(ns, "force", False),
    )


def emit(ctx: Context, rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Print rows as JSON (--json) or as an aligned text table."""
    if ctx.json:
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return
    if not rows:
        print("(none)")
        return
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
