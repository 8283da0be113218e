"""`veyedesk desktop install|uninstall`: the menu entry, icon and AppStream metadata.

Per the freedesktop specifications, for the user running it: the desktop entry goes to
`$XDG_DATA_HOME/applications/`, the icon to the hicolor theme's `scalable/apps/` and the
AppStream metainfo to `$XDG_DATA_HOME/metainfo/`; XDG_DATA_HOME unset, empty or relative
means `~/.local/share` (the Base Directory spec). `Exec=` names this very launcher by its
absolute path, so the menu entry works whether or not its folder is on PATH (a venv, pipx).
`make install-desktop` runs this.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from veyedesk.cli.common import EXIT_OK, Context
from veyedesk.resource_files import resource_path

APP_ID = "veyedesk"  # the desktop file's name; the Qt app's desktopFileName (Wayland app_id)
METAINFO = "io.github.veyedesk.veyedesk.metainfo.xml"

# Characters the Desktop Entry spec says make an Exec argument need double quotes.
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def data_home(environ: dict[str, str] | None = None) -> Path:
    """`$XDG_DATA_HOME`, or `~/.local/share` when it is unset, empty or not absolute."""
    env = os.environ if environ is None else environ
    value = env.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".local" / "share"


def exec_quote(program: str) -> str:
    """One Exec argument, quoted and escaped as the Desktop Entry spec asks."""
    quoted = program
    if any(ch in _RESERVED for ch in program):
        inner = "".join("\\" + ch if ch in '"`$\\' else ch for ch in program)
        quoted = f'"{inner}"'
    # Then the string-value escaping of every key (a backslash is written twice) and `%`,
    # which would start a field code.
    return quoted.replace("\\", "\\\\").replace("%", "%%")


def launcher() -> str:
    """Absolute path of the `veyedesk` being run (its venv's script), else the bare name."""
    argv0 = sys.argv[0] if sys.argv else ""
    if Path(argv0).name == "veyedesk" and os.access(argv0, os.X_OK):
        # Not resolved: pipx's ~/.local/bin/veyedesk link survives a reinstall of the venv.
        return os.path.abspath(argv0)
    beside = Path(sys.executable).parent / "veyedesk"
    if os.access(beside, os.X_OK):
        return str(beside)
    return "veyedesk"


def desktop_entry(program: str) -> str:
    """The packaged desktop entry with Exec/TryExec naming `program`."""
    lines = []
    for line in resource_path(f"{APP_ID}.desktop").read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exec_quote(program)}"
        elif line.startswith("TryExec="):
            # TryExec is a plain path (no field codes, no quoting): only string escaping.
            line = "TryExec=" + program.replace("\\", "\\\\")
        lines.append(line)
    return "\n".join(lines) + "\n"


def targets(home: Path) -> dict[str, Path]:
    """Where each installed file goes under a data home."""
    return {
        "desktop entry": home / "applications" / f"{APP_ID}.desktop",
        "icon": home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
        "AppStream metainfo": home / "metainfo" / METAINFO,
    }


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    partial.chmod(0o644)
    os.replace(partial, path)


def install(home: Path, program: str) -> list[str]:
    """Write the three files; returns one line per file written."""
    where = targets(home)
    contents = {
        "desktop entry": desktop_entry(program).encode(),
        "icon": resource_path(f"icons/{APP_ID}.svg").read_bytes(),
        "AppStream metainfo": resource_path(METAINFO).read_bytes(),
    }
    for what, path in where.items():
        _write(path, contents[what])
    return [f"{what}: {path}" for what, path in where.items()]


def uninstall(home: Path) -> list[str]:
    """Remove what `install` wrote; returns one line per file removed."""
    lines = []
    for what, path in targets(home).items():
        if path.exists():
            path.unlink()
            lines.append(f"removed {what}: {path}")
    return lines or ["nothing to remove"]


def register(sub: argparse._SubParsersAction) -> None:
    desk = sub.add_parser(
        "desktop", help="add veyedesk to the desktop's application menu (entry, icon, AppStream)"
    )
    dsub = desk.add_subparsers(dest="desktop_command", required=True, metavar="COMMAND")
    inst = dsub.add_parser(
        "install",
        help="install the menu entry, icon and metainfo for this user "
        "($XDG_DATA_HOME, default ~/.local/share)",
    )
    inst.add_argument(
        "--exec", metavar="PATH", help="program the menu entry starts (default: this veyedesk)"
    )
    inst.set_defaults(func=install_cmd)
    rm = dsub.add_parser("uninstall", help="remove what `desktop install` wrote")
    rm.set_defaults(func=uninstall_cmd)


def install_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    for line in install(data_home(), ns.exec or launcher()):
        print(line)
    return EXIT_OK


def uninstall_cmd(ctx: Context, ns: argparse.Namespace) -> int:
    for line in uninstall(data_home()):
        print(line)
    return EXIT_OK
