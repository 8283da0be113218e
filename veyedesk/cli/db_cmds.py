"""`veyedesk db upgrade|check|current`."""

from __future__ import annotations

import argparse

from veyedesk.cli.common import EXIT_ERROR, EXIT_OK, Context
from veyedesk.db import migrate
from veyedesk.db.engine import check_reachable, make_engine


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database schema: upgrade, check, current")
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


def _engine(ctx: Context):
    engine = make_engine(ctx.settings.db)
    check_reachable(engine)
    return engine


def upgrade(ctx: Context, ns: argparse.Namespace) -> int:
    engine = _engine(ctx)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    print(f"database at {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    return EXIT_OK


def check_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    diffs = migrate.check_models_match_migrations(_engine(ctx) if ns.against_db else None)
    if diffs:
        print("models and migrations disagree; write a migration for:")
        for diff in diffs:
            print(f"  {diff}")
        return EXIT_ERROR
    print(f"models match migrations (head {migrate.head_revision()})")
    return EXIT_OK


def current(ctx: Context, ns: argparse.Namespace) -> int:
    engine = _engine(ctx)
    migrate.refuse_newer(engine)
    cur, head = migrate.current_revision(engine), migrate.head_revision()
    state = "up to date" if cur == head else "behind: run `veyedesk db upgrade`"
    print(f"{cur or 'empty'} (head {head}; {state})")
    return EXIT_OK
