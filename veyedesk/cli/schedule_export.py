"""`export-schedule`: the show's schedule as frab/C3VOC schedule.xml or schedule.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from veyedesk.cli.common import EXIT_OK, Context, add_show_flags


def register(sub: argparse._SubParsersAction) -> None:
    exp = sub.add_parser(
        "export-schedule",
        help="write the show's schedule as frab/C3VOC schedule.xml or schedule.json",
        description="Every talk with a start and a room (talks added by hand too), as the "
        "crew corrected it: titles, speakers, descriptions, times, rooms, and the recording "
        "opt-out from `released` (No = opted out). Talks keep their schedule's guid; a talk "
        "added by hand gets its veyedesk UUID.",
    )
    add_show_flags(exp)
    exp.add_argument(
        "--format", choices=("xml", "json"), required=True, help="schedule.xml or .json"
    )
    exp.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    exp.set_defaults(func=export_schedule_cmd)


def export_schedule_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    from veyedesk.services import catalog
    from veyedesk.services.errors import InvalidInput
    from veyedesk.services.publishing import build_schedule, schedule_json, schedule_xml

    with ctx.session() as session:
        ctx.identity(session)
        export = build_schedule(session, catalog.get_show(session, ns.client, ns.show))
        data = schedule_xml(export) if ns.format == "xml" else schedule_json(export).encode()
    for line in export.skipped:
        print(f"left out {line}", file=sys.stderr)
    if not ns.output:
        sys.stdout.buffer.write(data)
        return EXIT_OK
    try:
        Path(ns.output).write_bytes(data)
    except OSError as exc:
        raise InvalidInput(f"{ns.output}: cannot write ({exc.strerror})") from None
    print(
        f"wrote {ns.output}: {len(export.events)} talks in {len(export.days)} days", file=sys.stderr
    )
    return EXIT_OK
