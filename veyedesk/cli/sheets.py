"""`veyedesk sheets import|list|link|unlink|ocr`: the paper recording sheets of a show."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from veyedesk.cli.common import EXIT_OK, Context, add_show_flags, emit
from veyedesk.model.text import plain_text

if TYPE_CHECKING:
    from veyedesk.services.identity import Identity


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day; type YYYY-MM-DD") from None


def register(sub: argparse._SubParsersAction) -> None:
    sheets = sub.add_parser(
        "sheets",
        help="recording sheets: photos/scans of the paper sheets filled in per room and session",
    )
    ssub = sheets.add_subparsers(dest="sheets_command", required=True, metavar="COMMAND")

    imp = ssub.add_parser(
        "import",
        help="copy photos/scans in as sheets of a room-day and link them to talks",
        description="Each image is copied to <show folder>/sheets/<room>/<day>/ and linked to "
        "the talk running when it was taken (time in the file name, else EXIF; within 30 "
        "minutes of a talk). A file that is not a readable image refuses the whole import. "
        "OCR runs afterwards when `tesseract` is installed.",
    )
    add_show_flags(imp)
    imp.add_argument("--room", required=True, type=plain_text, help="room slug")
    imp.add_argument("--day", required=True, type=_day, help="day of the sheets, YYYY-MM-DD")
    imp.add_argument("--episode", type=int, metavar="ID", help="also link every sheet to this")
    imp.add_argument("files", nargs="+", metavar="FILE", help="images (JPEG, PNG, TIFF, …)")
    imp.set_defaults(func=import_cmd)

    lst = ssub.add_parser("list", help="a show's sheets with their time, talks and OCR state")
    add_show_flags(lst)
    lst.add_argument("--room", type=plain_text, help="only this room")
    lst.add_argument("--day", type=_day, help="only this day (YYYY-MM-DD)")
    lst.add_argument("--json", action="store_true", help="machine-readable, with the OCR text")
    lst.set_defaults(func=list_cmd)

    for name, func, what in (("link", link_cmd, "tie"), ("unlink", unlink_cmd, "untie")):
        p = ssub.add_parser(name, help=f"{what} a sheet and a talk by hand")
        p.add_argument("sheet_id", type=int, metavar="SHEET_ID")
        p.add_argument("episode_id", type=int, metavar="EPISODE_ID")
        p.set_defaults(func=func)

    ocr = ssub.add_parser(
        "ocr", help="read the sheets' text with tesseract (those not read yet, or --all)"
    )
    add_show_flags(ocr)
    ocr.add_argument("sheet_ids", nargs="*", type=int, metavar="SHEET_ID", help="only these")
    ocr.add_argument("--all", action="store_true", help="read again sheets already read")
    ocr.set_defaults(func=ocr_cmd)


def _run_ocr(
    ctx: Context,
    client: str,
    show_slug: str,
    ids: list[int],
    redo: bool,
    *,
    who: Identity | None = None,
) -> None:
    from veyedesk.media.ocr import find_ocr
    from veyedesk.services import catalog
    from veyedesk.services.admin import ocr_lines, ocr_targets, read_sheets, store_ocr

    with ctx.session() as session:
        # `sheets import` resolved the login already (it may have prompted for a password).
        who = who or ctx.identity(session)
        who.require("edit")  # before seconds of OCR per image; store_ocr checks it again
        show = catalog.get_show(session, client, show_slug)
        targets = ocr_targets(session, ctx.settings.raw_root, show=show, sheet_ids=ids, redo=redo)
    if not targets:
        print("no sheets to read (all read already; --all reads them again)")
        return
    # Read outside any transaction: OCR takes seconds per image.
    outcomes = read_sheets(targets, find_ocr())
    with ctx.session() as session:
        store_ocr(session, who, outcomes)
    for line in ocr_lines(outcomes):
        print(line)


def import_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.media.ocr import find_ocr
    from veyedesk.services import catalog
    from veyedesk.services.admin import import_sheets

    with ctx.session() as session:
        who = ctx.identity(session)
        show = catalog.get_show(session, ns.client, ns.show)
        room = catalog.get_room(session, show, ns.room)
        result = import_sheets(
            session,
            who,
            show,
            room,
            ns.day,
            [Path(f) for f in ns.files],
            ctx.settings.raw_root,
            episode_id=ns.episode,
        )
        added = [s.id for s in result.added]
    for line in result.lines():
        print(line)
    if added and find_ocr() is not None:
        _run_ocr(ctx, ns.client, ns.show, added, redo=False, who=who)
    return EXIT_OK


def list_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog
    from veyedesk.services.admin import list_sheets

    with ctx.session() as session:
        ctx.identity(session)
        show = catalog.get_show(session, ns.client, ns.show)
        room = catalog.get_room(session, show, ns.room) if ns.room else None
        sheets = list_sheets(session, show, ctx.settings.raw_root, room=room, day=ns.day)
    rows = [
        {
            "id": s.id,
            "room": s.room,
            "day": s.day,
            "taken": s.taken.strftime("%H:%M:%S") if s.taken else "",
            "from": s.taken_source,
            "file": s.filename,
            "talks": " ".join(str(i) for i, _ in s.episodes),
            "ocr": s.ocr,
            **({"path": str(s.path), "text": s.text} if ctx.json else {}),
        }
        for s in sheets
    ]
    emit(ctx, rows, ["id", "room", "day", "taken", "from", "talks", "ocr", "file"])
    return EXIT_OK


def _link(ctx: Context, ns: argparse.Namespace, link: bool) -> int:
    from veyedesk.services.admin import link_sheet, unlink_sheet

    with ctx.session() as session:
        who = ctx.identity(session)
        change = link_sheet if link else unlink_sheet
        sheet = change(session, who, ns.sheet_id, ns.episode_id, ctx.settings.raw_root)
    talks = ", ".join(f"#{i} {name}" for i, name in sheet.episodes) or "no talk"
    print(f"sheet {sheet.id} ({sheet.filename}) is linked to {talks}")
    return EXIT_OK


def link_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    return _link(ctx, ns, True)


def unlink_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    return _link(ctx, ns, False)


def ocr_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    _run_ocr(ctx, ns.client, ns.show, list(ns.sheet_ids), redo=ns.all)
    return EXIT_OK
