#!/usr/bin/env python3
"""Publish a talk's encode to a web folder (local or rsync) and tell veyedesk its public URL.

A veyedesk state command (see docs/architecture.md, "Results written back"). Typical use,
as the *make public* (or *post*) state's command of a show:

    veyedesk pipeline set "make public" command "$C/publish_folder.py \
      --base-url https://videos.example.org/pycon26/ -- {output} /srv/www/pycon26/"

where C is this folder (e.g. /opt/veyedesk/resources/commands), and on each worker
machine allow it: worker_commands = ["/opt/veyedesk/resources/commands/publish_folder.py"].

TARGET is a local folder (the file is copied in under a temporary name, flushed to disk and
renamed, so a web server never serves half a file) or an rsync destination such as
`user@host:/srv/www/pycon26/` (needs rsync and an SSH key the worker's user can use).
On success it prints `veyedesk: public_url=BASE_URL/FILE_NAME`, which the worker stores
on the talk. Exit status: 0 published, 2 bad arguments, 3 source missing, 4 copy failed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit

# host:path or user@host:path (but not C:\ or a path with a colon after a slash), rsync://
_REMOTE = re.compile(r"^(rsync://|[^/:]+:)")


def public_url(base_url: str, name: str) -> str:
    """BASE_URL joined with the file name, the name percent-encoded."""
    return base_url.rstrip("/") + "/" + quote(name)


def copy_local(source: Path, folder: Path) -> Path:
    """Copy `source` into `folder` atomically (temporary name, fsync, rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / source.name
    fd, tmp = tempfile.mkstemp(prefix=f".{source.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # a web server must be able to read it
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return final


def copy_rsync(source: Path, target: str) -> None:
    """rsync `source` to the remote `target` (partial files are never left under the name)."""
    rsync = shutil.which("rsync")
    if rsync is None:
        raise OSError("rsync is not installed on this worker; install it or publish to a folder")
    subprocess.run(
        [rsync, "--times", "--chmod=F644", "--delay-updates", "--", str(source), target],
        check=True,
        stdin=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base-url", required=True, help="the web address of TARGET, e.g. https://host/pycon26/"
    )
    parser.add_argument("source", type=Path, metavar="SOURCE", help="the encoded file ({output})")
    parser.add_argument("target", metavar="TARGET", help="a folder, or user@host:/path/ for rsync")
    ns = parser.parse_args(argv)
    base = urlsplit(ns.base_url)
    if base.scheme not in ("http", "https") or not base.netloc:
        parser.error(f"--base-url {ns.base_url!r} must be an http(s) address")
    if not ns.source.is_file():
        print(f"publish_folder: {ns.source} does not exist; encode the talk first", file=sys.stderr)
        return 3
    try:
        if _REMOTE.match(ns.target):
            copy_rsync(ns.source, ns.target)
        else:
            copy_local(ns.source, Path(ns.target))
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"publish_folder: copying to {ns.target} failed: {exc}", file=sys.stderr)
        return 4
    print(f"published {ns.source.name} to {ns.target}")
    print(f"veyedesk: public_url={public_url(ns.base_url, ns.source.name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
