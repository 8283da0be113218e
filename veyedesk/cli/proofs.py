"""Before publishing: `titles` (proof sheet), `release-form`, `release-template`, `chapters`,
`show-playlist`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from veyedesk.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    Context,
    add_selection_flags,
    add_show_flags,
    selection_from,
)


def register(sub: argparse._SubParsersAction) -> None:
    titles = sub.add_parser(
        "titles",
        help="proof sheet: every title slide of a show on one PNG or PDF, misfits flagged",
    )
    add_selection_flags(titles)
    titles.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="proof.png or proof.pdf"
    )
    titles.add_argument(
        "--jobs", type=int, metavar="N", help="slides rendered at once (default: one per core)"
    )
    titles.set_defaults(func=titles_cmd)

    form = sub.add_parser(
        "release-form", help="speaker release forms as PDF (one page per speaker)"
    )
    form.add_argument("episode_ids", nargs="+", type=int, metavar="EPISODE_ID")
    form.add_argument(
        "-o", "--output-dir", default=".", metavar="DIR", help="folder for <slug>.release.pdf"
    )
    form.set_defaults(func=release_form_cmd)

    tmpl = sub.add_parser(
        "release-template",
        help="a show's release-form wording: print it, set it from a file, or reset it",
    )
    add_show_flags(tmpl)
    how = tmpl.add_mutually_exclusive_group()
    how.add_argument("--set", metavar="FILE", help="text file with {placeholders}")
    how.add_argument("--reset", action="store_true", help="back to veyedesk's default wording")
    how.add_argument(
        "--placeholders", action="store_true", help="list the placeholders a template may use"
    )
    tmpl.set_defaults(func=release_template_cmd)

    chap = sub.add_parser(
        "chapters", help="a talk's chapters as YouTube description text (0:00 Title …)"
    )
    chap.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    chap.add_argument("--profile", help="encode profile (frame rate; default: settings)")
    chap.set_defaults(func=chapters_cmd)

    pls = sub.add_parser(
        "show-playlist",
        help="m3u of a whole show: every talk's encode or raw cuts (Veyepar's playlists)",
    )
    add_selection_flags(pls, ids=False)
    pls.add_argument("--kind", choices=("encoded", "raw"), default="encoded")
    pls.add_argument("--profile", help="encode profile for --kind encoded (default: settings)")
    pls.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    pls.set_defaults(func=show_playlist_cmd)


def titles_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.publishing import title_proofs

    selection = selection_from(ns)
    with ctx.session() as session:
        ctx.identity(session)
        jobs = title_proofs.show_slide_jobs(session, selection, ctx.settings.raw_root)
        heading = title_proofs.show_heading(session, selection)
    # Rendering takes seconds to minutes: no database session is held meanwhile.
    sheet = title_proofs.write_proof_sheet(jobs, Path(ns.output), heading, ns.jobs)
    flagged = sheet.flagged
    print(
        f"{sheet.path}: {len(sheet.slides)} title slides, {len(flagged)} flagged "
        f"({sheet.seconds:.1f} s)"
    )
    for slide in flagged:
        print(f"  {slide.label}: {slide.warning()}")
    return EXIT_OK


def release_form_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.publishing.release_form import write_release_forms

    with ctx.session() as session:
        ctx.identity(session)
        forms = write_release_forms(session, ns.episode_ids, Path(ns.output_dir))
    for form in forms:
        pages = max(1, len(form.speakers))
        who = ", ".join(form.speakers) or "no speaker named: one blank page"
        print(f"{form.path}: {pages} page(s) ({who})")
    return EXIT_OK


def release_template_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.publishing.release_form import (
        PLACEHOLDERS,
        ReleaseFormError,
        set_release_template,
    )

    if ns.placeholders:
        for name, meaning in PLACEHOLDERS.items():
            print(f"{{{name}}}  {meaning}")
        return EXIT_OK
    text: str | None = None
    if ns.set:
        try:
            text = Path(ns.set).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ReleaseFormError(f"{ns.set}: cannot read the template ({exc})") from None
    with ctx.session() as session:
        who = ctx.identity(session)
        if ns.set or ns.reset:
            set_release_template(session, who, ns.client, ns.show, text)
            print(f"show {ns.show}: release template {'set' if ns.set else 'reset to default'}")
        else:
            from veyedesk.services.catalog import get_show
            from veyedesk.services.publishing.release_form import DEFAULT_TEMPLATE

            show = get_show(session, ns.client, ns.show)
            sys.stdout.write(show.release_template or DEFAULT_TEMPLATE.read_text(encoding="utf-8"))
    return EXIT_OK


def chapters_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.publishing.chapters import chapters_text

    with ctx.session() as session:
        ctx.identity(session)
        text = chapters_text(session, ns.episode_id, ctx.settings, ns.profile)
    sys.stdout.write(text)
    return EXIT_OK


def show_playlist_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.episodes import select_episodes
    from veyedesk.services.publishing.playlists import show_playlist

    with ctx.session() as session:
        ctx.identity(session)
        episodes = select_episodes(session, selection_from(ns))
        playlist = show_playlist(episodes, ctx.settings, ns.kind, ns.profile)
    if ns.output:
        Path(ns.output).write_text(playlist.text, encoding="utf-8")
    else:
        sys.stdout.write(playlist.text)
    for line in playlist.skipped:
        print(f"veyedesk: skipped {line}", file=sys.stderr)
    return EXIT_OK if playlist.entries or not playlist.skipped else EXIT_ERROR
