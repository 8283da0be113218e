"""Writing outputs without touching what is already there: new temporary files, no symlinks.

Every output (an encode's .part, a proxy or segment of a recording, a release form, a
copied sheet) is first written to a file this module creates exclusively in the target's
own folder (`O_CREAT | O_EXCL | O_NOFOLLOW`: never an existing file, never through a
symlink planted there), then renamed into place. `refuse_raw` is the last check before
any of them: an output is never written inside a show's recordings, nor over one.

The names joined into these paths are checked first by `veyedesk.model.paths`.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from veyedesk.model.paths import UnsafePath, is_inside

__all__ = ["claim_new", "fresh_folder", "new_temp", "place_new", "refuse_raw"]

_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
_NEW |= getattr(os, "O_CLOEXEC", 0)


def claim_new(path: Path) -> Path:
    """Create `path` empty and exclusively, after removing a leftover of the same name.

    For a file another program (ffmpeg) then writes: a leftover (a killed run's .part, or
    a symlink someone planted under that name) is unlinked, never followed. Raises OSError.
    """
    path.unlink(missing_ok=True)
    os.close(os.open(path, _NEW, 0o644))
    return path


def new_temp(final: Path, suffix: str = ".part") -> Path:
    """A new, empty, exclusively created file beside `final` (hidden, unique name)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    for n in range(1000):
        candidate = final.with_name(f".{final.name}.{os.getpid()}-{n}{suffix}")
        try:
            os.close(os.open(candidate, _NEW, 0o644))
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(final))


def place_new(temp: Path, final: Path) -> None:
    """Rename `temp` to `final`, refusing (FileExistsError) if `final` exists meanwhile.

    A hard link is atomic and never replaces; on file systems without hard links (exFAT,
    some shares) it falls back to a check and a rename. On FileExistsError `temp` is
    left for the caller (to try another name, or to remove).
    """
    try:
        os.link(temp, final, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError:
        if os.path.lexists(final):
            raise FileExistsError(errno.EEXIST, "already exists", str(final)) from None
        os.replace(temp, final)
        return
    temp.unlink()


def fresh_folder(path: Path) -> Path:
    """`path` as a new, empty folder of ours: a leftover folder is removed, a symlink unlinked."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def refuse_raw(
    target: Path, raw_dirs: Iterable[Path], raw_files: Iterable[Path] = (), what: str = "output"
) -> None:
    """UnsafePath when `target` is inside a recordings folder or is (a link to) a raw file."""
    for folder in raw_dirs:
        if is_inside(target, folder) or is_inside(target.resolve(), folder.resolve()):
            raise UnsafePath(
                f"{what} {target} would be written inside the recordings folder {folder}; "
                "choose an output folder outside the raw files"
            )
    if not os.path.lexists(target):
        return
    for raw in raw_files:
        try:
            same = target.samefile(raw)
        except OSError:
            continue
        if same:
            raise UnsafePath(
                f"{what} {target} is the recording {raw}; refusing to overwrite a raw file"
            )


# ffmpeg and ffprobe read only local files and pipes: a raw file that is really a playlist
# (an HLS `.ts`, a concat list) could otherwise make them fetch URLs or other protocols.
PROTOCOLS = ("-protocol_whitelist", "file,pipe")


def ffmpeg_input(path: Path | str) -> list[str]:
    """ffmpeg's input arguments for a local file: protocols restricted, `file:` prefixed.

    `file:` keeps a name starting with `-` or holding `:` a plain file name.
    """
    return [*PROTOCOLS, "-i", f"file:{path}"]


def ffprobe_input(path: Path | str) -> list[str]:
    """ffprobe's input arguments for a local file (see `ffmpeg_input`)."""
    return [*PROTOCOLS, f"file:{path}"]
