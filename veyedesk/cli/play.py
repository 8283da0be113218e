"""`play EPISODE_ID`: open the standalone player window for one episode."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    play = sub.add_parser(
        "play",
        help="open one episode in the player window (video, timeline, I/O keys; Ctrl+S saves)",
    )
    play.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    play.set_defaults(gui="play")
