"""`client|show|room add|list|show|set` and `room retime`: a show's settings from the terminal.

`set` takes FIELD=VALUE pairs for any column (`veyedesk show set --client c --show s
timezone=Europe/Brussels raw_root=/srv/raw`); every value is checked by
services.settings before anything is written. A room's `hours_offset` is changed by
`room retime`, which prints what would move and does it only with --yes.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from veyedesk.cli.common import EXIT_OK, Context, add_show_flags, emit
from veyedesk.errors import UserError
from veyedesk.model.text import plain_text


class UsageError(UserError):
    """A FIELD=VALUE argument without its `=`."""


def parse_pairs(items: list[str]) -> dict[str, str]:
    """FIELD=VALUE arguments as a dict (the value may be empty, to clear a field)."""
    values: dict[str, str] = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            raise UsageError(f"{item!r} is not FIELD=VALUE (e.g. timezone=Europe/Brussels)")
        values[name.strip()] = value
    return values


def _where(p: argparse.ArgumentParser, *, show: bool = True) -> None:
    if show:
        add_show_flags(p)
    else:
        p.add_argument("--client", required=True, type=plain_text, help="client slug")


def _fields_help(kind: str) -> str:
    # Names only: importing services.settings here would load the database layer for --help.
    return f"FIELD=VALUE pairs, any column `veyedesk {kind} show` prints (blank value clears)"


def register(sub: argparse._SubParsersAction) -> None:
    slug_help = "slug (letters, digits, _ and -)"
    client = sub.add_parser("client", help="organisers: add, list, show, set")
    csub = client.add_subparsers(dest="client_command", required=True, metavar="COMMAND")
    p = csub.add_parser("add", help="create a client")
    p.add_argument("--client", required=True, help=slug_help)
    p.add_argument("--name", help="display name (default: the slug)")
    p.set_defaults(func=client_add)
    p = csub.add_parser("list", help="list clients")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=client_list)
    p = csub.add_parser("show", help="print a client's settings")
    _where(p, show=False)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=client_show)
    p = csub.add_parser("set", help="change a client's settings (admins)")
    _where(p, show=False)
    p.add_argument("values", nargs="+", metavar="FIELD=VALUE", help=_fields_help("client"))
    p.set_defaults(func=client_set)

    show = sub.add_parser("show", help="events of a client: add, list, show, set")
    ssub = show.add_subparsers(dest="show_command", required=True, metavar="COMMAND")
    p = ssub.add_parser("add", help="create a show")
    p.add_argument("--client", required=True)
    p.add_argument("--show", required=True, help=slug_help)
    p.add_argument("--name")
    p.add_argument("--raw-root", default="", help="folder holding this show's dv/<room>/ tree")
    p.set_defaults(func=show_add)
    p = ssub.add_parser("list", help="list a client's shows")
    _where(p, show=False)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=show_list)
    p = ssub.add_parser("show", help="print a show's settings")
    _where(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=show_show)
    p = ssub.add_parser("set", help="change a show's settings (admins)")
    _where(p)
    p.add_argument("values", nargs="+", metavar="FIELD=VALUE", help=_fields_help("show"))
    p.set_defaults(func=show_set)

    room = sub.add_parser("room", help="rooms of a show: add, list, show, set, retime")
    rsub = room.add_subparsers(dest="room_command", required=True, metavar="COMMAND")
    p = rsub.add_parser("add", help="add a room to a show (each show has its own rooms)")
    _where(p)
    p.add_argument("--name")
    p.add_argument("room", help=f"room {slug_help}")
    p.set_defaults(func=room_add)
    p = rsub.add_parser("list", help="list a show's rooms")
    _where(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=room_list)
    p = rsub.add_parser("show", help="print a room's settings")
    _where(p)
    p.add_argument("room")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=room_show)
    p = rsub.add_parser("set", help="change a room's settings (admins; hours_offset: retime)")
    _where(p)
    p.add_argument("room")
    p.add_argument("values", nargs="+", metavar="FIELD=VALUE", help=_fields_help("room"))
    p.set_defaults(func=room_set)
    p = rsub.add_parser(
        "retime",
        help="fix a recorder clock: set hours_offset, move the room's raw files and "
        "re-associate unedited talks (prints what would move; --yes does it)",
    )
    _where(p)
    p.add_argument("room")
    p.add_argument("hours", type=int, help="the new hours_offset (whole hours, may be negative)")
    p.add_argument("--yes", action="store_true", help="do it (without: only show what would move)")
    p.set_defaults(func=room_retime)

    p = sub.add_parser(
        "audit", help="what admins changed: settings, re-timed rooms, deleted talks, logins"
    )
    p.add_argument("--client", help="only this client's show (with --show)")
    p.add_argument("--show", help="only this show")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=audit_list)


def _print_values(ctx: Context, values: dict[str, Any]) -> None:
    if ctx.json:
        print(json.dumps(values, indent=2, ensure_ascii=False, default=str))
        return
    width = max(len(k) for k in values)
    for key, value in values.items():
        text = "" if value is None else str(value)
        print(f"{key.ljust(width)}  {text.replace(chr(10), ' / ')}")


def _print_changes(what: str, changes: list[Any]) -> None:
    if not changes:
        print(f"{what}: nothing changed")
    for change in changes:
        print(f"{what}: {change.line()}")


def client_add(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog
    from veyedesk.services.identity import require_admin

    with ctx.session() as session:
        require_admin(session, ctx.identity(session))
        client = catalog.add_client(session, ns.client, ns.name)
        print(f"client {client.slug} added (id {client.id})")
    return EXIT_OK


def client_list(ctx: Context, ns: argparse.Namespace) -> int:
    from sqlalchemy import select

    from veyedesk.model import Client

    with ctx.session() as session:
        ctx.identity(session)
        rows = [
            {"slug": c.slug, "name": c.name, "active": c.active, "license": c.license}
            for c in session.scalars(select(Client).order_by(Client.sequence, Client.slug))
        ]
    emit(ctx, rows, ["slug", "name", "active", "license"])
    return EXIT_OK


def client_show(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin, catalog

    with ctx.session() as session:
        ctx.identity(session)
        values = admin.values_of(catalog.get_client(session, ns.client), admin.CLIENT_FIELDS)
    _print_values(ctx, values)
    return EXIT_OK


def client_set(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin, catalog

    values = parse_pairs(ns.values)
    with ctx.session() as session:
        who = ctx.identity(session)
        client = catalog.get_client(session, ns.client)
        changes = admin.set_client(session, who, client, values, ctx.settings.files_root)
    _print_changes(f"client {ns.client}", changes)
    return EXIT_OK


def show_add(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog
    from veyedesk.services.identity import require_admin

    with ctx.session() as session:
        require_admin(session, ctx.identity(session))
        show = catalog.add_show(session, ns.client, ns.show, ns.name, ns.raw_root)
        print(f"show {ns.client}/{show.slug} added (id {show.id})")
    return EXIT_OK


def show_list(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog

    with ctx.session() as session:
        ctx.identity(session)
        client = catalog.get_client(session, ns.client)
        rows = [
            {"slug": s.slug, "name": s.name, "active": s.active, "timezone": s.timezone}
            for s in client.shows
        ]
    emit(ctx, rows, ["slug", "name", "active", "timezone"])
    return EXIT_OK


def show_show(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin, catalog

    with ctx.session() as session:
        ctx.identity(session)
        values = admin.values_of(catalog.get_show(session, ns.client, ns.show), admin.SHOW_FIELDS)
    _print_values(ctx, values)
    return EXIT_OK


def show_set(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin, catalog

    values = parse_pairs(ns.values)
    with ctx.session() as session:
        who = ctx.identity(session)
        show = catalog.get_show(session, ns.client, ns.show)
        changes = admin.set_show(session, who, show, values)
    _print_changes(f"show {ns.client}/{ns.show}", changes)
    return EXIT_OK


def room_add(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog
    from veyedesk.services.identity import require_admin

    with ctx.session() as session:
        require_admin(session, ctx.identity(session))
        show = catalog.get_show(session, ns.client, ns.show)
        room = catalog.add_room(session, show, ns.room, ns.name)
        print(f"room {room.slug} added to show {ns.client}/{ns.show} (id {room.id})")
    return EXIT_OK


def room_list(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog

    with ctx.session() as session:
        ctx.identity(session)
        show = catalog.get_show(session, ns.client, ns.show)
        rows = [
            {
                "slug": r.slug,
                "name": r.name,
                "sequence": r.sequence,
                "active": r.active,
                "hours_offset": r.hours_offset,
                "channelcopy": r.channelcopy,
            }
            for r in show.locations
        ]
    emit(ctx, rows, ["slug", "name", "sequence", "active", "hours_offset", "channelcopy"])
    return EXIT_OK


def room_show(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin, catalog

    with ctx.session() as session:
        ctx.identity(session)
        show = catalog.get_show(session, ns.client, ns.show)
        values = admin.values_of(catalog.get_room(session, show, ns.room), admin.ROOM_FIELDS)
    _print_values(ctx, values)
    return EXIT_OK


def room_set(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin, catalog

    values = parse_pairs(ns.values)
    with ctx.session() as session:
        who = ctx.identity(session)
        show = catalog.get_show(session, ns.client, ns.show)
        room = catalog.get_room(session, show, ns.room)
        changes = admin.set_room(session, who, show, room, values)
    _print_changes(f"room {ns.room} of show {ns.client}/{ns.show}", changes)
    return EXIT_OK


def room_retime(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog, ingest
    from veyedesk.services.identity import require_admin

    with ctx.session() as session:
        who = ctx.identity(session)
        require_admin(session, who)
        show = catalog.get_show(session, ns.client, ns.show)
        room = catalog.get_room(session, show, ns.room)
        if ns.yes:
            plan = ingest.retime_room(session, who, show, room, ns.hours)
        else:
            plan = ingest.plan_retime(session, show, room, ns.hours)
    for line in plan.lines():
        print(line)
    print("done" if ns.yes else "nothing changed yet: add --yes to do it")
    return EXIT_OK


def audit_list(ctx: Context, ns: argparse.Namespace) -> int:
    from sqlalchemy import select

    from veyedesk.model import AuditEntry
    from veyedesk.services import catalog
    from veyedesk.services.identity import require_admin

    with ctx.session() as session:
        require_admin(session, ctx.identity(session))
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        if ns.show:
            if not ns.client:
                raise UsageError("--show needs --client")
            stmt = stmt.where(
                AuditEntry.show_id == catalog.get_show(session, ns.client, ns.show).id
            )
        rows = [
            {
                "at": e.at.isoformat(sep=" ", timespec="seconds"),
                "user": e.user,
                "action": e.action,
                "target": e.target,
                "detail": e.detail,
            }
            for e in session.scalars(stmt)
        ]
    emit(ctx, rows, ["at", "user", "action", "target", "detail"])
    return EXIT_OK
