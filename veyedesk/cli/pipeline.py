"""`veyedesk pipeline`: a show's states (kind, command, public, talks) and how to change them.

`veyedesk pipeline --client C --show S` prints Veyepar's show_pipeline; `set`, `public` and
`settings` change it (admins); `release` sets a talk's `released` as the form would;
`mail-approve` records a speaker's review-2 answer by mail; `tick` runs review 2's timeout
once (workers also run it by themselves).
"""

from __future__ import annotations

import argparse
from datetime import date

from veyedesk.cli.common import EXIT_OK, Context, emit
from veyedesk.model.pipeline import SETTABLE_KINDS
from veyedesk.model.text import plain_text


def _show_flags(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # Accepted before or after the sub-command; SUPPRESS keeps the sub-parser from
    # overwriting a value given to `pipeline` itself.
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--client", type=plain_text, default=default, help="client slug")
    parser.add_argument(
        "--show", type=plain_text, default=default, help="show slug (optional with one show)"
    )


def _yes_no(word: str) -> bool:
    key = word.strip().lower()
    if key in ("yes", "y", "true", "on", "1"):
        return True
    if key in ("no", "n", "false", "off", "0"):
        return False
    raise argparse.ArgumentTypeError(f"say yes or no, not {word!r}")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pipeline",
        help="a show's states: kind (person/pass/command), command, public, talks in each",
        description="Print a show's pipeline (Veyepar's show_pipeline), or change it. A "
        "person state waits for someone; a command state queues its command for a worker; a "
        "pass state moves a talk straight on (logged); a publish state has a worker upload, "
        "make public, announce or remove it on the show's publish targets. A talk whose "
        "speaker refused release never enters a public state; Unknown waits before it "
        "until released is Yes.",
    )
    _show_flags(p, top=True)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=show_pipeline)
    psub = p.add_subparsers(dest="pipeline_command", metavar="COMMAND")

    st = psub.add_parser("set", help="make a state person, pass, command or publish (admins)")
    st.add_argument("state", metavar="STATE", type=plain_text)
    st.add_argument("kind", choices=[str(k) for k in SETTABLE_KINDS], metavar="KIND")
    st.add_argument(
        "template",
        nargs="?",
        default="",
        metavar="TEMPLATE",
        help="for command: e.g. 'rsync {output} host:/videos/' (see `veyedesk state command -h`); "
        "for publish: the action (upload, public, announce, remove)",
    )
    st.add_argument(
        "--targets",
        default="",
        metavar="NAMES",
        help="for publish: the show's targets, comma-separated (default: the action's own)",
    )
    _show_flags(st)
    st.set_defaults(func=set_stage)

    pub = psub.add_parser("public", help="mark a state public (release-gated) or not (admins)")
    pub.add_argument("state", metavar="STATE", type=plain_text)
    pub.add_argument("public", type=_yes_no, metavar="yes|no")
    _show_flags(pub)
    pub.set_defaults(func=set_public)

    cfg = psub.add_parser("settings", help="Unknown publishes, review 2 timeout (admins)")
    cfg.add_argument(
        "--unknown-publishes",
        type=_yes_no,
        metavar="yes|no",
        help="talks whose speaker was never asked publish (blanket consent)",
    )
    cfg.add_argument(
        "--review-timeout-days",
        type=int,
        metavar="N",
        help="review 2 approves itself after N days of silence (0 = never)",
    )
    _show_flags(cfg)
    cfg.set_defaults(func=settings)

    rel = psub.add_parser("release", help="set a talk's released (yes carries a held talk on)")
    rel.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    rel.add_argument("released", choices=("yes", "no", "unknown"))
    rel.set_defaults(func=set_released)

    mail = psub.add_parser(
        "mail-approve", help="review 2: the speaker approved by mail (recorded on their behalf)"
    )
    mail.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    mail.add_argument(
        "--date",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the mail's date (default today)",
    )
    mail.set_defaults(func=mail_approve)

    tick = psub.add_parser(
        "tick",
        help="approve review 2 of talks silent past the timeout; carry on talks held "
        "before a state that is not public any more",
    )
    tick.set_defaults(func=tick_once)


def _print_pipeline(ctx: Context, show_id: int, label: str) -> None:
    from veyedesk.services import pipeline

    with ctx.session() as session:
        view = pipeline.show_pipeline(session, show_id)
    rows = [s.as_dict() for s in view.stages]
    if ctx.json:
        emit(ctx, rows, [])
        return
    for row in rows:
        row["public"] = "public" if row["public"] else ""
        row["held"] = row["held"] or ""
    print(label)
    emit(ctx, rows, ["state", "kind", "public", "talks", "held", "command"])
    timeout = view.review_timeout_days
    print(
        f"unknown publishes: {'yes' if view.unknown_publishes else 'no'}; review 2 timeout: "
        + (f"{timeout} days" if timeout else "never")
        + (f"; {view.no_state} talks with no state" if view.no_state else "")
    )


def show_pipeline(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import pipeline

    with ctx.session() as session:
        ctx.identity(session)
        show = pipeline.find_show(session, ns.client, ns.show)
        show_id, label = show.id, f"{show.client.slug} / {show.slug}"
    _print_pipeline(ctx, show_id, label)
    return EXIT_OK


def set_stage(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import pipeline

    with ctx.session() as session:
        who = ctx.identity(session)
        show = pipeline.find_show(session, ns.client, ns.show)
        targets = tuple(t.strip() for t in ns.targets.split(",") if t.strip())
        row = pipeline.set_stage(
            session, show, ns.state, ns.kind, who, ns.template, targets=targets
        )
        what = f" runs: {row.command}" if row.command else ""
        if row.publish_action or row.publish_targets:
            action = row.publish_action or "default action"
            what = f" ({action} on {row.publish_targets or 'default targets'})"
        print(f"{show.slug}: state {ns.state!r} is {row.kind}{what}")
    return EXIT_OK


def set_public(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import pipeline

    with ctx.session() as session:
        who = ctx.identity(session)
        show = pipeline.find_show(session, ns.client, ns.show)
        pipeline.set_public(
            session, show, ns.state, ns.public, who, default_profile=ctx.settings.default_profile
        )
        print(f"{show.slug}: state {ns.state!r} is {'public' if ns.public else 'not public'}")
    return EXIT_OK


def settings(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import pipeline

    with ctx.session() as session:
        who = ctx.identity(session)
        show = pipeline.find_show(session, ns.client, ns.show)
        if ns.unknown_publishes is not None or ns.review_timeout_days is not None:
            pipeline.set_release_rules(
                session,
                show,
                who,
                default_profile=ctx.settings.default_profile,
                unknown_publishes=ns.unknown_publishes,
                review_timeout_days=ns.review_timeout_days,
            )
        show_id, label = show.id, f"{show.client.slug} / {show.slug}"
    _print_pipeline(ctx, show_id, label)
    return EXIT_OK


def set_released(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import pipeline
    from veyedesk.services.episodes import get_episode

    with ctx.session() as session:
        who = ctx.identity(session)
        value = pipeline.parse_released(ns.released)
        status = pipeline.set_released(session, ns.episode_id, value, who, ctx.settings)
        episode = get_episode(session, ns.episode_id)
        where = episode.state.slug if episode.state else "none"
        held = f"; {status.describe()}" if status else ""
        print(f"episode {episode.id} ({episode.slug}): released {ns.released}, in {where}{held}")
    return EXIT_OK


def mail_approve(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import pipeline

    with ctx.session() as session:
        who = ctx.identity(session)
        when = ns.date or date.today()
        now_in = pipeline.approve_by_mail(
            session, ns.episode_id, who, when, ctx.settings.default_profile
        )
        print(f"episode {ns.episode_id}: approved by mail of {when:%Y-%m-%d}; now in {now_in}")
    return EXIT_OK


def tick_once(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.jobs.review_timeout import approve_silent_reviews
    from veyedesk.jobs.state_moves import resume_freed

    with ctx.session() as session:
        who = ctx.identity(session)
        who.require("review")
        moved = approve_silent_reviews(session, who.name, ctx.settings.default_profile)
        freed = resume_freed(session, who.name, ctx.settings.default_profile)
    print(f"{len(moved)} talks approved by review 2's timeout" + (f": {moved}" if moved else ""))
    if freed:
        print(f"{len(freed)} held talks carried on (their state is not public now): {freed}")
    return EXIT_OK
