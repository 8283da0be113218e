"""`veyedesk publish`: a show's publish targets, this machine's login to them, publishing a talk."""

from __future__ import annotations

import argparse
import getpass
import sys

from veyedesk.cli.common import EXIT_OK, Context, emit
from veyedesk.model.text import plain_text
from veyedesk.publish.base import TargetKind


def _show_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--client", type=plain_text, default=None, help="client slug")
    parser.add_argument(
        "--show", type=plain_text, default=None, help="show slug (optional with one show)"
    )


def _pairs(words: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key.strip():
            raise argparse.ArgumentTypeError(f"options are KEY=VALUE, not {word!r}")
        out[key.strip()] = value
    return out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "publish",
        help="publish targets of a show, `login` on this machine, publish a talk now",
        description="Publishing: a show's targets (rclone, peertube, youtube, archive, "
        "voctoweb, mastodon, webhook) hold plain settings; passwords and tokens stay on "
        "each machine (`publish login`). With targets, *post* uploads unlisted, *make "
        "public* makes the uploads public, *tweet* announces.",
    )
    psub = p.add_subparsers(dest="publish_command", metavar="COMMAND", required=True)
    t = psub.add_parser("target", help="add, list, set or remove a show's targets")
    tsub = t.add_subparsers(dest="target_command", metavar="ACTION", required=True)
    add = tsub.add_parser("add", help="add a target (admins)")
    _show_flags(add)
    add.add_argument("name", metavar="NAME")
    add.add_argument("--kind", required=True, choices=[str(k) for k in TargetKind])
    add.add_argument("options", nargs="*", metavar="KEY=VALUE")
    add.set_defaults(func=target_add)
    ls = tsub.add_parser("list", help="the show's targets")
    _show_flags(ls)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=target_list)
    st = tsub.add_parser("set", help="change a target's options (admins; KEY= removes one)")
    _show_flags(st)
    st.add_argument("name", metavar="NAME")
    st.add_argument("options", nargs="+", metavar="KEY=VALUE")
    st.set_defaults(func=target_set)
    rm = tsub.add_parser("remove", help="remove a target (admins)")
    _show_flags(rm)
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(func=target_remove)
    lg = psub.add_parser("login", help="store this machine's secret for a target")
    _show_flags(lg)
    lg.add_argument("name", metavar="TARGET")
    lg.set_defaults(func=login)
    run = psub.add_parser("run", help="do the talk's publish state now, with a progress bar")
    run.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    run.add_argument("--target", default=None, metavar="NAME", help="only this target")
    run.set_defaults(func=run_now)


def _show_id(ctx: Context, session: object, ns: argparse.Namespace) -> int:
    from veyedesk.services import pipeline

    return pipeline.find_show(session, ns.client, ns.show).id  # type: ignore[arg-type]


def target_add(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import publishing

    with ctx.session() as session:
        who = ctx.identity(session)
        row = publishing.add_target(
            session, who, _show_id(ctx, session, ns), ns.name, ns.kind, _pairs(ns.options)
        )
    print(f"added {row.kind} target {row.name}")
    return EXIT_OK


def target_list(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import publishing

    with ctx.session() as session:
        ctx.identity(session)
        rows = publishing.list_targets(session, _show_id(ctx, session, ns))
    out = [
        {
            "name": r.name,
            "kind": r.kind,
            "options": r.options if ns.json else " ".join(f"{k}={v}" for k, v in r.options.items()),
        }
        for r in rows
    ]
    emit(ctx, out, ["name", "kind", "options"])
    return EXIT_OK


def target_set(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import publishing

    with ctx.session() as session:
        who = ctx.identity(session)
        row = publishing.set_target(
            session, who, _show_id(ctx, session, ns), ns.name, _pairs(ns.options)
        )
    print(f"{row.name}: " + " ".join(f"{k}={v}" for k, v in row.options.items()))
    return EXIT_OK


def target_remove(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import publishing

    with ctx.session() as session:
        who = ctx.identity(session)
        publishing.remove_target(session, who, _show_id(ctx, session, ns), ns.name)
    print(f"removed target {ns.name}")
    return EXIT_OK


def login(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.publish.secrets import where
    from veyedesk.services import publishing

    def ask(question: str) -> str:
        secret = any(w in question.lower() for w in ("password", "token", "key", "secret"))
        return getpass.getpass(question) if secret else input(question)

    with ctx.session() as session:
        ctx.identity(session)
        said = publishing.login_target(session, _show_id(ctx, session, ns), ns.name, ask)
    print(f"{said} (kept in {where()})")
    return EXIT_OK


def run_now(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.db import session_factory
    from veyedesk.services import publishing

    with ctx.session() as session:
        who = ctx.identity(session)

    def bar(sent: int, total: int, speed: float | None) -> None:
        share = sent / total if total else 1.0
        filled = int(share * 30)
        rate = f" {speed / 1e6:.1f} MB/s" if speed else ""
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {share:6.1%} "
            f"{sent / 1e6:.1f}/{total / 1e6:.1f} MB{rate}"
        )
        sys.stderr.flush()

    lines = publishing.run_publish(
        session_factory(ctx.engine), ns.episode_id, who, ctx.settings, ns.target, bar
    )
    sys.stderr.write("\n")
    for line in lines:
        print(line)
    return EXIT_OK
