"""A sync's plan: the merge of every row into what each side must change, and applying it.

`plan_merge` is pure (rows in, a `Plan` out); `apply_shared` writes the shared side's part
in the caller's transaction (serials claimed compare-and-swap, receipt included);
`finish_local` writes the venue copy's part. `sync.py` orders the commits around them and
`changes.py` reuses the first two for change files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.orm import Session

from veyedesk.model import (
    Episode,
    VenueBase,
    VenueConflict,
    VenueOrigin,
    VenueSyncReceipt,
    VenueSyncRun,
)
from veyedesk.model.base import new_uuid
from veyedesk.model.kinds import LogKind
from veyedesk.services.venue import rows, writes
from veyedesk.services.venue.merge import FieldConflict, merge_row
from veyedesk.services.venue.pipeline import Arrival, arrive, resume_released
from veyedesk.services.venue.rows import CUT, EPISODE, KINDS, Data, table
from veyedesk.services.venue.writes import Refs

Resolutions = dict[tuple[str, str, str], str]


@dataclass
class SyncReport:
    """What a sync (or an applied change file) did or, dry, would do."""

    pushed: int = 0
    pulled: int = 0
    conflicts: list[FieldConflict] = field(default_factory=list)
    resolved: int = 0
    lines: list[str] = field(default_factory=list)
    # The subset of `lines` that describe pushes (a change file reports only these).
    push_lines: list[str] = field(default_factory=list)
    locks: str = ""
    recovered: bool = False
    # Talks the shared side's pipeline put elsewhere than pushed (pulled back at once).
    rerouted: list[str] = field(default_factory=list)
    # Sheet files (paths under the show's folder) copied to the shared show folder, and
    # those it could not reach from here (`files.copy_sheet_files`).
    files_copied: list[str] = field(default_factory=list)
    files_waiting: list[str] = field(default_factory=list)


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
    if kind == rows.IMAGE:
        return f"sheet {data.get('original_name') or data.get('filename')}"
    if kind == rows.ROOM:
        return f"room “{data.get('name') or key}”"
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
    names: dict[str, str] | None = None,
) -> tuple[Plan, SyncReport]:
    """Merge every row of every kind into a plan (pure).

    `shared_slugs` are the show's slugs on the shared database: a talk added on the copy
    whose slug was taken there meanwhile gets the next free one, on both sides at once.
    `names` (talk UUID -> title) name talks before any side does (a change file's base
    is not to be trusted with that).
    """
    from veyedesk.model.slug import TakenSlugs, unique_slug

    taken = TakenSlugs(shared_slugs)
    report = SyncReport()
    plan = Plan(new_uuid(), [], [], [], [], serials)
    # Rows are named by their agreed (base) values: a conflict on a title must not be
    # labelled with one side's new title.
    names = dict(names or {})
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
                line = f"push {label}: {_what(t, merged.theirs)}"
                report.lines.append(line)
                report.push_lines.append(line)
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


def changed_talks(ops: Iterable[dict[str, Any]], data_of: dict[str, rows.Rows]) -> set[str]:
    """UUIDs of the talks the ops add or change, their cuts and tombstones included."""
    found = touched_episodes(ops, data_of)
    for op in ops:
        if op["kind"] == EPISODE and op["op"] == "insert":
            found.add(op["key"])
        elif op["kind"] == rows.TOMBSTONE and op["data"] is not None:
            found.add(op["data"]["episode"])
    return found


def add_sync_logs(
    plan: Plan,
    theirs: dict[str, rows.Rows],
    mine: dict[str, rows.Rows] | None,
    text: str,
    user: str,
    now: datetime,
) -> int:
    """Add a Log row ("synced from laptop X by who") to every talk the plan changes there.

    The rows go into the plan on both sides with their base, like any merged log, so the
    editor's Logs tab shows where a change came from and the next sync finds nothing new.
    `mine` is None for a change file (no copy to write to; its next sync pulls them).
    """
    talks = changed_talks(plan.shared, theirs)
    gone = {op["key"] for op in plan.shared if op["kind"] == EPISODE and op["op"] == "delete"}
    states = {k: d.get("state") for k, d in theirs.get(EPISODE, {}).items()}
    states.update(
        {
            op["key"]: op["data"].get("state")
            for op in plan.shared
            if op["kind"] == EPISODE and op["data"]
        }
    )
    on_copy = set(mine.get(EPISODE, {})) if mine is not None else set()
    for op in plan.local if mine is not None else ():
        if op["kind"] == EPISODE:
            (on_copy.discard if op["data"] is None else on_copy.add)(op["key"])
    added = 0
    for uuid in sorted(talks - gone):
        key = new_uuid()
        data = {
            "ready": None,
            "start": now.replace(microsecond=0).isoformat(),
            "end": None,
            "user": user,
            "result": text,
            "kind": LogKind.SYNC.value,
            "episode": uuid,
            "state": states.get(uuid),
        }
        plan.shared.append(
            {"kind": rows.LOG, "key": key, "op": "insert", "data": data, "names": []}
        )
        if uuid in on_copy:
            plan.local.append({"kind": rows.LOG, "key": key, "expect": None, "data": data})
            plan.bases.append({"kind": rows.LOG, "key": key, "data": data})
        added += 1
    return added


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
    user: str = "venue sync",
) -> list[str]:
    """Write the plan's shared-side changes and its receipt, in the caller's transaction.

    Returns the UUIDs of talks the shared side's pipeline put elsewhere than the pushed
    state (held before a public state, walked on): the copy pulls them at the next merge.
    """
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
    arrivals: list[Arrival] = []
    released: list[str] = []
    refs.visible_episodes = set(theirs.get(EPISODE, {}))
    for op in _order(plan.shared):
        kind, key = op["kind"], op["key"]
        if not _write(conn, op, refs):
            continue
        if op["op"] == "update" and kind == EPISODE:
            _mark_edited(conn, key, op["names"])
            if "state" in op["names"]:
                before = theirs.get(EPISODE, {}).get(key) or {}
                arrivals.append(Arrival(key, before.get("state"), op["data"]["state"]))
            elif "released" in op["names"]:
                released.append(key)
    rerouted: list[str] = []
    if arrivals or released:
        # A talk moved on at the venue: the shared side's pipeline and `released` judge
        # where it ends (release gating is never skipped) and its workers get the work.
        with Session(bind=conn) as session:
            for arrival in arrivals:
                pushed, ended = arrive(session, arrival, user, default_profile)
                if ended != pushed:
                    rerouted.append(arrival.uuid)
            for uuid in released:
                before_state = session.scalar(select(Episode.state_id).where(Episode.uuid == uuid))
                resume_released(session, uuid, user, default_profile)
                if session.scalar(select(Episode.state_id).where(Episode.uuid == uuid)) != (
                    before_state
                ):
                    rerouted.append(uuid)
            session.flush()
    conn.execute(
        insert(table(VenueSyncReceipt)).values(
            run_uuid=plan.run_uuid,
            copy_uuid=copy_uuid,
            applied_at=datetime.now().replace(microsecond=0),
            summary=summary[:2000],
        )
    )
    return rerouted


def _write(conn: Connection, op: dict[str, Any], refs: Refs) -> bool:
    """One insert, update or delete; False when the row's talk or raw file is gone here.

    A cut or log of a talk deleted on this side meanwhile goes with the talk, as the
    talk's other cuts and logs did (its delete cascades).
    """
    kind, key = op["kind"], op["key"]
    try:
        if op["op"] == "delete":
            writes.delete_row(conn, kind, key, refs)
        elif op["op"] == "insert":
            writes.insert_row(conn, kind, key, op["data"], refs)
        else:
            writes.update_row(conn, kind, key, op["data"], op["names"], refs)
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
