"""`veyedesk db upgrade|check|current|roles`."""

from __future__ import annotations

import argparse
import sys

from veyedesk.cli.common import EXIT_ERROR, EXIT_OK, Context


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database schema: upgrade, check, current; PostgreSQL roles")
    dsub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    up = dsub.add_parser("upgrade", help="apply migrations to the database (--db or default)")
    up.set_defaults(func=upgrade)
    check = dsub.add_parser(
        "check", help="exit 1 when the models and the migrations disagree (a migration is missing)"
    )
    check.add_argument(
        "--against-db",
        action="store_true",
        help="compare with the configured database instead of a scratch one",
    )
    check.set_defaults(func=check_cmd)
    cur = dsub.add_parser(
        "current", help="print the database's schema revision and the newest known"
    )
    cur.set_defaults(func=current)
    rl = dsub.add_parser(
        "roles",
        help="create PostgreSQL roles (reviewer, editor, worker, admin) with the grants they need",
        description="Roles in veyedesk guard against mistakes; the database credential is the "
        "security boundary. For people who must not hold full rights, this creates NOLOGIN "
        "group roles veyedesk_reviewer (read; review columns, Log, queue), veyedesk_editor "
        "(editing tables and the queue), veyedesk_worker (the queue, Log, episode state) and "
        "veyedesk_admin (every table), granted on this database; give each person a login "
        "in one with --login. Run it as the database owner, and again after `db upgrade`.",
    )
    rl.add_argument(
        "--login", metavar="NAME", help="also create (or move) this PostgreSQL login into --role"
    )
    # Checked by db.roles when the command runs: the parser must not load the database layer.
    rl.add_argument(
        "--role", metavar="ROLE", help="the group role of --login: reviewer, editor, worker, admin"
    )
    rl.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the login's password from the first line of standard input",
    )
    rl.add_argument("--prefix", help="group role name prefix (default veyedesk_)")
    rl.set_defaults(func=roles_cmd)


def _engine(ctx: Context):
    from veyedesk.db.engine import check_reachable, make_engine

    # No statement timeout: a migration may rewrite a big table for minutes.
    engine = make_engine(ctx.settings.db, statement_timeout=0)
    check_reachable(engine)
    return engine


def upgrade(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.db import migrate

    engine = _engine(ctx)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    print(f"database at {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    return EXIT_OK


def check_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.db import migrate

    diffs = migrate.check_models_match_migrations(_engine(ctx) if ns.against_db else None)
    if diffs:
        print("models and migrations disagree; write a migration for:")
        for diff in diffs:
            print(f"  {diff}")
        return EXIT_ERROR
    print(f"models match migrations (head {migrate.head_revision()})")
    return EXIT_OK


def current(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.db import migrate

    engine = _engine(ctx)
    migrate.refuse_newer(engine)
    cur, head = migrate.current_revision(engine), migrate.head_revision()
    state = "up to date" if cur == head else "behind: run `veyedesk db upgrade`"
    print(f"{cur or 'empty'} (head {head}; {state})")
    return EXIT_OK


def roles_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.db import migrate, roles
    from veyedesk.services.errors import InvalidInput

    if (ns.login is None) != (ns.role is None):
        raise InvalidInput("give --login NAME and --role ROLE together")
    if ns.role is not None and ns.role not in roles.ROLE_NAMES:
        raise InvalidInput(f"--role {ns.role!r} is not one of {', '.join(roles.ROLE_NAMES)}")
    ns.prefix = ns.prefix or roles.DEFAULT_PREFIX
    engine = _engine(ctx)
    migrate.ensure_current(engine, upgrade_sqlite=False)
    roles.create_roles(engine, ns.prefix)
    for role in roles.ROLE_NAMES:
        print(f"role {roles.group_name(role, ns.prefix)}: granted on this database")
    if ns.login:
        password = sys.stdin.readline().rstrip("\r\n") if ns.password_stdin else None
        roles.add_login(engine, ns.login, ns.role, password, ns.prefix)
        print(f"login {ns.login} is in {roles.group_name(ns.role, ns.prefix)}")
    return EXIT_OK
