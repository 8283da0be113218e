"""`venue checkout|sync|conflicts|export-changes|apply`: a show's part on a laptop, offline.

`checkout` copies from the shared database (--from) into a new SQLite (-o); every other
command works on the venue copy named by --db / VEYEDESK_DB, which remembers where it came
from (`sync --from` overrides that, e.g. when the server moved or the URL needs a password).
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from veyedesk.cli.common import EXIT_ERROR, EXIT_OK, Context, add_show_flags

if TYPE_CHECKING:
    from veyedesk.services.venue import SyncReport


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
    add_show_flags(co)
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

    sy = vsub.add_parser(
        "sync", help="merge this venue copy (--db) with its shared database, field by field"
    )
    sy.add_argument(
        "--from",
        dest="source",
        metavar="URL",
        help="shared database URL (default: where it came from)",
    )
    sy.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    sy.add_argument(
        "--prefer",
        nargs="+",
        metavar=("mine|theirs", "FIELD"),
        help="resolve conflicts: mine or theirs, for every field or only the FIELDs named "
        "(name, description, cut.end, …)",
    )
    sy.add_argument("--keep-locks", action="store_true", help="keep the talks locked (renewed)")
    sy.set_defaults(func=sync_cmd)

    cf = vsub.add_parser("conflicts", help="fields both sides changed, waiting for a choice")
    cf.add_argument("--json", action="store_true", help="machine-readable list")
    cf.set_defaults(func=conflicts_cmd)

    ex = vsub.add_parser("export-changes", help="write this copy's changes to a file (sneakernet)")
    ex.add_argument("-o", "--output", required=True, type=Path, help="change file to write (.vdz)")
    ex.set_defaults(func=export_cmd)

    ap = vsub.add_parser("apply", help="merge a change file into this (shared) database (--db)")
    ap.add_argument("file", type=Path, metavar="FILE.vdz")
    ap.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    ap.add_argument(
        "--prefer",
        nargs="+",
        metavar=("mine|theirs", "FIELD"),
        help="resolve conflicts (as for sync)",
    )
    ap.set_defaults(func=apply_cmd)


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
    from veyedesk.services.venue import checkout

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


def _prefer(ns: argparse.Namespace) -> tuple[str | None, tuple[str, ...]]:
    if not ns.prefer:
        return None, ()
    side, *fields = ns.prefer
    if side not in ("mine", "theirs"):
        from veyedesk.services.venue import VenueError

        raise VenueError(f"--prefer {side!r}: say mine or theirs first, then the fields (if any)")
    return side, tuple(fields)


def _print_report(report: SyncReport, dry_run: bool) -> int:
    verb = "would " if dry_run else ""
    print(
        f"{verb}push {report.pushed} and {verb}pull {report.pulled} changed rows"
        + (f"; locks {verb and 'would be '}{report.locks}" if report.locks else "")
    )
    for line in report.lines:
        print(f"  {line}")
    if report.files_waiting:
        print(
            f"{len(report.files_waiting)} sheet file(s) still need a copy to the shared show "
            "folder (not reachable from here): sync again where it is, or copy them by hand"
        )
    if report.conflicts:
        print(f"{len(report.conflicts)} conflict(s) left pending (both sides changed):")
        for c in report.conflicts:
            print(f"  {c.describe()}")
        print("resolve with --prefer mine|theirs [FIELD…], or in the editor (File ▸ Sync)")
        return EXIT_ERROR
    return EXIT_OK


def sync_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.venue import sync

    side, fields = _prefer(ns)
    with ctx.session() as session:  # the copy holds the show's users (and their hashes)
        who = ctx.identity(session)
    report = sync(
        ctx.settings.db,
        who=who,
        source=ns.source,
        dry_run=ns.dry_run,
        prefer=side,
        prefer_fields=fields,
        keep_locks=ns.keep_locks,
        default_profile=ctx.settings.default_profile,
        raw_root=ctx.settings.raw_root,
    )
    return _print_report(report, ns.dry_run)


def conflicts_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.cli.common import emit
    from veyedesk.services.venue import pending_conflicts

    with ctx.session() as session:
        found = pending_conflicts(session)
    emit(
        ctx,
        [
            {"row": c.label, "field": c.field, "base": c.base, "mine": c.mine, "theirs": c.theirs}
            for c in found
        ],
        ["row", "field", "base", "mine", "theirs"],
    )
    return EXIT_OK


def export_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.venue import export_changes

    written = export_changes(ctx.settings.db, ns.output)
    print(f"wrote {written.rows} changed rows to {ns.output} ({written.size} bytes)")
    return EXIT_OK


def apply_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.venue import apply_changes

    side, fields = _prefer(ns)
    with ctx.session() as session:
        who = ctx.identity(session)
    report = apply_changes(
        ctx.engine,
        ns.file,
        who=who,
        dry_run=ns.dry_run,
        prefer=side,
        prefer_fields=fields,
        default_profile=ctx.settings.default_profile,
    )
    return _print_report(report, ns.dry_run)
