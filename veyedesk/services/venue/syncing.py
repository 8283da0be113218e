"""Sync a venue copy with its shared database: push mine, pull theirs, merge field by field.

Order of the commits (what makes a sync killed at any point finish exactly on the next run):

1. Read the copy's rows and bases, open a transaction on the shared database, read its
   rows of the copy's scope, merge (`merge.merge_row`) into a *plan*: what the shared side
   must change, what the copy must change (with the value it expects to find there), the
   new bases, the conflicts left pending.
2. Commit the plan into the copy (`venue_sync_run`, status planned).
3. Write the shared side's changes and a receipt carrying the plan's id
   (`venue_sync_receipt`) in one transaction; commit. Every touched episode's `serial` is
   claimed compare-and-swap, so an online save in between makes this attempt start over
   rather than overwrite it.
4. Apply the plan to the copy (rows, bases, pending conflicts) and drop it; commit.

A rerun first looks for a planned run: with its receipt on the shared side it does step 4
from the stored plan (a row edited on the copy meanwhile is left as edited); without one
the shared side never saw it, so it is dropped and the sync starts afresh. Repeating a
finished sync finds nothing to change and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.orm import Session

from veyedesk.model import (
    Client,
    Episode,
    Location,
    Show,
    VenueBase,
    VenueConflict,
    VenueOrigin,
    VenueSyncReceipt,
    VenueSyncRun,
)
from veyedesk.services.identity import Identity
from veyedesk.services.venue import rows
from veyedesk.services.venue.errors import PasswordNeeded, VenueError
from veyedesk.services.venue.merge import FieldConflict, chooser
from veyedesk.services.venue.plan import (
    Plan,
    Raced,
    Resolutions,
    SyncReport,
    add_sync_logs,
    apply_shared,
    finish_local,
    plan_merge,
)
from veyedesk.services.venue.rows import EPISODE, KINDS, table

Progress = Callable[[float, str], None]


def _checkpoint(name: str) -> None:
    """A commit point of the sync, named; nothing happens here.

    The crash tests (tests/services/venue/kill_child.py) replace this function in a child
    process to die at `name` as if the laptop lost power: production code has no switch.
    """


def read_bases(conn: Connection) -> dict[str, rows.Rows]:
    """The venue copy's bases by kind and key."""
    out: dict[str, rows.Rows] = {kind: {} for kind in KINDS}
    base = table(VenueBase)
    for row in conn.execute(select(base.c.kind, base.c.key, base.c.data)):
        out.setdefault(row.kind, {})[row.key] = row.data
    return out


def show_slugs(conn: Connection, show_id: int) -> list[str]:
    """Every episode slug of a show (they must stay unique in it, case folded)."""
    ep = table(Episode)
    return list(conn.scalars(select(ep.c.slug).where(ep.c.show_id == show_id)))


def is_venue_copy(session: Session) -> bool:
    """Whether this database is a venue copy (a checkout recorded its origin): only one
    can sync; the editor disables File ▸ Sync on any other."""
    return session.execute(select(table(VenueOrigin))).first() is not None


def origin_of(conn: Connection) -> Any:
    found = conn.execute(select(table(VenueOrigin))).first()
    if found is None:
        raise VenueError(
            "this database is not a venue copy (no checkout recorded); make one with "
            "`veyedesk venue checkout --from URL --client C --show S -o venue.db`"
        )
    return found


def show_id_on(conn: Connection, client: str, show: str) -> int:
    cl, sh = table(Client), table(Show)
    found = conn.scalar(
        select(sh.c.id)
        .join(cl, cl.c.id == sh.c.client_id)
        .where(cl.c.slug == client, sh.c.slug == show)
    )
    if found is None:
        raise VenueError(f"show {client}/{show} is not on this database; is it the right one?")
    return int(found)


def scope_on(conn: Connection, origin: Any) -> rows.Filter:
    """The copy's scope as a filter on one database (its own ids for show and room)."""
    from veyedesk.services.venue.checkouts import parse_day

    show_id = show_id_on(conn, origin.client, origin.show)
    room_ids = None
    if origin.room:
        loc = table(Location)
        room_id = conn.scalar(
            select(loc.c.id).where(loc.c.slug == origin.room, loc.c.show_id == show_id)
        )
        room_ids = (room_id,) if room_id is not None else ()
    uuids = tuple(origin.episode_uuids) if origin.episode_uuids is not None else None
    return rows.Filter(show_id, room_ids, parse_day(origin.day), uuids)


def pending_conflicts(session: Session) -> list[FieldConflict]:
    """The conflicts the last sync left for a person to choose."""
    found = session.scalars(select(VenueConflict).order_by(VenueConflict.id))
    return [FieldConflict(c.kind, c.key, c.field, c.base, c.mine, c.theirs, c.label) for c in found]


def _engine(url_or_engine: str | Engine, *, shared: bool = True) -> tuple[Engine, bool]:
    if isinstance(url_or_engine, Engine):
        return url_or_engine, False
    from veyedesk.db import open_database
    from veyedesk.db.engine import DatabaseError

    try:
        # The copy is upgraded like any SQLite; the shared database only by `db upgrade`.
        return open_database(url_or_engine, upgrade_sqlite=not shared), True
    except DatabaseError as exc:
        if "password" not in str(exc):
            raise
        from sqlalchemy.engine import make_url

        parsed = make_url(url_or_engine)
        raise PasswordNeeded(
            f"{exc} A venue copy never stores the shared database's password: type it in "
            "File ▸ Sync, give the whole URL with `veyedesk venue sync --from URL`, or set "
            "PGPASSWORD",
            user=parsed.username or "",
            wrong=parsed.password is not None or "authentication failed" in str(exc),
        ) from None


def with_password(url: str, password: str | None) -> str:
    """`url` with `password` put in (a typed password wins over none; as is when None)."""
    if not password:
        return url
    from sqlalchemy.engine import make_url

    return make_url(url).set(password=password).render_as_string(hide_password=False)


def _check_same_show(shared: Engine, origin: Any) -> None:
    """Refuse a shared database that does not hold this copy's show (a wrong --from)."""
    with shared.connect() as conn:
        show_id_on(conn, origin.client, origin.show)


def _recover(local: Engine, shared: Engine, origin: Any) -> bool:
    """Finish (or drop) a sync that was killed half-way; True when one was finished."""
    finished = False
    with local.begin() as lconn:
        runs = lconn.execute(select(table(VenueSyncRun))).all()
        if not runs:
            return False
        show_id = show_id_on(lconn, origin.client, origin.show)
        receipt = table(VenueSyncReceipt)
        with shared.connect() as sconn:
            done = set(
                sconn.scalars(
                    select(receipt.c.run_uuid).where(
                        receipt.c.run_uuid.in_([r.run_uuid for r in runs])
                    )
                )
            )
        for run in runs:
            if run.run_uuid in done:
                finish_local(lconn, Plan.from_json(run.plan), show_id)
                finished = True
            else:  # the shared side never committed it: start afresh
                lconn.execute(
                    delete(table(VenueSyncRun)).where(
                        table(VenueSyncRun).c.run_uuid == run.run_uuid
                    )
                )
    return finished


def sync(
    local: str | Engine,
    *,
    source: str | Engine | None = None,
    dry_run: bool = False,
    prefer: str | None = None,
    prefer_fields: tuple[str, ...] = (),
    resolutions: Resolutions | None = None,
    keep_locks: bool = False,
    default_profile: str = "mp4",
    progress: Progress | None = None,
    who: Identity | None = None,
    password: str | None = None,
    raw_root: str = "",
) -> SyncReport:
    """Merge the venue copy `local` with its shared database (see the module docstring).

    `password` (typed in File ▸ Sync, never stored) is put into the copy's recorded URL;
    without one a server that wants it raises `PasswordNeeded`. `raw_root` (the settings')
    locates the show's folders, for the recording sheet files (`files.py`).

    Conflicts are resolved by `resolutions` ((kind, key, field) -> mine|theirs, from the
    dialog) or `prefer` (for every field, or only `prefer_fields`); the rest stay pending
    in the copy (`pending_conflicts`) and on both sides unchanged. Locks this copy holds
    are released unless `keep_locks` (then renewed).
    """
    if who is not None and not dry_run:
        who.require("edit")  # a sync writes talks on the shared database
    report_progress = progress or (lambda _f, _t: None)
    choose = chooser(prefer, prefer_fields, resolutions)
    local_engine, own_local = _engine(local, shared=False)
    shared_engine: Engine | None = None
    own_shared = False
    try:
        with local_engine.connect() as lconn:
            origin = origin_of(lconn)
        report_progress(0.05, "connecting to the shared database")
        shared_engine, own_shared = _engine(
            source if source is not None else with_password(origin.source_url, password)
        )
        _check_same_show(shared_engine, origin)
        recovered = False if dry_run else _recover(local_engine, shared_engine, origin)
        if not dry_run:
            _refresh_pipeline(local_engine, shared_engine, origin)
        for _attempt in range(3):
            try:
                report = _sync_once(
                    local_engine,
                    shared_engine,
                    origin,
                    choose,
                    dry_run,
                    keep_locks,
                    default_profile,
                    report_progress,
                    who.name if who is not None else origin.who,
                )
                report.recovered = recovered
                if report.rerouted:
                    # The shared side's pipeline put talks elsewhere than the copy had
                    # them (a release hold): pull where they are now in the same sync.
                    again = _sync_once(
                        local_engine,
                        shared_engine,
                        origin,
                        choose,
                        dry_run,
                        keep_locks,
                        default_profile,
                        report_progress,
                        who.name if who is not None else origin.who,
                    )
                    report.pulled += again.pulled
                    report.lines += again.lines
                if not dry_run:
                    _refresh_holds(local_engine, shared_engine)
                _copy_files(local_engine, shared_engine, origin, raw_root, dry_run, report)
                return report
            except Raced:
                continue
        raise VenueError(
            "the shared database kept changing under the sync (talks being saved online); "
            "nothing was lost, run the sync again"
        )
    finally:
        if own_local:
            local_engine.dispose()
        if own_shared and shared_engine is not None:
            shared_engine.dispose()


def _sync_once(
    local: Engine,
    shared: Engine,
    origin: Any,
    choose: Callable[[FieldConflict], str | None],
    dry_run: bool,
    keep_locks: bool,
    default_profile: str,
    report_progress: Progress,
    user: str,
) -> SyncReport:
    with local.connect() as lconn:
        mine = rows.read_all(lconn)
        base = read_bases(lconn)
        local_show = show_id_on(lconn, origin.client, origin.show)
    report_progress(0.2, "reading the shared database")
    with shared.connect() as sconn:
        sconn.begin()
        scope = scope_on(sconn, origin)
        known = {kind: set(mine[kind]) | set(base.get(kind, {})) for kind in KINDS}
        theirs = rows.read_scope(sconn, scope, known)
        ep = table(Episode)
        serials = {
            r.uuid: r.serial
            for batch in rows.chunks(sorted(theirs[EPISODE]))
            for r in sconn.execute(select(ep.c.uuid, ep.c.serial).where(ep.c.uuid.in_(batch)))
        }
        report_progress(0.5, "merging")
        plan, report = plan_merge(
            mine, base, theirs, choose, serials, show_slugs(sconn, scope.show_id)
        )
        if plan.shared:
            # Where a change came from, in the talk's Logs tab (written on both sides).
            add_sync_logs(
                plan, theirs, mine, f"synced from {origin.machine} by {user}", user, datetime.now()
            )
        held = (
            sconn.scalar(select(ep.c.id).where(ep.c.locked_by == origin.lock_holder).limit(1))
            is not None
        )
        if held:
            report.locks = "renewed" if keep_locks else "released"
        changes = plan.shared or plan.local or plan.bases or held
        stored_conflicts = {(c.kind, c.key, c.field) for c in _stored_conflicts(lconn_engine=local)}
        if stored_conflicts != {(c["kind"], c["key"], c["field"]) for c in plan.conflicts}:
            changes = True
        if dry_run or not changes:
            sconn.rollback()
            report_progress(1.0, "nothing to do" if not changes else "dry run")
            return report
        if not plan.shared and not held:
            # Only pulls: the shared side stays untouched (no receipt), and the copy's
            # one transaction is all there is to crash in.
            sconn.rollback()
            with local.begin() as lconn:
                finish_local(lconn, plan, local_show)
            report_progress(1.0, "synced")
            return report
        with local.begin() as lconn:
            lconn.execute(
                insert(table(VenueSyncRun)).values(
                    run_uuid=plan.run_uuid,
                    status="planned",
                    started_at=datetime.now().replace(microsecond=0),
                    plan=plan.as_json(),
                )
            )
        _checkpoint("planned")
        report_progress(0.6, f"pushing {report.pushed} changes")
        try:
            rerouted = apply_shared(
                sconn,
                plan,
                scope.show_id,
                theirs,
                copy_uuid=origin.copy_uuid,
                default_profile=default_profile,
                summary=f"venue sync from {origin.machine} ({origin.who}): "
                f"{report.pushed} pushed, {report.pulled} pulled",
                user=origin.who,
            )
        except Raced:
            sconn.rollback()
            with local.begin() as lconn:  # this plan will never be applied: start over
                runs = table(VenueSyncRun)
                lconn.execute(delete(runs).where(runs.c.run_uuid == plan.run_uuid))
            raise
        if held:
            with Session(bind=sconn) as session:
                from veyedesk.services.editing import release_venue_locks

                release_venue_locks(session, origin.lock_holder, renew=keep_locks)
        _checkpoint("before-shared-commit")
        sconn.commit()
    _checkpoint("shared-committed")
    report_progress(0.85, f"pulling {report.pulled} changes")
    with local.begin() as lconn:
        finish_local(lconn, plan, local_show)
        _checkpoint("before-local-commit")
    _checkpoint("done")
    report.rerouted = rerouted
    report_progress(1.0, "synced")
    return report


def _refresh_holds(local: Engine, shared: Engine) -> None:
    """The copy's release holds as the shared database has them after this sync."""
    from veyedesk.services.venue.pipeline import mirror_holds, read_holds

    ep = table(Episode)
    with local.connect() as lconn:
        uuids = list(lconn.scalars(select(ep.c.uuid)))
    with shared.connect() as sconn:
        holds = read_holds(sconn, uuids)
    with local.begin() as lconn:
        mirror_holds(lconn, holds)


def _refresh_pipeline(local: Engine, shared: Engine, origin: Any) -> None:
    """The show's pipeline on the copy as the shared database has it now (read-only here)."""
    from veyedesk.services.venue.pipeline import pipeline_rows, write_pipeline

    with shared.connect() as sconn:
        found = pipeline_rows(sconn, show_id_on(sconn, origin.client, origin.show))
    with local.begin() as lconn:
        write_pipeline(lconn, show_id_on(lconn, origin.client, origin.show), *found)


def _copy_files(
    local: Engine, shared: Engine, origin: Any, raw_root: str, dry_run: bool, report: SyncReport
) -> None:
    from veyedesk.services.venue.files import copy_sheet_files

    with local.connect() as lconn, shared.connect() as sconn:
        files = copy_sheet_files(lconn, sconn, origin, raw_root, dry_run=dry_run)
    report.files_copied, report.files_waiting = files.copied, files.waiting
    verb = "would copy" if dry_run else "copied"
    report.lines += [f"{verb} sheet {name} to {files.folder}" for name in files.copied]
    report.lines += [
        f"sheet {name!r} not copied: its file name leads outside the show's folder"
        for name in files.refused
    ]
    if files.waiting:
        where = files.folder or "the shared show folder (none is set for the show)"
        report.lines += [f"sheet {name} still needs a copy to {where}" for name in files.waiting]


def _stored_conflicts(*, lconn_engine: Engine) -> list[Any]:
    with lconn_engine.connect() as conn:
        return list(conn.execute(select(table(VenueConflict))).all())


__all__ = [
    "Plan",
    "Resolutions",
    "SyncReport",
    "pending_conflicts",
    "read_bases",
    "show_slugs",
    "sync",
]
