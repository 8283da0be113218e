"""Files that shared rows name, stored relative to a configured root so every machine finds them.

`Episode.thumbnail`, `Episode.title_image` and the client's `title_svg` / `credits` name
files. Stored as an absolute path they only worked on the machine that set them (another
worker refused the title image; assets kits could not carry them). They are stored
relative to the *shared files root* instead: `Settings.assets_root`, or the recordings'
`raw_root` when that is blank (every machine of a crew mounts the recordings; a venue
folder's root is its `files/` folder). A stored value is a POSIX relative path such as
`pyconf/pyconf_2026/titles/opening.svg`; one function (`resolve`) turns it into a file on
this machine, and a value may never leave its root (`..`, a drive, a root-relative name).

An absolute value is what rows written before migration 0014 hold when the file was not
under the root of the machine that migrated: it is used as it is (it works where the file
is) until someone chooses the file again.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

from veyedesk.errors import UserError


class OutsideRoot(UserError, ValueError):
    """A stored file path that would leave the shared files root; the message names it."""


def is_relative(stored: str) -> bool:
    """True for a value stored relative to the root (not a legacy absolute path)."""
    return bool(stored) and not (
        PurePosixPath(stored).is_absolute()
        or PureWindowsPath(stored).is_absolute()
        or stored.startswith("~")
    )


def resolve(stored: str, root: str | Path) -> Path:
    """The file a stored value names on this machine (the one place that decides).

    Relative values are joined to `root`; OutsideRoot when the value would leave it or no
    root is configured. Absolute (legacy) values are returned as they are.
    """
    if not is_relative(stored):
        return Path(stored).expanduser()
    parts = PurePosixPath(stored.replace("\\", "/")).parts
    if any(p in ("..", "") for p in parts) or PureWindowsPath(stored).drive:
        raise OutsideRoot(f"{stored!r} leaves the shared files folder; choose the file again")
    if not str(root):
        raise OutsideRoot(
            f"{stored!r} is relative to the shared files folder, and none is set on this "
            "machine; set assets_root (or raw_root) in the settings"
        )
    return Path(root).expanduser().joinpath(*parts)


def to_stored(path: str | Path, root: str | Path) -> str:
    """How a chosen file is stored: relative to `root` when it lies under it, else absolute."""
    if not str(path):
        return ""
    chosen = Path(path).expanduser()
    if str(root):
        base = Path(root).expanduser()
        for a, b in ((chosen, base), (chosen.resolve(), base.resolve())):
            try:
                return a.relative_to(b).as_posix()
            except ValueError:
                continue
    return str(chosen)
