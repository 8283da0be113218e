"""`encode`: make a show's published files now, in the foreground (Veyepar's enc.py)."""

from __future__ import annotations

import argparse
import shlex
import sys
import threading
from typing import TextIO

from veyedesk.cli.common import EXIT_ERROR, EXIT_OK, Context, add_selection_flags, selection_from
from veyedesk.encode.run import EncodeCancelled, EncodeFailed, EncodeProgress
from veyedesk.media.probe import MediaError
from veyedesk.model.timecode import format_duration
from veyedesk.services import encoding, episodes
from veyedesk.services.errors import InvalidInput

ENCODE_STATE = "encode"
BAR = 30


def register(sub: argparse._SubParsersAction) -> None:
    enc = sub.add_parser(
        "encode",
        help="encode talks now: title, cuts, credits -> one verified file per profile",
        description="Encode the selected episodes in the foreground. Without --force only "
        f"episodes in state {ENCODE_STATE!r} are encoded. Files go to "
        "<output root>/<client>/<show>/<profile>/<slug>.<ext>; a file replaces the previous "
        "one only after it has been verified.",
    )
    add_selection_flags(enc)
    enc.add_argument("--profile", help="encode profile (default: the default_profile setting)")
    enc.add_argument(
        "--dry-run", action="store_true", help="print the exact ffmpeg commands; encode nothing"
    )
    enc.set_defaults(func=encode)


class ProgressBar:
    """One self-rewriting line on a terminal; a line per quarter otherwise (logs, CI)."""

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label = label
        self.stream = stream
        self.tty = stream.isatty()
        self.last_quarter = -1

    def __call__(self, p: EncodeProgress) -> None:
        speed = f" {p.speed:.2f}x" if p.speed else ""
        eta = f" ETA {format_duration(p.eta_seconds)}" if p.eta_seconds is not None else ""
        if self.tty:
            filled = round(p.fraction * BAR)
            bar = "#" * filled + "-" * (BAR - filled)
            self.stream.write(f"\r{self.label} [{bar}] {p.fraction:4.0%}{speed}{eta}   ")
            self.stream.flush()
            return
        quarter = int(p.fraction * 4)
        if quarter > self.last_quarter:
            self.last_quarter = quarter
            print(f"{self.label} {p.fraction:.0%}{speed}{eta}", file=self.stream, flush=True)

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def encode(ctx: Context, ns: argparse.Namespace) -> int:
    settings = ctx.settings
    with ctx.session() as session:
        who = ctx.identity(session)
        if not ns.dry_run:
            who.require("edit")
        state = None if ns.force else ENCODE_STATE
        found = episodes.select_episodes(session, selection_from(ns, state=state))
        ids = [e.id for e in found]
    if not ids:
        hint = "" if ns.force else f" in state {ENCODE_STATE!r} (add --force for any state)"
        print(f"no episodes to encode{hint}")
        return EXIT_OK
    failures = 0
    for episode_id in ids:
        # A session per step: the encode itself (minutes) holds no database connection.
        with ctx.session() as session:
            request = encoding.prepare_encode(session, episode_id, settings, ns.profile)
        if ns.dry_run:
            print(f"# episode {request.episode_id} ({request.slug}) -> {request.output_path}")
            for command in encoding.plan_commands(request):
                print(shlex.join(command))
            continue
        bar = ProgressBar(f"{request.episode_id} {request.slug}", sys.stderr)
        cancel = threading.Event()
        try:
            outcome = encoding.execute_encode(request, on_progress=bar, cancel=cancel)
        except (EncodeFailed, MediaError) as exc:
            bar.done()
            failures += 1
            detail = exc.report() if isinstance(exc, EncodeFailed) else str(exc)
            print(f"veyedesk: error: episode {episode_id}: {detail}", file=sys.stderr)
            continue
        except KeyboardInterrupt:
            cancel.set()
            bar.done()
            raise
        except EncodeCancelled as exc:
            bar.done()
            print(f"veyedesk: error: episode {episode_id}: {exc}", file=sys.stderr)
            return EXIT_ERROR
        bar.done()
        with ctx.session() as session:
            log = encoding.record_encode(session, request, outcome, who.name)
            print(f"episode {request.episode_id} ({request.slug}): {log.result}")
    if failures:
        raise InvalidInput(
            f"{failures} of {len(ids)} encodes failed (see above); nothing else changed"
        )
    return EXIT_OK
