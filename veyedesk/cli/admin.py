"""`config show`, `user add|list|passwd|disable|enable|role`."""

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

    user = sub.add_parser("user", help="logins: add, list, passwd, disable, enable, role")
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

    for action, text in (
        ("disable", "stop a login signing in or acting"),
        ("enable", "let a disabled login sign in again"),
    ):
        p = usub.add_parser(action, help=f"{text} (admins)")
        p.add_argument("name")
        p.set_defaults(func=user_enable if action == "enable" else user_disable)
    role = usub.add_parser("role", help="give a login another role (admins)")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    role.set_defaults(func=user_role)


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
    from veyedesk.services import admin
    from veyedesk.services.errors import AlreadyExists

    password = _new_password(ns)
    with ctx.session() as session:
        # With no users yet the OS user acts as admin: the first login is created by it.
        try:
            admin.create_user(session, ctx.identity(session), ns.name, ns.role, password)
        except admin.FirstUserNotAdmin as exc:
            raise admin.FirstUserNotAdmin(f"{exc} (--role admin)") from None
        except AlreadyExists as exc:
            raise AlreadyExists(f"{exc} (`veyedesk user passwd {ns.name}`)") from None
    print(f"user {ns.name} added ({ns.role})")
    return EXIT_OK


def user_list(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin

    with ctx.session() as session:
        ctx.identity(session)
        rows = [
            {
                "name": u.name,
                "role": u.role,
                "active": u.active,
                "created": u.created.isoformat(timespec="seconds") if u.created else None,
            }
            for u in admin.list_users(session)
        ]
    emit(ctx, rows, ["name", "role", "active", "created"])
    return EXIT_OK


def user_passwd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin

    with ctx.session() as session:
        who = ctx.identity(session)
        if who.name != ns.name:
            who.require("admin")  # before asking for a password that would be refused
        password = _new_password(ns)
        admin.change_password(session, who, ns.name, password)
    print(f"password of {ns.name} changed")
    return EXIT_OK


def _set_active(ctx: Context, name: str, active: bool) -> int:
    from veyedesk.services import admin

    with ctx.session() as session:
        admin.set_active(session, ctx.identity(session), name, active)
    print(f"user {name} {'enabled' if active else 'disabled'}")
    return EXIT_OK


def user_disable(ctx: Context, ns: argparse.Namespace) -> int:
    return _set_active(ctx, ns.name, False)


def user_enable(ctx: Context, ns: argparse.Namespace) -> int:
    return _set_active(ctx, ns.name, True)


def user_role(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin

    with ctx.session() as session:
        admin.set_role(session, ctx.identity(session), ns.name, ns.role)
    print(f"user {ns.name} is now {ns.role}")
    return EXIT_OK
