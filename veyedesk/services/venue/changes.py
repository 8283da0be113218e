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

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DataError, IntegrityError

from veyedesk.ingest.records import shown
from veyedesk.model import Episode, Location, VenueCheckout
from veyedesk.model.base import new_uuid
from veyedesk.model.slug import is_slug
from veyedesk.services.identity import Identity
from veyedesk.services.venue import rows
from veyedesk.services.venue.errors import VenueError
from veyedesk.services.venue.incoming import (
    ChangeFileError,
    attribute_logs,
    check_scope,
    clean_rows,
    is_uuid,
)
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
    """The change file's document, checked and every row cleaned (`incoming.clean_rows`).

    ChangeFileError (a VenueError) naming the file, and the row where one is at fault.
    """
    path = Path(path).expanduser()
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(MEMBER)
            if info.file_size > MAX_BYTES:
                raise ChangeFileError(
                    f"{path}: {MEMBER} is {info.file_size} bytes; not a change file"
                )
            document = json.loads(zf.read(MEMBER).decode("utf-8"))
    except FileNotFoundError:
        raise VenueError(
            f"{path} does not exist; give the .vdz file export-changes wrote"
        ) from None
    except RecursionError:
        raise ChangeFileError(
            f"{path} is not a veyedesk change file (its JSON nests too deep)"
        ) from None
    except (
        zipfile.BadZipFile,
        KeyError,
        UnicodeDecodeError,
        ValueError,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise ChangeFileError(
            f"{path} is not a veyedesk change file ({shown(str(exc), 120)}); write one with "
            "`veyedesk venue export-changes -o FILE.vdz`"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ChangeFileError(f"{path} is not a veyedesk change file (format {FORMAT!r} expected)")
    if document.get("version") != VERSION:
        raise ChangeFileError(
            f"{path} is change-file version {shown(repr(document.get('version')), 30)[1:-1]}; this "
            f"veyedesk reads version {VERSION}: use the same veyedesk version on both machines"
        )
    for name in ("client", "show"):
        if not isinstance(document.get(name), str) or not is_slug(document[name]):
            raise ChangeFileError(f"{path}: its {name} is not a slug; export the changes again")
    for name in ("copy_uuid", "export_uuid"):
        if not is_uuid(document.get(name)):
            raise ChangeFileError(f"{path}: its {name} is not a UUID; export the changes again")
    document["rows"] = clean_rows(document, str(path))
    return document


def _checkout_of(conn: Connection, document: dict[str, Any], where: str) -> Any:
    """The shared database's record of the copy the file names, for the show it names."""
    found = conn.execute(
        select(table(VenueCheckout)).where(
            table(VenueCheckout).c.copy_uuid == document["copy_uuid"]
        )
    ).first()
    if found is None:
        raise ChangeFileError(
            f"{where}: its venue copy {document['copy_uuid']} was not checked out from this "
            "database; apply it to the database the copy came from (or sync the copy)"
        )
    show_id = show_id_on(conn, document["client"], document["show"])
    if show_id != found.show_id:
        raise ChangeFileError(
            f"{where}: it says it holds show {document['client']}/{document['show']}, but its "
            "copy was checked out for another show; nothing was applied"
        )
    return found


def _covered(conn: Connection, checkout: Any) -> dict[str, rows.Rows]:
    """The shared rows the copy covers: its scope now, and every talk it took."""
    from veyedesk.services.venue.checkouts import parse_day

    room_ids: tuple[int, ...] | None = None
    if checkout.room:
        loc = table(Location)
        room_id = conn.scalar(select(loc.c.id).where(loc.c.slug == checkout.room))
        room_ids = (room_id,) if room_id is not None else ()
    uuids = tuple(checkout.episode_uuids) if checkout.episode_uuids is not None else None
    scope = rows.Filter(checkout.show_id, room_ids, parse_day(checkout.day), uuids)
    return rows.read_scope(conn, scope, {EPISODE: list(checkout.copied or ())})


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
    """Merge a change file into the shared database `shared` (one transaction).

    The file is held to the checkout it names (`VenueCheckout` on this database): only
    that show's rows the copy covers, references among them or to rows the file adds,
    every value cleaned (`incoming`). Anything else refuses the whole file, naming the row.
    """
    if who is not None and not dry_run:
        who.require("edit")  # it writes talks, as the laptop's editor would have
    document = read_changes(path)
    where = str(Path(path).expanduser())
    choose = chooser(prefer, prefer_fields, resolutions)
    with shared.connect() as conn:
        conn.begin()
        checkout = _checkout_of(conn, document, where)
        show_id = int(checkout.show_id)
        covered = _covered(conn, checkout)
        cleaned = document["rows"]
        check_scope(conn, cleaned, covered, where)
        laptop = f"{checkout.who} on {checkout.machine}"
        attribute_logs(cleaned, covered, laptop[:200])
        mine: dict[str, rows.Rows] = {kind: {} for kind in KINDS}
        base: dict[str, rows.Rows] = {kind: {} for kind in KINDS}
        for row in cleaned:
            if row["mine"] is not None:
                mine[row["kind"]][row["key"]] = row["mine"]
            if row["base"] is not None:
                base[row["kind"]][row["key"]] = row["base"]
        known = {kind: set(mine[kind]) | set(base[kind]) for kind in KINDS}
        # Only the rows the file names: nothing else of the shared database is compared.
        theirs = {
            kind: {k: v for k, v in covered[kind].items() if k in known[kind]} for kind in KINDS
        }
        ep = table(Episode)
        serials = {
            r.uuid: r.serial
            for batch in rows.chunks(sorted(theirs[EPISODE]))
            for r in conn.execute(select(ep.c.uuid, ep.c.serial).where(ep.c.uuid.in_(batch)))
        }
        # Talks are named as this database has them, never as the file says they were.
        names = {k: d["name"] for k, d in covered[EPISODE].items()}
        plan, report = plan_merge(
            mine, base, theirs, choose, serials, show_slugs(conn, show_id), names=names
        )
        # Pulls mean nothing here (there is no copy to pull into): only pushes are reported.
        report.pulled = 0
        report.lines = list(report.push_lines)
        if dry_run or not plan.shared:
            conn.rollback()
            return report
        user = who.name if who is not None else checkout.who
        add_sync_logs(
            plan,
            theirs,
            None,
            f"synced from {checkout.machine} by {checkout.who} (change file)",
            user,
            datetime.now(),
        )
        try:
            apply_shared(
                conn,
                plan,
                show_id,
                theirs,
                copy_uuid=checkout.copy_uuid,
                default_profile=default_profile,
                summary=f"change file {document['export_uuid']} from {laptop}: "
                f"{report.pushed} rows",
                user=checkout.who or "venue change file",
            )
        except Raced:
            conn.rollback()
            raise VenueError(
                "a talk in the change file was saved online while applying it; nothing was "
                "written, apply it again"
            ) from None
        except (IntegrityError, DataError) as exc:
            # Checked values that still do not fit (a unique name taken meanwhile): the
            # whole file stays out, as for any other refusal.
            conn.rollback()
            detail = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
            raise ChangeFileError(
                f"{where} does not fit this database ({shown(detail, 160)}); nothing was applied"
            ) from None
        conn.commit()
    return report


def _open(url: str) -> Engine:
    from veyedesk.db import open_database

    return open_database(url)
