"""Command line: `veyedesk [--db URL] COMMAND …`; with no command the editor window opens.

Exit codes: 0 done, 1 refused or failed (one line on stderr says why), 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from veyedesk import __version__
from veyedesk.cli import (
    admin,
    assets,
    db_cmds,
    demo,
    desktop,
    encode,
    episode_admin,
    episodes,
    ingest,
    mark,
    pipeline,
    play,
    proofs,
    publish,
    queue,
    schedule_export,
    settings as settings_cmds,
    sheets,
    venue,
)
from veyedesk.cli.common import EXIT_ERROR, EXIT_OK, Context, settings_from
from veyedesk.errors import UserError

# Each module adds its sub-commands with register(subparsers); later features add theirs here.
COMMAND_MODULES = (
    db_cmds,
    admin,
    settings_cmds,
    episodes,
    episode_admin,
    queue,
    ingest,
    demo,
    encode,
    play,
    venue,
    assets,
    pipeline,
    mark,
    sheets,
    desktop,
    proofs,
    schedule_export,
    publish,
)

# Every error a user can act on shares one base (veyedesk.errors); anything else is a bug.
USER_ERRORS = (UserError,)


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    parser = argparse.ArgumentParser(
        prog="veyedesk",
        description="Trim conference talks from raw recordings, encode and review them. "
        "With no command, opens the editor window.",
    )
    parser.add_argument("--version", action="version", version=f"veyedesk {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (sqlite:///FILE or postgresql+psycopg://USER:PW@HOST/DB); "
        "env VEYEDESK_DB",
    )
    parser.add_argument(
        "--venue",
        metavar="DIR",
        help="work on a venue or assets folder: its venue.db, media from its manifest; "
        "env VEYEDESK_VENUE",
    )
    parser.add_argument(
        "--config", metavar="FILE", help="settings file (default: per-user config.toml)"
    )
    parser.add_argument(
        "--user", metavar="NAME", help="login name when the database has users; env VEYEDESK_USER"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse arguments (exits 2 with usage on bad ones)."""
    return build_parser().parse_args(argv)


def fail(message: str) -> int:
    """Print one clear line to stderr and return the error exit code."""
    print(f"veyedesk: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def reader_went_away() -> int:
    """The command's output pipe closed early (`veyedesk episodes | head`): end quietly.

    The Python docs' recipe for SIGPIPE: point stdout at devnull so the final flush at
    exit cannot raise again, and report the cut-short output with exit code 1 and no
    traceback. A command writing inside its transaction has rolled it back by now.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_ERROR


def run(ns: argparse.Namespace) -> int:
    """Run a parsed command; user errors become one line on stderr and exit code 1."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    ctx: Context | None = None
    try:
        ctx = Context(settings=settings_from(ns), json=bool(getattr(ns, "json", False)))
        code = int(ns.func(ctx, ns) or EXIT_OK)
        # A reader that left (`| head`) shows up here at the latest, not in the
        # interpreter's exit, where it could only print an "Exception ignored" message.
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return reader_went_away()
    except USER_ERRORS as exc:
        return fail(str(exc))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection lost"
        return fail(f"the database stopped answering ({reason}); nothing was saved, try again")
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return fail(f"the database refused the change ({reason}); nothing was saved")
    except KeyboardInterrupt:
        return fail("interrupted; nothing was saved")
    finally:
        if ctx is not None:
            ctx.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for command-line use (the GUI is started by veyedesk.__main__)."""
    return run(parse(argv))
