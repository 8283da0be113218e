"""`config show`, `user add|list|passwd`, `client add`, `show add`, `room add`."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from veyedesk.cli.common import EXIT_OK, Context, emit
from veyedesk.config import describe
from veyedesk.model.states import ROLES


def register(sub: argparse._SubParsersAction) -> None:
    config = sub.add_parser("config", help="settings")
    csub = config.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    show = csub.add_parser("show", help="print the effective settings (passwords masked)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=config_show)

    user = sub.add_parser("user", help="logins: add, list, passwd")
    usub = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    add = usub.add_parser("add", help="create a login (the first must be an admin)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the new password from the first line of standard input",
    )
    add.set_defaults(func=user_add)
    lst = usub.add_parser("list", help="list logins")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=user_list)
    pw = usub.add_parser("passwd", help="change a login's password")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true")
    pw.set_defaults(func=user_passwd)

    client = sub.add_parser("client", help="organisers")
    clsub = client.add_subparsers(dest="client_command", required=True, metavar="COMMAND")
    cadd = clsub.add_parser("add", help="create a client")
    cadd.add_argument("--client", required=True, help="slug (letters, digits, _ and -)")
    cadd.add_argument("--name", help="display name (default: the slug)")
    cadd.set_defaults(func=client_add)

    show_p = sub.add_parser("show", help="events of a client")
    ssub = show_p.add_subparsers(dest="show_command", required=True, metavar="COMMAND")
    sadd = ssub.add_parser("add", help="create a show")
    sadd.add_argument("--client", required=True)
    sadd.add_argument("--show", required=True, help="slug (letters, digits, _ and -)")
    sadd.add_argument("--name")
    sadd.add_argument("--raw-root", default="", help="folder holding this show's dv/<room>/ tree")
    sadd.set_defaults(func=show_add)

    room = sub.add_parser("room", help="rooms (locations) of a show")
    rsub = room.add_subparsers(dest="room_command", required=True, metavar="COMMAND")
    radd = rsub.add_parser("add", help="attach a room to a show (created if new)")
    radd.add_argument("--client", required=True)
    radd.add_argument("--show", required=True)
    radd.add_argument("--name")
    radd.add_argument("room", help="room slug")
    radd.set_defaults(func=room_add)


def config_show(ctx: Context, ns: argparse.Namespace) -> int:
    data = describe(ctx.settings)
    if ns.json:
        print(json.dumps(data, indent=2))
        return EXIT_OK
    for key, value in data.items():
        if key != "profiles":
            print(f"{key} = {value}")
    for name, profile in data["profiles"].items():
        print(
            f"profile {name}: {profile['width']}x{profile['height']}@{profile['fps']:g} "
            f"{profile['vcodec']}/{profile['acodec']} .{profile['ext']}"
        )
    return EXIT_OK


def _new_password(ns: argparse.Namespace) -> str:
    from veyedesk.services.errors import InvalidInput

    if ns.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise InvalidInput("no terminal to ask for the password: use --password-stdin")
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            raise InvalidInput("the two passwords differ; nothing was changed")
    return password


def user_add(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import users

    password = _new_password(ns)
    with ctx.session() as session:
        # With no users yet the OS user acts as admin: the first login is created by it.
        users.create_user(session, ctx.identity(session), ns.name, ns.role, password)
    print(f"user {ns.name} added ({ns.role})")
    return EXIT_OK


def user_list(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import users

    with ctx.session() as session:
        ctx.identity(session)
        rows = [
            {
                "name": u.name,
                "role": u.role,
                "active": u.active,
                "created": u.created.isoformat(timespec="seconds") if u.created else None,
            }
            for u in users.list_users(session)
        ]
    emit(ctx, rows, ["name", "role", "active", "created"])
    return EXIT_OK


def user_passwd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import users

    with ctx.session() as session:
        who = ctx.identity(session)
        if who.name != ns.name:
            who.require("admin")  # before asking for a password that would be refused
        password = _new_password(ns)
        users.change_password(session, who, ns.name, password)
    print(f"password of {ns.name} changed")
    return EXIT_OK


def client_add(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog

    with ctx.session() as session:
        ctx.identity(session).require("admin")
        client = catalog.add_client(session, ns.client, ns.name)
        print(f"client {client.slug} added (id {client.id})")
    return EXIT_OK


def show_add(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog

    with ctx.session() as session:
        ctx.identity(session).require("admin")
        show = catalog.add_show(session, ns.client, ns.show, ns.name, ns.raw_root)
        print(f"show {ns.client}/{show.slug} added (id {show.id})")
    return EXIT_OK


def room_add(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog

    with ctx.session() as session:
        ctx.identity(session).require("admin")
        show = catalog.get_show(session, ns.client, ns.show)
        room = catalog.add_room(session, show, ns.room, ns.name)
        print(f"room {room.slug} attached to {ns.client}/{ns.show} (id {room.id})")
    return EXIT_OK
