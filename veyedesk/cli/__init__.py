"""Command line: `veyedesk [--db URL] COMMAND …`; with no command the editor window opens.

Exit codes: 0 done, 1 refused or failed (one line on stderr says why), 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from veyedesk import __version__
from veyedesk.cli.common import EXIT_ERROR, EXIT_OK, Context, settings_from
from veyedesk.errors import UserError

# Each module adds its sub-commands with register(subparsers); later features add theirs
# here. Imported when the whole command tree is built, not when the editor is launched
# (`veyedesk` alone) or this package is imported: some pull in schedule parsers and more.
COMMAND_MODULES = (
    "db_cmds",
    "admin",
    "settings",
    "episodes",
    "episode_admin",
    "queue",
    "ingest",
    "demo",
    "encode",
    "play",
    "venue",
    "assets",
    "pipeline",
    "mark",
    "sheets",
    "desktop",
    "proofs",
    "schedule_export",
    "publish",
)

# Every error a user can act on shares one base (veyedesk.errors); anything else is a bug.
USER_ERRORS = (UserError,)


def _global_options(parser: argparse.ArgumentParser) -> None:
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


# Which module registers each command (and, after it, which modules add to its parser:
# `queue` adds `state`'s job sub-commands), so `veyedesk episodes` imports one module, not
# the tree. tests/cli/test_parser_table.py checks this against what the modules register.
COMMANDS: dict[str, tuple[str, ...]] = {
    "db": ("db_cmds",),
    "config": ("admin",),
    "user": ("admin",),
    "client": ("settings",),
    "show": ("settings",),
    "room": ("settings",),
    "audit": ("settings",),
    "episodes": ("episodes",),
    "state": ("episodes", "queue"),
    "episode": ("episode_admin",),
    "queue": ("episodes", "queue"),  # queue adds to `state`, so that comes first
    "worker": ("episodes", "queue"),
    "import-schedule": ("ingest",),
    "scan": ("ingest",),
    "assoc": ("ingest",),
    "marks": ("ingest",),
    "report": ("ingest",),
    "export": ("ingest",),
    "playlist": ("ingest",),
    "demo": ("demo",),
    "encode": ("encode",),
    "play": ("play",),
    "venue": ("venue",),
    "assets": ("assets",),
    "pipeline": ("pipeline",),
    "mark": ("mark",),
    "sheets": ("sheets",),
    "desktop": ("desktop",),
    "titles": ("proofs",),
    "release-form": ("proofs",),
    "release-template": ("proofs",),
    "chapters": ("proofs",),
    "show-playlist": ("proofs",),
    "export-schedule": ("schedule_export",),
    "publish": ("publish",),
}


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """The command tree (the whole of it unless told which command modules to load)."""
    parser = argparse.ArgumentParser(
        prog="veyedesk",
        description="Trim conference talks from raw recordings, encode and review them. "
        "With no command, opens the editor window.",
    )
    parser.add_argument("--version", action="version", version=f"veyedesk {__version__}")
    _global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        importlib.import_module(f"veyedesk.cli.{name}").register(sub)
    return parser


class _NotQuick(Exception):
    pass


class _QuietParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotQuick(message)


def _quick(argv: Sequence[str]) -> argparse.Namespace | Sequence[str] | None:
    """What the global options alone tell: the namespace of `veyedesk [global options]`
    (the editor), the modules of the one command given, or None when --help, --version,
    an unknown command or a bad option needs the whole tree to answer."""
    quick = _QuietParser(prog="veyedesk", add_help=False, allow_abbrev=False)
    _global_options(quick)
    asks = any(arg in ("-h", "--help") or arg.startswith("--version") for arg in argv)
    if asks and not any(arg in COMMANDS for arg in argv):
        return None  # the whole tree's help or version
    try:
        ns, rest = quick.parse_known_args(argv)
    except _NotQuick:  # a global option without its value: the full parser says so
        return None
    if not rest:
        ns.command = None
        return ns
    return COMMANDS.get(rest[0])


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse arguments (exits 2 with usage on bad ones)."""
    args = sys.argv[1:] if argv is None else list(argv)
    quick = _quick(args)
    if isinstance(quick, argparse.Namespace):
        return quick
    return build_parser(COMMAND_MODULES if quick is None else quick).parse_args(args)


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
