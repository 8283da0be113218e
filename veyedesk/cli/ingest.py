"""Getting a show in: import-schedule, scan, assoc, marks import, report, export, playlist."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from veyedesk.cli.common import (
    EXIT_OK,
    Context,
    add_selection_flags,
    add_show_flags,
    selection_from,
)
from veyedesk.ingest.schedule import FORMATS
from veyedesk.model.text import plain_text


def register(sub: argparse._SubParsersAction) -> None:
    imp = sub.add_parser(
        "import-schedule",
        help="import or re-import a conference schedule (frab/pretalx XML or JSON, CSV, Veyepar)",
        description="Talks are matched on their schedule id (guid/id); a re-import adds new "
        "talks, updates changed ones, reports vanished ones and keeps fields edited in "
        "veyedesk. Prints the diff; --dry-run writes nothing.",
    )
    add_show_flags(imp)
    imp.add_argument(
        "file", metavar="FILE", help="schedule file, its http(s) URL, or '-' for stdin"
    )
    imp.add_argument("--format", choices=FORMATS, default="auto", help="default: detect")
    imp.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    imp.add_argument(
        "--overwrite-edited",
        action="store_true",
        help="also overwrite fields an editor changed in veyedesk",
    )
    imp.add_argument(
        "--allow-removals",
        action="store_true",
        help="let a blank schedule value erase a talk's text (without it, such removals "
        "are listed and not applied)",
    )
    imp.set_defaults(func=import_schedule_cmd)

    scan = sub.add_parser(
        "scan",
        help="find raw recordings of a show and probe them (new, grown, vanished files)",
        description="Walks ROOT/dv/<room>/<YYYY-MM-DD>/<HH_MM_SS>.<ext> (ROOT defaults to the "
        "show's raw_root, else <settings raw_root>/<client>/<show>). Re-scans probe only "
        "changed files; vanished files are flagged missing, never deleted.",
    )
    add_show_flags(scan)
    scan.add_argument("root", nargs="?", metavar="ROOT", help="the show's raw folder")
    scan.add_argument("--workers", type=int, help="parallel ffprobe runs (default: CPUs)")
    scan.set_defaults(func=scan_cmd)

    assoc = sub.add_parser(
        "assoc",
        help="give each talk cuts of the raw files around its scheduled time",
        description="Every raw file of the talk's room overlapping 15 minutes before the start "
        "to 15 minutes after the end gets a cut, clipped to the scheduled slot; marks trim "
        "and split them. Re-runs add cuts for new files and never touch edited cuts.",
    )
    add_selection_flags(assoc)
    assoc.set_defaults(func=assoc_cmd)

    marks = sub.add_parser("marks", help="cut marks (clicks) of a room")
    msub = marks.add_subparsers(dest="marks_command", required=True, metavar="COMMAND")
    mimp = msub.add_parser(
        "import",
        help="import cut marks: timestamps one per line or CSV, voctomix's cut list "
        "(2026-02-01/10_31_12 lines), or voctocore .log lines that say 'cut'",
        description="Every line must be a mark, a comment (#) or blank; a line that is none "
        "of these is reported with its number and nothing is imported.",
    )
    add_show_flags(mimp)
    mimp.add_argument("--room", required=True, type=plain_text, help="room slug")
    mimp.add_argument("file", metavar="FILE", help="marks file ('-' reads stdin)")
    mimp.set_defaults(func=marks_import_cmd)

    rep = sub.add_parser(
        "report",
        help="what is missing: orphan raw files, talks without footage, overlaps, gaps, stats",
    )
    add_show_flags(rep)
    rep.add_argument("--json", action="store_true", help="machine-readable report")
    rep.set_defaults(func=report_cmd)

    exp = sub.add_parser(
        "export",
        help="export a show's episodes (or some) as Veyepar's JSON, with their cuts",
        description="Everything a talk holds comes back with `import-schedule --format "
        "veyepar-json` into another show or database: fields, cuts, and which fields were "
        "edited by hand (kept when the conference's schedule is imported again).",
    )
    add_show_flags(exp, required=False)
    exp.add_argument(
        "episode_ids",
        nargs="*",
        type=int,
        metavar="EPISODE_ID",
        help="only these episodes (default with --client/--show: the whole show)",
    )
    exp.add_argument("--format", choices=("veyepar-json",), default="veyepar-json")
    exp.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    exp.set_defaults(func=export_cmd)

    pls = sub.add_parser(
        "playlist",
        help="m3u of a talk: its raw cuts (VLC start/stop lines), an mpv EDL, or the encode",
    )
    pls.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    pls.add_argument(
        "--kind",
        choices=("raw", "encoded", "mpv-edl"),
        default="raw",
        help="raw: m3u of the cuts (VLC); mpv-edl: the cuts for mpv; encoded: the encode",
    )
    pls.add_argument("--profile", help="encode profile for --kind encoded (default: settings)")
    pls.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    pls.set_defaults(func=playlist_cmd)


def _read(path: str) -> tuple[bytes, str]:
    from veyedesk.services.ingest import read_schedule_file, read_schedule_stream

    if path == "-":
        return read_schedule_stream(sys.stdin.buffer, "<stdin>"), "<stdin>"
    return read_schedule_file(path), path


def import_schedule_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog
    from veyedesk.services.ingest import import_schedule, is_url, read_schedule_source

    # The conference's schedule.xml / .json address, or a file.
    data, source = read_schedule_source(ns.file) if is_url(ns.file) else _read(ns.file)
    with ctx.session() as session:
        ctx.identity(session).require("edit")
        show = catalog.get_show(session, ns.client, ns.show)
        result = import_schedule(
            session,
            show,
            data,
            source,
            ns.format,
            dry_run=ns.dry_run,
            overwrite_edited=ns.overwrite_edited,
            removals=ns.allow_removals,
        )
        for line in result.lines():
            print(line)
    return EXIT_OK


class _ProgressLine:
    """A carriage-return progress line on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.shown = False

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\rprobing [{bar}] {done}/{total} {name[-40:]:<40}")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 100 + "\r")
            sys.stderr.flush()


def scan_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog
    from veyedesk.services.ingest import scan_show, show_raw_root

    progress = _ProgressLine()
    with ctx.session() as session:
        ctx.identity(session).require("edit")
        show = catalog.get_show(session, ns.client, ns.show)
        root = show_raw_root(show, ctx.settings.raw_root, ns.root)
        try:
            result = scan_show(session, show, root, workers=ns.workers, progress=progress)
        finally:
            progress.close()
        if ns.root and not show.raw_root:
            # Remember where the files are, so the editor and playlists find them later.
            show.raw_root = str(root.resolve())
            print(f"raw folder of {ns.client}/{ns.show} set to {show.raw_root}")
        for line in result.lines():
            print(line)
    return EXIT_OK


def assoc_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.ingest import associate

    with ctx.session() as session:
        ctx.identity(session).require("edit")
        result = associate(session, selection_from(ns))
        for line in result.lines():
            print(line)
    return EXIT_OK


def marks_import_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog
    from veyedesk.services.ingest import import_marks

    data, source = _read(ns.file)
    with ctx.session() as session:
        ctx.identity(session).require("edit")
        show = catalog.get_show(session, ns.client, ns.show)
        room = catalog.get_room(session, show, ns.room)
        for line in import_marks(session, show, room, data, source).lines():
            print(line)
    return EXIT_OK


def _write(text: str, output: str | None) -> None:
    from veyedesk.services.errors import InvalidInput

    if not output:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{output}: cannot write ({exc.strerror})") from None
    print(f"wrote {output}", file=sys.stderr)


def report_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog
    from veyedesk.services.admin import show_report

    with ctx.session() as session:
        ctx.identity(session)
        report = show_report(session, catalog.get_show(session, ns.client, ns.show))
        if ctx.json:
            json.dump(report.as_dict(), sys.stdout, indent=2, ensure_ascii=False, default=str)
            sys.stdout.write("\n")
        else:
            for line in report.lines():
                print(line)
    return EXIT_OK


def export_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.episodes import Selection, get_episode, select_episodes
    from veyedesk.services.errors import InvalidInput
    from veyedesk.services.publishing import veyepar_json

    if bool(ns.client) != bool(ns.show) or not (ns.client or ns.episode_ids):
        raise InvalidInput(
            "export: give --client and --show (the whole show, or the EPISODE_IDs in it), "
            "or EPISODE_IDs"
        )
    with ctx.session() as session:
        ctx.identity(session)
        if ns.client:
            selection = Selection(ns.client, ns.show, episode_ids=tuple(ns.episode_ids))
            episodes = select_episodes(session, selection)
        else:
            episodes = [get_episode(session, i) for i in ns.episode_ids]
        text = json.dumps(veyepar_json(episodes), indent=2, ensure_ascii=False, default=str)
    _write(text + "\n", ns.output)
    return EXIT_OK


def playlist_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services.episodes import get_episode
    from veyedesk.services.publishing import encoded_playlist, mpv_edl, raw_playlist

    with ctx.session() as session:
        ctx.identity(session)
        episode = get_episode(session, ns.episode_id)
        if ns.kind == "raw":
            text = raw_playlist(episode, ctx.settings)
        elif ns.kind == "mpv-edl":
            text = mpv_edl(episode, ctx.settings)
        else:
            text = encoded_playlist(episode, ctx.settings, ns.profile)
    _write(text, ns.output)
    return EXIT_OK
