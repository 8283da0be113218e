"""`veyedesk demo`: create the demo show (generated recordings, two rooms, ~8 talks) and open it."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from veyedesk.cli.common import EXIT_OK, Context
from veyedesk.config import data_dir

if TYPE_CHECKING:
    from veyedesk.services.demo import DemoPlan


def register(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser(
        "demo",
        help="create a demo show with generated recordings, then open the editor on it",
    )
    demo.add_argument(
        "--no-window",
        dest="gui",
        action="store_const",
        const=None,
        default="editor",
        help="only create the show (no window)",
    )
    demo.add_argument(
        "--file-seconds",
        type=float,
        metavar="S",
        help="length of each generated recording (default 90)",
    )
    demo.set_defaults(func=run_demo)


def demo_plan(ns: argparse.Namespace) -> DemoPlan:
    """What `--file-seconds` asks for (the plan's own defaults otherwise)."""
    from veyedesk.services.demo import DemoPlan

    return DemoPlan(file_seconds=ns.file_seconds) if ns.file_seconds else DemoPlan()


def run_demo(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.demo import DEMO_CLIENT, DEMO_SHOW, create_demo

    folder = data_dir() / "demo"
    with ctx.session() as session:
        who = ctx.identity(session)
        who.require("edit")
        result = create_demo(
            session,
            folder,
            demo_plan(ns),
            progress=lambda message: print(message, file=sys.stderr, flush=True),
        )
    print(
        f"demo show created: {result.episodes} talks, {result.raw_files} recordings under "
        f"{result.folder}; list them with `veyedesk episodes --client {DEMO_CLIENT} "
        f"--show {DEMO_SHOW}`, edit them with `veyedesk`"
    )
    return EXIT_OK
