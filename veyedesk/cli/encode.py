"""`veyedesk encode`: encode talks now, in the foreground, through the same queue as workers.

Only the parser lives here; the work is in cli.encode_run, imported when the command runs,
so `veyedesk --help` and every other command start without loading ffmpeg plans and jobs.
"""

from __future__ import annotations

import argparse

from veyedesk.cli.common import Context, add_selection_flags


def register(sub: argparse._SubParsersAction) -> None:
    enc = sub.add_parser(
        "encode",
        help="encode talks now: title, cuts, credits -> one verified file per profile",
        description="Encode the selected episodes in the foreground. Without --force only "
        "episodes in state 'encode' are encoded, and none that another editor has open or "
        "that is checked out to a venue copy (--force encodes those too, logged). Each "
        "encode takes the talk's queued job (or queues one) and finishes it as a worker "
        "would: the talk moves on to its next state, and no worker encodes it again. Files go to "
        "<output root>/<client>/<show>/<profile>/<slug>.<ext>; a file replaces the previous "
        "one only after it has been verified.",
    )
    add_selection_flags(enc)
    enc.add_argument("--profile", help="encode profile (default: the default_profile setting)")
    enc.add_argument(
        "--dry-run", action="store_true", help="print the exact ffmpeg commands; encode nothing"
    )
    enc.set_defaults(func=encode)


def encode(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.cli import encode_run

    return encode_run.encode(ctx, ns)
