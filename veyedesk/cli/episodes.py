"""`episodes` (list a show's talks) and `state set`."""

from __future__ import annotations

import argparse

from veyedesk.cli.common import EXIT_OK, Context, add_selection_flags, emit, selection_from
from veyedesk.model.text import plain_text
from veyedesk.model.timecode import format_duration


def register(sub: argparse._SubParsersAction) -> None:
    lst = sub.add_parser("episodes", help="list a show's episodes")
    add_selection_flags(lst, ids=False)
    lst.add_argument(
        "--state", type=plain_text, help="only episodes in this state (e.g. edit, 'review 1')"
    )
    lst.add_argument("--json", action="store_true", help="machine-readable list")
    lst.set_defaults(func=list_episodes)

    state = sub.add_parser("state", help="episode states")
    ssub = state.add_subparsers(dest="state_command", required=True, metavar="COMMAND")
    sset = ssub.add_parser("set", help="move an episode to a state (logged)")
    sset.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    sset.add_argument("state", metavar="STATE", type=plain_text)
    sset.add_argument(
        "--force",
        action="store_true",
        help="move it even when another editor or a venue copy holds it (logged)",
    )
    sset.set_defaults(func=set_state)


def list_episodes(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import episodes

    with ctx.session() as session:
        ctx.identity(session)
        found = episodes.select_episodes(session, selection_from(ns, state=ns.state))
        rows = [episodes.episode_summary(e) for e in found]
    if not ctx.json:
        for row in rows:
            row["start"] = (row["start"] or "")[:16].replace("T", " ")
            row["duration"] = format_duration(row["duration"])
    emit(ctx, rows, ["id", "start", "room", "duration", "state", "name", "authors", "locked_by"])
    return EXIT_OK


def set_state(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import editing, episodes

    with ctx.session() as session:
        who = ctx.identity(session)
        episode = episodes.get_episode(session, ns.episode_id)
        forced = editing.check_not_held(
            session,
            episode.id,
            who,
            ctx.settings.lock_stale_minutes,
            doing="move",
            force=ns.force,
        )
        if forced is not None:
            print(f"episode {episode.id}: moved past the lock: {forced.describe()} (logged)")
        before = episode.state.slug if episode.state else "none"
        # The same path as the editor's form: permission, Log row, and the state's job.
        job = editing.change_state(session, episode, ns.state, who, ctx.settings.default_profile)
        # A pass state walks the talk on, so say where it is now, not only what was asked.
        now_in = episode.state.slug if episode.state else "none"
        walked = f" (now in {now_in})" if now_in != ns.state else ""
        print(f"episode {episode.id} ({episode.slug}): state {before} -> {ns.state}{walked}")
        if job is not None:
            print(f"job {job.id}: queued {job.kind} {job.profile}")
    return EXIT_OK
