"""`veyedesk demo`: create the demo show (generated recordings, two rooms, ~8 talks) and open it."""

from __future__ import annotations

import argparse
import sys

from veyedesk.cli.common import EXIT_OK, Context
from veyedesk.config import data_dir
from veyedesk.services.demo import DEMO_CLIENT, DEMO_SHOW, DemoPlan, create_demo


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
        default=DemoPlan().file_seconds,
        metavar="S",
        help="length of each generated recording (default %(default)s)",
    )
    demo.set_defaults(func=run_demo)


def run_demo(ctx: Context, ns: argparse.Namespace) -> int:
    folder = data_dir() / "demo"
    with ctx.session() as session:
        who = ctx.identity(session)
        who.require("edit")
        result = create_demo(
            session,
            folder,
            DemoPlan(file_seconds=ns.file_seconds),
            progress=lambda message: print(message, file=sys.stderr, flush=True),
        )
    print(
        f"demo show created: {result.episodes} talks, {result.raw_files} recordings under "
        f"{result.folder}; list them with `veyedesk episodes --client {DEMO_CLIENT} "
        f"--show {DEMO_SHOW}`, edit them with `veyedesk`"
    )
    return EXIT_OK
