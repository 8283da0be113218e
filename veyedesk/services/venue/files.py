"""The files behind synced rows: recording sheets imported on a laptop, copied up.

A sync merges the ImageFile rows; the photo itself is a file under the show's folder on
the laptop (`<show folder>/sheets/<room>/<day>/…`, `filename` relative to the show's
folder). After the rows, every sheet file the copy has and the shared show's folder lacks
is copied there when that folder can be reached from this machine (a mounted share, the
same disk); otherwise it is listed as still needing a copy, and the next sync tries again.
Nothing here is remembered between runs, so a sync killed half-way loses no file.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from veyedesk.model import Client, Show
from veyedesk.model.paths import UnsafePath, safe_join_relative
from veyedesk.safe_files import new_temp
from veyedesk.services.errors import InvalidInput
from veyedesk.services.ingest import show_raw_root
from veyedesk.services.venue import rows


@dataclass
class FileCopies:
    """Sheet files copied to the shared show folder, and those that could not be yet."""

    copied: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    # Rows whose file name would lead outside the show's folder: never copied.
    refused: list[str] = field(default_factory=list)
    folder: Path | None = None  # the shared show's folder as seen from here


def _show_folder(conn: Connection, client: str, show: str, raw_root: str) -> Path | None:
    with Session(bind=conn) as session:
        found = session.scalars(
            select(Show).join(Client).where(Client.slug == client, Show.slug == show)
        ).first()
        if found is None:
            return None
        try:
            return show_raw_root(found, raw_root)
        except InvalidInput:
            return None  # no folder configured for the show on this side


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or a.samefile(b)
    except OSError:
        return False


def copy_sheet_files(
    local: Connection, shared: Connection, origin: Any, raw_root: str, *, dry_run: bool = False
) -> FileCopies:
    """Copy the copy's sheet files missing from the shared show folder (see module doc)."""
    out = FileCopies()
    mine = _show_folder(local, origin.client, origin.show, raw_root)
    theirs = _show_folder(shared, origin.client, origin.show, raw_root)
    out.folder = theirs
    if mine is None:
        return out
    shared_images = rows.read_keys(shared, rows.IMAGE, rows.read(local, rows.IMAGE).keys())
    for data in sorted(shared_images.values(), key=lambda d: d["filename"]):
        name = data["filename"]
        try:
            # The name comes from a row of the copy: it must stay inside both folders.
            source = safe_join_relative(mine, name, "sheet file name")
        except UnsafePath:
            out.refused.append(name)
            continue
        if source.is_symlink() or not source.is_file():
            continue  # pulled from elsewhere, or imported on another machine
        if theirs is None or not theirs.is_dir():
            out.waiting.append(name)
            continue
        target = safe_join_relative(theirs, name, "sheet file name")
        if target.exists() and (
            _same_file(source, target) or target.stat().st_size == source.stat().st_size
        ):
            continue
        if dry_run:
            out.copied.append(name)
            continue
        try:
            partial = new_temp(target)  # a new file of ours: no symlink followed
            try:
                shutil.copyfile(source, partial)
                os.replace(partial, target)  # never a half-copied sheet under its real name
            finally:
                partial.unlink(missing_ok=True)
        except OSError:
            out.waiting.append(name)
            continue
        out.copied.append(name)
    return out
