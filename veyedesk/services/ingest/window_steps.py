"""Getting a show's schedule and recordings in from the window: the use cases behind File ▸ Import
schedule, Scan recordings, Associate and the raw-folder watch.

They wrap the CLI's services (`import_schedule`, `scan_show`, `associate`) with the acting
identity's permission check, a show id instead of slugs, and progress callbacks; nothing
here re-implements a diff, a probe or an association rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veyedesk.ingest.schedule_merge import Removals
from veyedesk.media.probe import probe
from veyedesk.model import Episode
from veyedesk.services.catalog import get_show_by_id
from veyedesk.services.editing import RawFileInfo, raw_file_info, room_day_raw_files
from veyedesk.services.episodes import Selection, get_episode
from veyedesk.services.errors import Conflict, InvalidInput
from veyedesk.services.identity import Identity
from veyedesk.services.ingest.assoc import AssocResult, associate
from veyedesk.services.ingest.scan import (
    Prober,
    Progress,
    ScanResult,
    scan_folders,
    scan_show,
    show_raw_root,
)
from veyedesk.services.ingest.schedule_import import ImportResult, import_schedule

# Episodes associated per call: small enough for a progress bar that moves, large enough
# that the room query each call makes costs nothing next to the cuts it writes.
ASSOC_BATCH = 50

Signature = tuple[Any, ...]


def plan_signature(result: ImportResult) -> Signature:
    """What an import would do, comparable between a preview and the real run."""
    plan = result.plan
    return (
        tuple(r.conf_key for r in plan.added),
        tuple(
            (p.existing.id, tuple((c.field, repr(c.new)) for c in p.changes if not c.removal))
            for p in plan.updated
        ),
        # A removal ticked for Apply moves from `removals` to `changes`: it is the same diff.
        tuple((p.existing.id, p.removal_fields()) for p in plan.updated if p.removal_fields()),
        tuple((p.existing.id, tuple(c.field for c in p.kept)) for p in plan.kept),
        tuple(e.id for e in plan.vanished),
    )


class ImportOutdated(Conflict):
    """The database or file changed between the preview and Apply: nothing was written."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__(
            "the talks changed since the diff was shown (someone else imported or edited); "
            "nothing was written: look at the new diff and apply again"
        )
        self.result = result


def import_schedule_for(
    session: Session,
    show_id: int,
    data: bytes,
    source: str,
    who: Identity,
    *,
    fmt: str = "auto",
    overwrite_edited: bool = False,
    dry_run: bool = True,
    expected: Signature | None = None,
    removals: Removals = False,
) -> ImportResult:
    """Preview (dry run) or apply a schedule import for an editor or admin.

    With `expected` (the signature of the preview the user approved), a run whose diff
    differs raises ImportOutdated and the caller's transaction must be rolled back.
    """
    who.require("edit")
    show = get_show_by_id(session, show_id)
    result = import_schedule(
        session,
        show,
        data,
        source,
        fmt,
        dry_run=dry_run,
        overwrite_edited=overwrite_edited,
        removals=removals,
    )
    if expected is not None and plan_signature(result) != expected:
        raise ImportOutdated(result)
    return result


def raw_root_of(session: Session, show_id: int, settings_raw_root: str) -> Path:
    """The show's raw folder on this machine (InvalidInput when none is configured)."""
    return show_raw_root(get_show_by_id(session, show_id), settings_raw_root)


def watch_scope(
    session: Session, show_id: int, settings_raw_root: str
) -> tuple[Path, frozenset[str] | None]:
    """(raw folder, room folders to watch or None for all): what the folder watch looks at.

    A venue copy watches only its own rooms (`scan.scan_folders`), as its scan does.
    """
    show = get_show_by_id(session, show_id)
    return show_raw_root(show, settings_raw_root), scan_folders(session, show)


def scan_show_for(
    session: Session,
    show_id: int,
    who: Identity,
    settings_raw_root: str,
    *,
    progress: Progress | None = None,
    prober: Prober = probe,
) -> ScanResult:
    """Scan the show's raw folder (editors and admins); progress(done, total, name).

    Every editor's window watches the same folder on a shared database, so two machines
    may add the same new file at once: the second gets ScanRaced (its transaction must be
    rolled back) and a scan after it finds the file already there.
    """
    who.require("edit")
    show = get_show_by_id(session, show_id)
    root = show_raw_root(show, settings_raw_root)
    if not root.is_dir():
        # Worded for the window, where there is no ROOT argument to give.
        raise InvalidInput(
            f"{root}: no such folder on this machine; mount the recordings there or set "
            f"the raw folder of show {show.slug!r} in its settings"
        )
    try:
        return scan_show(
            session,
            show,
            root,
            progress=progress,
            prober=prober,
            folders=scan_folders(session, show),
        )
    except IntegrityError:
        raise ScanRaced(
            f"{root}: another machine recorded the same new files at the same moment; "
            "nothing was written here, scan again to see them"
        ) from None


class ScanRaced(Conflict):
    """Another scan added the same raw files first (unique room + file name)."""


def associate_show(
    session: Session,
    show_id: int,
    who: Identity,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> AssocResult:
    """Associate every talk of the show with its raw files, in batches for a progress bar."""
    who.require("edit")
    show = get_show_by_id(session, show_id)
    ids = list(
        session.scalars(
            select(Episode.id).where(Episode.show_id == show_id).order_by(Episode.start, Episode.id)
        )
    )
    total = AssocResult()
    if progress is not None:
        progress(0, len(ids))
    for at in range(0, len(ids), ASSOC_BATCH):
        chunk = ids[at : at + ASSOC_BATCH]
        part = associate(session, Selection(show.client.slug, show.slug, episode_ids=chunk))
        total.added.update(part.added)
        total.no_raw += part.no_raw
        total.unscheduled += part.unscheduled
        total.episodes += part.episodes
        if progress is not None:
            progress(at + len(chunk), len(ids))
    return total


@dataclass(frozen=True)
class OpenRawFiles:
    """The room-day raw files of an open episode, as the editor holds them."""

    episode_id: int
    raw_files: dict[int, RawFileInfo]


def open_episode_raw_files(session: Session, episode_id: int, raw_root: str) -> OpenRawFiles:
    """The room-day's raw files of an episode now (after a scan found new or grown files)."""
    episode = get_episode(session, episode_id)
    raws = room_day_raw_files(session, episode)
    return OpenRawFiles(episode_id, {r.id: raw_file_info(r, raw_root) for r in raws})
