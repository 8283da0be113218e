"""`venue checkout|sync|conflicts|export-changes|apply`: a show's part on a laptop, offline.

`checkout` copies from the shared database (--from) into a new SQLite (-o); every other
command works on the venue copy named by --db / VEYEDESK_DB, which remembers where it came
from (`sync --from` overrides that, e.g. when the server moved or the URL needs a password).
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

from veyedesk.cli.common import EXIT_OK, Context


def register(sub: argparse._SubParsersAction) -> None:
    venue = sub.add_parser(
        "venue", help="venue copies: check out a show's part, edit offline, sync it back"
    )
    vsub = venue.add_subparsers(dest="venue_command", required=True, metavar="COMMAND")

    co = vsub.add_parser(
        "checkout", help="copy a show (or a room, a day) from the shared database to a laptop"
    )
    co.add_argument(
        "--from", dest="source", required=True, metavar="URL", help="shared database URL"
    )
    co.add_argument("--client", required=True, help="client slug")
    co.add_argument("--show", required=True, help="show slug")
    co.add_argument("--room", help="only this room (location slug)")
    co.add_argument("--day", help="only this day (YYYY-MM-DD)")
    co.add_argument(
        "-o",
        "--output",
        default="venue.db",
        type=Path,
        help="the venue copy to create (default venue.db)",
    )
    co.add_argument(
        "--machine", default=socket.gethostname(), help="this laptop's name (default: host name)"
    )
    co.add_argument("--no-lock", action="store_true", help="copy without locking the talks")
    co.set_defaults(func=checkout_cmd)


def _identity_on(ctx: Context, url: str) -> str:
    """The acting user's name, checked against the shared database's logins."""
    from veyedesk.db import open_database, session_factory

    engine = open_database(url, upgrade_sqlite=False)
    try:
        with session_factory(engine)() as session:
            identity = ctx.identity(session)
            identity.require("edit")
            return identity.name
    finally:
        engine.dispose()


def checkout_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.venue.checkout import checkout

    who = _identity_on(ctx, ns.source)
    result = checkout(
        ns.source,
        ns.output,
        client=ns.client,
        show=ns.show,
        room=ns.room,
        day=ns.day,
        who=who,
        machine=ns.machine,
        lock=not ns.no_lock,
    )
    counts = ", ".join(f"{n} {what}" for what, n in result.counts.items())
    print(f"checked out {counts} to {result.path}")
    if not ns.no_lock:
        print(f"locked {len(result.locked)} talks for this copy")
    for episode_id, text in result.not_locked:
        print(f"  episode {episode_id} not locked: {text}")
    print(f"edit it with: veyedesk --db sqlite:///{result.path.resolve()}")
    return EXIT_OK
