"""`mark --client C --show S --room R`: open the Mark window for live marking in a room."""

from __future__ import annotations

import argparse

# The window shows the same map (gui/mark_window.MARK_KEYS); a test keeps the two in step.
KEYS_HELP = (
    "keys: PgUp or S = talk starts, PgDown or E = talk ends, B or . or C = cut here "
    "(presentation clickers send PgUp/PgDown/B/.); N types a note for the next mark; "
    "Ctrl+Z / Ctrl+Shift+Z undo and redo; Ctrl+L aligns with the recorder's clock"
)


def register(sub: argparse._SubParsersAction) -> None:
    mark = sub.add_parser(
        "mark",
        help="open the Mark window: press when a talk starts or ends, or to cut, in one room",
        description="Live marking in a room. Every press is stored at once on the database "
        "(a local SQLite works with no network), with its kind, note, who, this machine and "
        "the recorder clock offset.",
        epilog=KEYS_HELP,
    )
    mark.add_argument("--client", required=True, metavar="C", help="client slug")
    mark.add_argument("--show", required=True, metavar="S", help="show slug")
    mark.add_argument("--room", required=True, metavar="R", help="room slug")
    mark.set_defaults(gui="mark")
