"""Child processes that die with the thread that started them (Linux), so no orphans.

A worker killed with SIGKILL (or a laptop whose veyedesk crashed) must not leave an ffmpeg
or an upload script running: another worker retries the job and would otherwise race the
orphan writing the same file. This module only rewrites the argument list; starting
processes stays in veyedesk.media, veyedesk.encode.run and veyedesk.jobs.commands.

The parent-death signal is set by util-linux's `setpriv --pdeathsig KILL`, which then
execs the program (the signal survives exec). Setting it from Python instead (a
`preexec_fn` calling prctl) runs Python code between fork and exec; in the editor, with
many threads, such a child was seen stuck on a lock before it could exec.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path


@cache
def _setpriv() -> str | None:
    if not sys.platform.startswith("linux"):
        return None
    return shutil.which("setpriv")


def _resolve(
    program: str, cwd: str | os.PathLike[str] | None, env: Mapping[str, str] | None
) -> str:
    """The program's path, or the error Popen would have raised for it."""
    if os.sep in program:
        path = Path(program)
        if not path.is_absolute():
            path = Path(cwd or ".") / path
        if not path.is_file():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)
        if not os.access(path, os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), program)
        return str(path.absolute())
    found = shutil.which(program, path=(os.environ if env is None else env).get("PATH"))
    if found is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)
    return found


def dying_with_parent(
    argv: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> list[str]:
    """`argv`, run so the child gets SIGKILL when the thread that started it dies.

    Raises FileNotFoundError / PermissionError for a missing or non-executable program, as
    Popen would (setpriv would otherwise report it as its own exit status). Without setpriv
    (not Linux, or util-linux missing) the arguments are returned unchanged.
    """
    setpriv = _setpriv()
    program = _resolve(argv[0], cwd, env)
    if setpriv is None:
        return [program, *argv[1:]]
    return [setpriv, "--pdeathsig", "KILL", "--", program, *argv[1:]]
