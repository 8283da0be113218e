"""`episode add|set|duplicate|split|move|delete`: talks by hand (admins), beside `episodes`.

`episodes` lists a show's talks; these change one. Every command goes through
services.talks, which checks the permission and the values and logs what it did.
"""

from __future__ import annotations

import argparse

from veyedesk.cli.common import EXIT_OK, Context, add_show_flags
from veyedesk.cli.settings import parse_pairs
from veyedesk.model.text import plain_text


def register(sub: argparse._SubParsersAction) -> None:
    episode = sub.add_parser(
        "episode", help="one talk by hand: add, set, duplicate, split, move, delete (admins)"
    )
    esub = episode.add_subparsers(dest="episode_command", required=True, metavar="COMMAND")
    p = esub.add_parser("add", help="add a talk the schedule lacks (e.g. a lightning talk)")
    add_show_flags(p)
    p.add_argument("--room", required=True, help="room slug")
    p.add_argument("--start", required=True, help="wall clock, YYYY-MM-DD HH:MM[:SS]")
    p.add_argument("--duration", required=True, help="seconds, MM:SS, HH:MM:SS, 5m or 1h")
    p.add_argument("--authors", default="", type=plain_text, help="speakers")
    p.add_argument("name", type=plain_text, help="the talk's title")
    p.set_defaults(func=episode_add)

    p = esub.add_parser("set", help="change slug, conf_url, sequence, stop, reviewers, URLs")
    p.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    p.add_argument(
        "values",
        nargs="+",
        metavar="FIELD=VALUE",
        help="fields: slug, conf_url, sequence, stop, reviewers, host_url, public_url, archive_url",
    )
    p.set_defaults(func=episode_set)

    p = esub.add_parser("duplicate", help="copy a talk (same room and slot) and associate it")
    p.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    p.add_argument("--name", type=plain_text, help="the copy's title (default: the same)")
    p.set_defaults(func=episode_duplicate, at=None)

    p = esub.add_parser("split", help="one recording holding two talks: split the slot at a time")
    p.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    p.add_argument("--at", required=True, help="wall clock where the second talk starts")
    p.add_argument("--name", type=plain_text, help="the second talk's title")
    p.set_defaults(func=episode_duplicate)

    p = esub.add_parser("move", help="move a talk to another room of its show")
    p.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    p.add_argument("room", help="room slug")
    p.set_defaults(func=episode_move)

    p = esub.add_parser("delete", help="delete a talk (refused when it has encodes: --force)")
    p.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    p.add_argument("--force", action="store_true", help="delete even with encodes or a lock")
    p.set_defaults(func=episode_delete)


def episode_add(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin, catalog

    start = admin.parse_when(ns.start)
    duration = admin.parse_duration(ns.duration)
    with ctx.session() as session:
        who = ctx.identity(session)
        show = catalog.get_show(session, ns.client, ns.show)
        episode = admin.add_talk(
            session, who, show, ns.name, ns.room, start, duration, authors=ns.authors
        )
        print(
            f"episode {episode.id} ({episode.slug}) added in {ns.room} at {start:%Y-%m-%d %H:%M}"
            f", {len(episode.cuts)} cut(s)"
        )
    return EXIT_OK


def episode_set(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin

    values = parse_pairs(ns.values)
    with ctx.session() as session:
        changes = admin.set_talk(session, ctx.identity(session), ns.episode_id, values)
    if not changes:
        print(f"episode {ns.episode_id}: nothing changed")
    for name, old, new in changes:
        print(f"episode {ns.episode_id}: {name}: {old!r} -> {new!r}")
    return EXIT_OK


def episode_duplicate(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin

    at = admin.parse_when(ns.at, "--at") if ns.at else None
    with ctx.session() as session:
        copy = admin.duplicate_talk(
            session, ctx.identity(session), ns.episode_id, split_at=at, name=ns.name
        )
        verb = "split off" if at else "duplicated as"
        print(f"episode {ns.episode_id} {verb} episode {copy.id} ({copy.slug})")
    return EXIT_OK


def episode_move(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin

    with ctx.session() as session:
        episode = admin.move_talk(session, ctx.identity(session), ns.episode_id, ns.room)
        print(f"episode {episode.id} is in room {ns.room}, {len(episode.cuts)} cut(s)")
    return EXIT_OK


def episode_delete(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import admin

    with ctx.session() as session:
        slug = admin.delete_talk(session, ctx.identity(session), ns.episode_id, force=ns.force)
    print(f"episode {ns.episode_id} ({slug}) deleted")
    return EXIT_OK
