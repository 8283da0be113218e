"""Paths built from data: a slug, a room folder or a raw file name joined under a root.

Slugs, room folders and raw file names arrive from schedules, change files, venue copies
and database rows that anyone with write access to them shaped. Joined as they are, a
slug `../../x` or `/abs/x` would put an encode, a release form or a proxy anywhere on the
machine (over a recording, even). Every place that makes a path from such a value joins
it with `safe_join` (one file or folder name) or `safe_join_relative` (a raw or sheet file
name, relative to its folder), which refuse instead of escaping.

The rules, one component at a time: not empty, not `.` or `..`, no `/` or `\\` (a
separator on Windows, and never needed in a slug or a recorder's file name), no NUL or
other control character (a newline would also break the m3u and EDL lines the paths go
into). A relative name (`2026-02-01/10_00_00.dv`, as the scan stores raw files) is split
on `/` and each part must pass; it may not start with `/`. Pure string work: no I/O.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path, PurePosixPath

from veyedesk.errors import UserError

__all__ = [
    "UnsafePath",
    "is_inside",
    "safe_component",
    "safe_join",
    "safe_join_relative",
    "safe_relative",
]


class UnsafePath(UserError):
    """A name from the data would make a path outside its folder; the message names it."""


def _problem(part: str) -> str:
    if not part:
        return "it is empty"
    if part in (".", ".."):
        return f"{part!r} names a folder above or at the folder itself"
    if "/" in part or "\\" in part:
        return "it holds a folder separator (/ or \\)"
    if any(unicodedata.category(ch) == "Cc" for ch in part):
        return "it holds a control character (NUL, newline, tab…)"
    return ""


def safe_component(part: str, what: str) -> str:
    """`part` if it is one safe file or folder name, else UnsafePath naming `what`."""
    problem = _problem(part) if isinstance(part, str) else "it is not text"
    if problem:
        raise UnsafePath(
            f"{what} {part!r} cannot be used as a file or folder name: {problem}; "
            "rename it to letters, digits, _ and - (a change file or database row may have "
            "been tampered with)"
        )
    return part


def safe_relative(name: str, what: str) -> PurePosixPath:
    """`name` as a relative path (`/`-separated) whose every part is safe; else UnsafePath."""
    if not isinstance(name, str) or not name or name.startswith("/"):
        raise UnsafePath(
            f"{what} {name!r} must be a path relative to its folder (no leading /); "
            "re-scan the folder or correct the name"
        )
    for part in name.split("/"):
        try:
            safe_component(part, what)
        except UnsafePath:
            problem = _problem(part)
            raise UnsafePath(
                f"{what} {name!r} would lead outside its folder: its part {part!r} is unsafe "
                f"({problem}); re-scan the folder or correct the name"
            ) from None
    return PurePosixPath(name)


def safe_join(root: Path | str, *parts: str, what: str = "name") -> Path:
    """`root` joined with each part, every part one safe name (see the module doc).

    `what` says where the parts came from ("episode slug", "room folder") for the message.
    """
    path = Path(root)
    for part in parts:
        path = path / safe_component(part, what)
    return path


def safe_join_relative(root: Path | str, name: str, what: str = "file name") -> Path:
    """`root` joined with a relative `/`-separated name whose every part is safe."""
    return Path(root).joinpath(*safe_relative(name, what).parts)


def is_inside(path: Path | str, root: Path | str) -> bool:
    """Whether `path` is `root` or under it, comparing absolute, normalised paths (no I/O)."""
    full = os.path.normpath(os.path.abspath(path))
    base = os.path.normpath(os.path.abspath(root))
    return full == base or full.startswith(base.rstrip(os.sep) + os.sep)
