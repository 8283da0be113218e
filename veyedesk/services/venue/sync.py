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

import os
import signal
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
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
from veyedesk.model.base import new_uuid
from veyedesk.services.users import Identity
from veyedesk.services.venue import rows
from veyedesk.services.venue.errors import VenueError
from veyedesk.services.venue.merge import DELETED, UNSET, FieldConflict, chooser, merge_row
from veyedesk.services.venue.rows import CUT, EPISODE, KINDS, Data, Refs, table

Progress = Callable[[float, str], None]
Resolutions = dict[tuple[str, str, str], str]


@dataclass
class SyncReport:
    """What a sync (or an applied change file) did or, dry, would do."""

    pushed: int = 0
    pulled: int = 0
    conflicts: list[FieldConflict] = field(default_factory=list)
    resolved: int = 0
    lines: list[str] = field(default_factory=list)
    locks: str = ""
    recovered: bool = False


@dataclass
class Plan:
    """Everything one sync decided, as JSON-able data (stored before the shared commit)."""

    run_uuid: str
    shared: list[dict[str, Any]]  # {kind, key, op: insert|update|delete, data, names, seen}
    local: list[dict[str, Any]]  # {kind, key, expect, data}
    bases: list[dict[str, Any]]  # {kind, key, data or None}
    conflicts: list[dict[str, Any]]
    serials: dict[str, int]  # episode uuid -> serial seen on the shared side

    def as_json(self) -> dict[str, Any]:
        return {
            "run_uuid": self.run_uuid,
            "shared": self.shared,
            "local": self.local,
            "bases": self.bases,
            "conflicts": self.conflicts,
            "serials": self.serials,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(**data)


class Raced(Exception):
    """An online save moved an episode's serial after we read it: merge again."""


def _checkpoint(name: str) -> None:
    # Fault injection for the crash tests (tests/services/venue/test_crash.py): the process
    # dies here as if the laptop lost power, with nothing flushed or rolled back.
    if os.environ.get("VEYEDESK_VENUE_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _label(kind: str, key: str, data: Data | None, names: dict[str, str]) -> str:
    if data is None:
        return f"{kind} {key}"
    if kind == EPISODE:
        return f"talk “{names.get(key) or data.get('name', key)}”"
    if kind == CUT:
        talk = names.get(data.get("episode", ""), "?")
        return f"cut {data.get('sequence')} of “{talk}” ({data.get('raw')})"
    if kind == rows.LOG:
        return f"log of “{names.get(data.get('episode', ''), '?')}” ({data.get('kind')})"
    if kind == rows.MARK:
        return f"mark {data.get('kind')} at {data.get('click')} in {data.get('room')}"
    return f"{kind} {key}"


def plan_merge(
    mine: dict[str, rows.Rows],
    base: dict[str, rows.Rows],
    theirs: dict[str, rows.Rows],
    choose: Callable[[FieldConflict], str | None],
    serials: dict[str, int],
    shared_slugs: Iterable[str] = (),
) -> tuple[Plan, SyncReport]:
    """Merge every row of every kind into a plan (pure).

    `shared_slugs` are the show's slugs on the shared database: a talk added on the copy
    whose slug was taken there meanwhile gets the next free one, on both sides at once.
    """
    from veyedesk.model.slug import TakenSlugs, unique_slug

    taken = TakenSlugs(shared_slugs)
    report = SyncReport()
    plan = Plan(new_uuid(), [], [], [], [], serials)
    # Rows are named by their agreed (base) values: a conflict on a title must not be
    # labelled with one side's new title.
    names: dict[str, str] = {}
    for side in (base, theirs, mine):
        for k, d in side.get(EPISODE, {}).items():
            names.setdefault(k, d.get("name", ""))
    for kind in KINDS:
        m_rows, b_rows, t_rows = mine.get(kind, {}), base.get(kind, {}), theirs.get(kind, {})
        for key in sorted(m_rows.keys() | b_rows.keys() | t_rows.keys()):
            m, b, t = m_rows.get(key), b_rows.get(key), t_rows.get(key)
            if kind == EPISODE and m is not None and b is None and t is None:
                if m["slug"] in taken:
                    m = {**m, "slug": unique_slug(m["slug"], taken)}
                taken.add(m["slug"])
            if m == t and (b == m or (b is None and m is None)):
                continue
            label = _label(kind, key, b or m or t, names)
            merged = merge_row(kind, key, b, m, t, choose, label)
            report.conflicts += merged.conflicts
            report.resolved += len(merged.resolved)
            if merged.theirs != t:
                plan.shared.append(_shared_op(kind, key, t, merged.theirs))
                report.pushed += 1
                report.lines.append(f"push {label}: {_what(t, merged.theirs)}")
            if merged.mine != m_rows.get(key):
                plan.local.append(
                    {"kind": kind, "key": key, "expect": m_rows.get(key), "data": merged.mine}
                )
                report.pulled += 1
                report.lines.append(f"pull {label}: {_what(m, merged.mine)}")
            if merged.base != b:
                plan.bases.append({"kind": kind, "key": key, "data": merged.base})
    plan.conflicts = [
        {
            "kind": c.kind,
            "key": c.key,
            "field": c.field,
            "label": c.label,
            "base": c.base,
            "mine": c.mine,
            "theirs": c.theirs,
        }
        for c in report.conflicts
    ]
    return plan, report


def _shared_op(kind: str, key: str, before: Data | None, after: Data | None) -> dict[str, Any]:
    if after is None:
        return {"kind": kind, "key": key, "op": "delete", "data": None, "names": []}
    if before is None:
        return {"kind": kind, "key": key, "op": "insert", "data": after, "names": []}
    changed = [n for n in rows.fields_of(kind) if before.get(n) != after.get(n)]
    return {"kind": kind, "key": key, "op": "update", "data": after, "names": changed}


def _what(before: Data | None, after: Data | None) -> str:
    if after is None:
        return "deleted"
    if before is None:
        return "new"
    return ", ".join(sorted(n for n in after if before.get(n) != after.get(n)))


def touched_episodes(ops: Iterable[dict[str, Any]], data_of: dict[str, rows.Rows]) -> set[str]:
    """UUIDs of the episodes whose fields or cuts the ops change (their serial moves)."""
    found: set[str] = set()
    for op in ops:
        if op["kind"] == EPISODE and op["op"] != "insert":
            found.add(op["key"])
        elif op["kind"] == CUT:
            for data in (op["data"], data_of.get(CUT, {}).get(op["key"])):
                if data is not None:
                    found.add(data["episode"])
    return found


def _order(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Deletes first, children before parents; then inserts and updates, parents first."""
    rank = {kind: n for n, kind in enumerate(KINDS)}
    deletes = sorted((o for o in ops if o["op"] == "delete"), key=lambda o: -rank[o["kind"]])
    # Within a kind, updates first: a renamed slug frees its old value for a new row.
    others = sorted(
        (o for o in ops if o["op"] != "delete"),
        key=lambda o: (rank[o["kind"]], o["op"] == "insert"),
    )
    return deletes + others


def apply_shared(
    conn: Connection,
    plan: Plan,
    show_id: int,
    theirs: dict[str, rows.Rows],
    *,
    copy_uuid: str,
    default_profile: str,
    summary: str,
) -> None:
    """Write the plan's shared-side changes and its receipt, in the caller's transaction."""
    ep = table(Episode)
    for uuid in sorted(touched_episodes(plan.shared, theirs)):
        seen = plan.serials.get(uuid)
        if seen is None:
            continue  # an episode that is new on the shared side: nobody else has it open
        moved = conn.execute(
            update(ep).where(ep.c.uuid == uuid, ep.c.serial == seen).values(serial=seen + 1)
        )
        if moved.rowcount != 1:
            raise Raced(uuid)
    refs = Refs(conn, show_id)
    states_changed: list[str] = []
    for op in _order(plan.shared):
        kind, key = op["kind"], op["key"]
        if not _write(conn, op, refs):
            continue
        if op["op"] == "update" and kind == EPISODE:
            _mark_edited(conn, key, op["names"])
            if "state" in op["names"]:
                states_changed.append(key)
    if states_changed:
        # A talk moved on at the venue: the shared workers get what its state calls for.
        from veyedesk.jobs.queue import queue_for_state

        with Session(bind=conn) as session:
            for uuid in states_changed:
                episode = session.scalars(select(Episode).where(Episode.uuid == uuid)).one()
                queue_for_state(session, episode, default_profile)
            session.flush()
    conn.execute(
        insert(table(VenueSyncReceipt)).values(
            run_uuid=plan.run_uuid,
            copy_uuid=copy_uuid,
            applied_at=datetime.now().replace(microsecond=0),
            summary=summary[:2000],
        )
    )


def _write(conn: Connection, op: dict[str, Any], refs: Refs) -> bool:
    """One insert, update or delete; False when the row's talk or raw file is gone here.

    A cut or log of a talk deleted on this side meanwhile goes with the talk, as the
    talk's other cuts and logs did (its delete cascades).
    """
    kind, key = op["kind"], op["key"]
    try:
        if op["op"] == "delete":
            rows.delete_row(conn, kind, key, refs)
        elif op["op"] == "insert":
            rows.insert_row(conn, kind, key, op["data"], refs)
        else:
            rows.update_row(conn, kind, key, op["data"], op["names"], refs)
    except KeyError:
        return False
    return True


def _mark_edited(conn: Connection, uuid: str, names: list[str]) -> None:
    """Fields changed by hand at the venue are kept by the next schedule import too."""
    editable = {n for n in names if n not in ("state", "location", "sequence", "slug")}
    if not editable:
        return
    ep = table(Episode)
    current = conn.scalar(select(ep.c.edited_fields).where(ep.c.uuid == uuid)) or []
    merged = sorted(set(current) | editable)
    if merged != sorted(current):
        conn.execute(update(ep).where(ep.c.uuid == uuid).values(edited_fields=merged))


def finish_local(conn: Connection, plan: Plan, show_id: int) -> None:
    """Apply a plan to the venue copy (rows it still holds as expected, bases, conflicts)."""
    named: dict[str, set[str]] = {}
    for op in plan.local:
        named.setdefault(op["kind"], set()).add(op["key"])
    current = {kind: rows.read_keys(conn, kind, keys) for kind, keys in named.items()}
    refs = Refs(conn, show_id)
    ops = []
    for op in plan.local:
        kind, key = op["kind"], op["key"]
        if current.get(kind, {}).get(key) != op["expect"]:
            continue  # edited here since the plan was made: kept, and shown as mine next time
        before = current.get(kind, {}).get(key)
        if op["data"] is None:
            ops.append({"kind": kind, "key": key, "op": "delete", "data": None, "names": []})
        elif before is None:
            ops.append({"kind": kind, "key": key, "op": "insert", "data": op["data"], "names": []})
        else:
            names = [n for n in rows.fields_of(kind) if before.get(n) != op["data"].get(n)]
            ops.append(
                {"kind": kind, "key": key, "op": "update", "data": op["data"], "names": names}
            )
    ep = table(Episode)
    for op in _order(ops):
        _write(conn, op, refs)
    # An editor with one of these talks open on the copy must notice (its save is CAS).
    for uuid in sorted(touched_episodes(ops, current)):
        conn.execute(update(ep).where(ep.c.uuid == uuid).values(serial=ep.c.serial + 1))
    base = table(VenueBase)
    for item in plan.bases:
        conn.execute(delete(base).where(base.c.kind == item["kind"], base.c.key == item["key"]))
        if item["data"] is not None:
            conn.execute(insert(base).values(kind=item["kind"], key=item["key"], data=item["data"]))
    conflict = table(VenueConflict)
    conn.execute(delete(conflict))
    now = datetime.now().replace(microsecond=0)
    for c in plan.conflicts:
        conn.execute(insert(conflict).values(detected_at=now, **c))
    conn.execute(delete(table(VenueSyncRun)).where(table(VenueSyncRun).c.run_uuid == plan.run_uuid))
    conn.execute(update(table(VenueOrigin)).values(last_sync_at=now))


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
    from veyedesk.services.venue.checkout import parse_day

    show_id = show_id_on(conn, origin.client, origin.show)
    room_ids = None
    if origin.room:
        loc = table(Location)
        room_id = conn.scalar(select(loc.c.id).where(loc.c.slug == origin.room))
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
        raise VenueError(
            f"{exc} A venue copy never stores the shared database's password: give the "
            "whole URL with `veyedesk venue sync --from URL`, or set PGPASSWORD"
        ) from None


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
) -> SyncReport:
    """Merge the venue copy `local` with its shared database (see the module docstring).

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
        shared_engine, own_shared = _engine(source or origin.source_url)
        _check_same_show(shared_engine, origin)
        recovered = False if dry_run else _recover(local_engine, shared_engine, origin)
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
                )
                report.recovered = recovered
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
            apply_shared(
                sconn,
                plan,
                scope.show_id,
                theirs,
                copy_uuid=origin.copy_uuid,
                default_profile=default_profile,
                summary=f"venue sync from {origin.machine} ({origin.who}): "
                f"{report.pushed} pushed, {report.pulled} pulled",
            )
        except Raced:
            sconn.rollback()
            with local.begin() as lconn:  # this plan will never be applied: start over
                runs = table(VenueSyncRun)
                lconn.execute(delete(runs).where(runs.c.run_uuid == plan.run_uuid))
            raise
        if held:
            with Session(bind=sconn) as session:
                from veyedesk.services.locks import release_venue_locks

                release_venue_locks(session, origin.lock_holder, renew=keep_locks)
        _checkpoint("before-shared-commit")
        sconn.commit()
    _checkpoint("shared-committed")
    report_progress(0.85, f"pulling {report.pulled} changes")
    with local.begin() as lconn:
        finish_local(lconn, plan, local_show)
        _checkpoint("before-local-commit")
    _checkpoint("done")
    report_progress(1.0, "synced")
    return report


def _stored_conflicts(*, lconn_engine: Engine) -> list[Any]:
    with lconn_engine.connect() as conn:
        return list(conn.execute(select(table(VenueConflict))).all())


__all__ = [
    "DELETED",
    "UNSET",
    "Plan",
    "SyncReport",
    "apply_shared",
    "finish_local",
    "pending_conflicts",
    "plan_merge",
    "show_slugs",
    "sync",
]
