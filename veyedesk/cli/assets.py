"""`veyedesk assets EPISODE_ID… -o DIR`: a folder with a venue copy of talks and their media.

The shared database is the one `--db` / VEYEDESK_DB names; the raw files are found under
the `raw_root` setting. The folder is then edited anywhere with `veyedesk --venue DIR`.
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

from veyedesk.cli.common import EXIT_OK, Context


def register(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser(
        "assets",
        help="a talk to go: a folder with a venue copy of talks and the media of their cuts",
        description="Write a self-contained folder for an editor elsewhere: a venue copy "
        "holding just these talks (DIR/venue.db) and their media: stream copies of the raw "
        "files around each talk's cuts (no re-encode), or with --proxy small H.264 proxies "
        "with the raw timing. Edit it with `veyedesk --venue DIR`; its changes come back "
        "with `veyedesk --venue DIR venue sync` or `venue export-changes`.",
    )
    cmd.add_argument("episode_ids", nargs="+", type=int, metavar="EPISODE_ID")
    cmd.add_argument("-o", "--output", required=True, type=Path, metavar="DIR", help="new folder")
    cmd.add_argument(
        "--proxy", action="store_true", help="small H.264 proxies instead of stream copies"
    )
    cmd.add_argument(
        "--margin",
        type=float,
        default=None,
        metavar="SECONDS",
        help="raw recording kept before and after the cuts (default 60)",
    )
    cmd.add_argument(
        "--machine", default=socket.gethostname(), help="the laptop's name (default: host name)"
    )
    cmd.add_argument("--no-lock", action="store_true", help="copy without locking the talks")
    cmd.set_defaults(func=assets_cmd)


def assets_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.db import session_factory
    from veyedesk.services.venue import DEFAULT_MARGIN, make_assets

    with session_factory(ctx.engine)() as session:
        who = ctx.identity(session)
    result = make_assets(
        session_factory(ctx.engine),
        ns.episode_ids,
        ns.output,
        raw_root=ctx.settings.raw_root,
        files_root=ctx.settings.files_root,
        who=who,
        machine=ns.machine,
        proxy=ns.proxy,
        margin=DEFAULT_MARGIN if ns.margin is None else ns.margin,
        lock=not ns.no_lock,
    )
    kind = "proxies" if ns.proxy else "segments"
    print(
        f"{len(result.pieces)} {kind}: {result.piece_bytes / 1e6:.1f} MB of "
        f"{result.raw_bytes / 1e6:.1f} MB raw ({100 * result.share:.1f} %)"
    )
    for line in result.files_left:
        print(f"  not carried: {line}")
    copied = result.checkout
    print(f"venue copy of {len(copied.episode_ids)} talks in {result.folder / 'venue.db'}")
    if not ns.no_lock:
        print(f"locked {len(copied.locked)} talks for this folder")
    for episode_id, text in copied.not_locked:
        print(f"  episode {episode_id} not locked: {text}")
    print(f"edit it with: veyedesk --venue {result.folder.resolve()}")
    return EXIT_OK
