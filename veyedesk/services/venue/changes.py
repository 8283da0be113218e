"""Sneakernet: a venue copy's changes in a small file, merged into a shared database elsewhere.

`export_changes` writes every row the copy changed since its base (with that base) into a
zip holding one JSON document, versioned (`FORMAT`, `VERSION`). `apply_changes` on a
machine that reaches the shared database merges it exactly as a sync would push it:
three-way per field against what the shared database holds now, conflicts listed (and
resolved with `prefer`, or left out), nothing overwritten without a choice. Applying the
same file again finds everything already there and writes nothing.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from veyedesk.model import Episode
from veyedesk.model.base import new_uuid
from veyedesk.services.identity import Identity
from veyedesk.services.venue import rows
from veyedesk.services.venue.errors import VenueError
from veyedesk.services.venue.merge import chooser
from veyedesk.services.venue.plan import (
    Raced,
    Resolutions,
    SyncReport,
    add_sync_logs,
    apply_shared,
    plan_merge,
)
from veyedesk.services.venue.rows import EPISODE, KINDS, table
from veyedesk.services.venue.syncing import origin_of, read_bases, show_id_on, show_slugs

FORMAT = "veyedesk-venue-changes"
VERSION = 1
MEMBER = "changes.json"
# A change file is a few hundred kB even for a whole festival; refuse anything absurd.
MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Exported:
    path: Path
    rows: int
    size: int


def export_changes(local: str | Engine, out_path: Path | str) -> Exported:
    """Write the copy's changed rows (mine and base) to `out_path`; nothing in the copy changes."""
    engine = local if isinstance(local, Engine) else _open(local)
    try:
        with engine.connect() as conn:
            origin = origin_of(conn)
            mine = rows.read_all(conn)
            base = read_bases(conn)
    finally:
        if not isinstance(local, Engine):
            engine.dispose()
    changed: list[dict[str, Any]] = []
    for kind in KINDS:
        m_rows, b_rows = mine.get(kind, {}), base.get(kind, {})
        for key in sorted(m_rows.keys() | b_rows.keys()):
            m, b = m_rows.get(key), b_rows.get(key)
            if m != b:
                changed.append({"kind": kind, "key": key, "base": b, "mine": m})
    document = {
        "format": FORMAT,
        "version": VERSION,
        "export_uuid": new_uuid(),
        "copy_uuid": origin.copy_uuid,
        "client": origin.client,
        "show": origin.show,
        "who": origin.who,
        "machine": origin.machine,
        "created": datetime.now().replace(microsecond=0).isoformat(),
        "rows": changed,
    }
    path = Path(out_path).expanduser()
    partial = path.with_name(path.name + ".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MEMBER, json.dumps(document, ensure_ascii=False, sort_keys=True))
    partial.replace(path)  # a half-written file never carries the final name
    return Exported(path, len(changed), path.stat().st_size)


def read_changes(path: Path | str) -> dict[str, Any]:
    """The change file's document, checked; VenueError naming the file otherwise."""
    path = Path(path).expanduser()
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(MEMBER)
            if info.file_size > MAX_BYTES:
                raise VenueError(f"{path}: {MEMBER} is {info.file_size} bytes; not a change file")
            document = json.loads(zf.read(MEMBER).decode("utf-8"))
    except FileNotFoundError:
        raise VenueError(
            f"{path} does not exist; give the .vdz file export-changes wrote"
        ) from None
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VenueError(
            f"{path} is not a veyedesk change file ({exc}); write one with "
            "`veyedesk venue export-changes -o FILE.vdz`"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise VenueError(f"{path} is not a veyedesk change file (format {FORMAT!r} expected)")
    if document.get("version") != VERSION:
        raise VenueError(
            f"{path} is change-file version {document.get('version')!r}; this veyedesk reads "
            f"version {VERSION}: use the same veyedesk version on both machines"
        )
    for n, row in enumerate(document.get("rows", []), start=1):
        if (
            not isinstance(row, dict)
            or row.get("kind") not in KINDS
            or not isinstance(row.get("key"), str)
        ):
            raise VenueError(f"{path}: changed row {n} is malformed; export the changes again")
        for side in ("base", "mine"):
            value = row.get(side)
            if value is not None and (
                not isinstance(value, dict) or set(value) != set(rows.fields_of(row["kind"]))
            ):
                raise VenueError(f"{path}: changed row {n} ({row['kind']}) has unexpected fields")
    return document


def apply_changes(
    shared: Engine,
    path: Path | str,
    *,
    dry_run: bool = False,
    prefer: str | None = None,
    prefer_fields: tuple[str, ...] = (),
    resolutions: Resolutions | None = None,
    default_profile: str = "mp4",
    who: Identity | None = None,
) -> SyncReport:
    """Merge a change file into the shared database `shared` (one transaction)."""
    if who is not None and not dry_run:
        who.require("edit")  # it writes talks, as the laptop's editor would have
    document = read_changes(path)
    choose = chooser(prefer, prefer_fields, resolutions)
    mine: dict[str, rows.Rows] = {kind: {} for kind in KINDS}
    base: dict[str, rows.Rows] = {kind: {} for kind in KINDS}
    for row in document["rows"]:
        if row["mine"] is not None:
            mine[row["kind"]][row["key"]] = row["mine"]
        if row["base"] is not None:
            base[row["kind"]][row["key"]] = row["base"]
    with shared.connect() as conn:
        conn.begin()
        show_id = show_id_on(conn, document["client"], document["show"])
        known = {kind: set(mine[kind]) | set(base[kind]) for kind in KINDS}
        # Only the rows the file names: nothing else of the shared database is compared.
        scope = rows.Filter(show_id, room_ids=(), day=None, episode_uuids=())
        theirs = rows.read_scope(conn, scope, known)
        theirs = {
            kind: {k: v for k, v in theirs[kind].items() if k in known[kind]} for kind in KINDS
        }
        ep = table(Episode)
        serials = {
            r.uuid: r.serial
            for batch in rows.chunks(sorted(theirs[EPISODE]))
            for r in conn.execute(select(ep.c.uuid, ep.c.serial).where(ep.c.uuid.in_(batch)))
        }
        plan, report = plan_merge(mine, base, theirs, choose, serials, show_slugs(conn, show_id))
        # Pulls mean nothing here (there is no copy to pull into): only pushes are reported.
        report.pulled = 0
        report.lines = list(report.push_lines)
        if dry_run or not plan.shared:
            conn.rollback()
            return report
        user = who.name if who is not None else str(document.get("who") or "")
        add_sync_logs(
            plan,
            theirs,
            None,
            f"synced from {document.get('machine')} by {document.get('who')} (change file)",
            user,
            datetime.now(),
        )
        try:
            apply_shared(
                conn,
                plan,
                show_id,
                theirs,
                copy_uuid=document.get("copy_uuid", ""),
                default_profile=default_profile,
                summary=f"change file {document.get('export_uuid')} from "
                f"{document.get('machine')} ({document.get('who')}): {report.pushed} rows",
                user=str(document.get("who") or "venue change file"),
            )
        except Raced:
            conn.rollback()
            raise VenueError(
                "a talk in the change file was saved online while applying it; nothing was "
                "written, apply it again"
            ) from None
        conn.commit()
    return report


def _open(url: str) -> Engine:
    from veyedesk.db import open_database

    return open_database(url)
