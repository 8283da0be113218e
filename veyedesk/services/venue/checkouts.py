"""Check a part of a show out of the shared database into a venue copy (a local SQLite).

The copy is an ordinary veyedesk database (the editor, the Mark window and the CLI open it
like any other) holding the client, the show, its rooms, the states, the users (names
and roles, never their password hashes: a laptop's file must not let anyone guess the
crew's passwords offline, so a copy has no logins and opens as its computer's user, like
any local SQLite database, whose protection is the file's permissions; pushing back
still needs the shared database's own password), the chosen talks with their cuts, logs and
tombstones, and the raw files and marks of their rooms. Rows keep the shared database's
integer ids, so `episodes list` shows the same numbers on both; rows born on the copy
later get local ids, and every merge matches by UUID (raw files by room and filename).
Beside the rows it keeps their base version (`venue_base`) and where it came from
(`venue_origin`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, insert, or_, select, true, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from veyedesk.model import (
    Client,
    Cut,
    CutTombstone,
    Episode,
    Location,
    Log,
    Mark,
    RawFile,
    Show,
    State,
    User,
    VenueBase,
    VenueCheckout,
    VenueOrigin,
)
from veyedesk.model.base import new_uuid
from veyedesk.services.identity import Identity
from veyedesk.services.venue import rows
from veyedesk.services.venue.errors import VenueError
from veyedesk.services.venue.rows import chunks, table

Progress = Callable[[float, str], None]
Source = str | sessionmaker[Session]


@dataclass
class CheckoutResult:
    """What a checkout copied and which of its talks it could lock."""

    path: Path
    copy_uuid: str
    episode_ids: list[int]
    counts: dict[str, int]
    locked: list[int] = field(default_factory=list)
    # (episode id, who holds it) for talks copied but locked by someone else.
    not_locked: list[tuple[int, str]] = field(default_factory=list)


def parse_day(day: date | str | None) -> datetime | None:
    """Midnight of `day` (a date or YYYY-MM-DD), or None."""
    if day is None or day == "":
        return None
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            raise VenueError(f"--day {day!r} is not a date; write it as YYYY-MM-DD") from None
    return datetime(day.year, day.month, day.day)


def source_engine(source: Source) -> tuple[Engine, str, bool]:
    """(engine, URL to remember, whether this call opened the engine) for a URL or a factory."""
    if isinstance(source, str):
        from veyedesk.db import open_database

        return open_database(source, upgrade_sqlite=False), source, True
    bind = source.kw.get("bind")
    if not isinstance(bind, Engine):
        raise VenueError("the shared database's session factory has no engine bound")
    return bind, bind.url.render_as_string(hide_password=False), False  # stripped by checkout


def url_without_password(url: str) -> str:
    """`url` with its password left out (user, host, database and options kept).

    A venue copy travels (a laptop, an assets folder handed to an editor elsewhere), and
    the shared database's password is the security boundary: it is never stored in one.
    The sync finds it where libpq looks (PGPASSWORD, ~/.pgpass) or in `sync --from URL`.
    """
    parsed = make_url(url)
    query = {k: v for k, v in parsed.query.items() if k.lower() != "password"}
    # URL.set(password=None) means "unchanged": the tuple's own _replace drops it.
    return parsed.set(query=query)._replace(password=None).render_as_string(hide_password=False)


def open_copy(target_path: Path) -> Engine:
    """A new, migrated SQLite at `target_path`; refuses to overwrite an existing file."""
    target_path = Path(target_path).expanduser()
    if target_path.exists() and target_path.stat().st_size > 0:
        raise VenueError(
            f"{target_path} exists; choose another file with -o (a venue copy is never "
            "overwritten: sync or export its changes first)"
        )
    from veyedesk.db import open_database

    return open_database(f"sqlite:///{target_path}")


def _who(who: Identity | str) -> str:
    if isinstance(who, Identity):
        who.require("edit")
        return who.name
    return who


def _copy(src: Connection, dst: Connection, tbl: Table, where: Any = None) -> list[dict[str, Any]]:
    stmt = select(tbl)
    if where is not None:
        stmt = stmt.where(where)
    found = [dict(r._mapping) for r in src.execute(stmt)]
    if found:
        dst.execute(insert(tbl), found)
    return found


def _copy_users(src: Connection, dst: Connection, us: Table) -> None:
    """Every user's name, role and state, with no password hash (see the module's doc)."""
    # The hash column is not even read: a database login restricted by `veyedesk db
    # roles` may not read it.
    columns = [c for c in us.c if c.name != "password_hash"]
    found = [{**r._mapping, "password_hash": ""} for r in src.execute(select(*columns))]
    if found:
        dst.execute(insert(us), found)


def _copy_by_ids(src: Connection, dst: Connection, tbl: Table, ids: Sequence[int]) -> int:
    count = 0
    for batch in chunks(sorted(set(ids))):
        count += len(_copy(src, dst, tbl, tbl.c.id.in_(batch)))
    return count


def _by(src: Connection, column: Any, values: Sequence[Any], *cols: Any) -> list[Any]:
    out: list[Any] = []
    for batch in chunks(sorted(set(values))):
        out += src.execute(select(*cols).where(column.in_(batch))).all()
    return out


def _in_day(column: Any, day: datetime | None) -> Any:
    return true() if day is None else and_(column >= day, column < day + timedelta(days=1))


def checkout(
    source_url_or_factory: Source,
    target_path: Path | str,
    *,
    client: str,
    show: str,
    room: str | None = None,
    day: date | str | None = None,
    episode_ids: Sequence[int] | None = None,
    who: Identity | str,
    machine: str,
    lock: bool = True,
    progress: Progress | None = None,
) -> CheckoutResult:
    """Copy a show's part (room, day or the given talks) into a new venue copy at target_path.

    Locks the copied talks on the shared database for this copy where nobody else holds
    them (`lock=False`: none); the talks locked by others are copied all the same and
    listed in the result. The shared database is read and locked in one transaction that
    commits only after the copy is safely written, so a failed checkout locks nothing.
    """
    name = _who(who)
    midnight = parse_day(day)
    target = Path(target_path).expanduser()
    report = progress or (lambda _f, _t: None)
    engine, source_url, owned = source_engine(source_url_or_factory)
    copy_uuid = new_uuid()
    from veyedesk.services.editing import venue_holder

    holder = venue_holder(machine, name, copy_uuid)
    try:
        with engine.connect() as src:
            src.begin()
            ids = _scope(src, client, show, room, midnight, episode_ids)
            report(0.05, f"{len(ids.episodes)} talks to copy")
            locked: list[int] = []
            if lock and ids.episodes:
                with Session(bind=src) as session:
                    from veyedesk.services.editing import take_venue_locks

                    locked = take_venue_locks(session, ids.episodes, holder)
                    session.flush()
            local = open_copy(target)
            try:
                with local.begin() as dst:
                    counts = _write_copy(src, dst, ids, report)
                    report(0.8, "recording the base of every row")
                    _write_bases(dst)
                    dst.execute(
                        insert(table(VenueOrigin)).values(
                            copy_uuid=copy_uuid,
                            source_url=url_without_password(source_url),
                            client=client,
                            show=show,
                            room=room,
                            day=midnight.date().isoformat() if midnight else None,
                            episode_uuids=ids.episode_uuids if episode_ids is not None else None,
                            who=name,
                            machine=machine,
                            lock_holder=holder,
                            checked_out_at=datetime.now().replace(microsecond=0),
                        )
                    )
            except BaseException:
                local.dispose()
                target.unlink(missing_ok=True)
                for extra in ("-wal", "-shm"):
                    Path(f"{target}{extra}").unlink(missing_ok=True)
                raise
            local.dispose()
            held = {
                r.id: r.locked_by
                for r in _by(
                    src,
                    table(Episode).c.id,
                    ids.episodes,
                    table(Episode).c.id,
                    table(Episode).c.locked_by,
                )
            }
            # What this copy covers, on the shared side: a change file naming this copy
            # may change these rows only (`changes.apply_changes`), whatever it claims.
            src.execute(
                insert(table(VenueCheckout)).values(
                    copy_uuid=copy_uuid,
                    show_id=ids.show_id,
                    room=room,
                    day=midnight.date().isoformat() if midnight else None,
                    episode_uuids=ids.episode_uuids if episode_ids is not None else None,
                    copied=ids.episode_uuids,
                    who=name[:200],
                    machine=machine[:200],
                    checked_out_at=datetime.now().replace(microsecond=0),
                )
            )
            src.commit()
    finally:
        if owned:
            engine.dispose()
    report(1.0, "checked out")
    from veyedesk.services.editing import LockState

    not_locked = [
        (i, LockState(i, held[i], None, False).describe())
        for i in ids.episodes
        if lock and i not in set(locked)
    ]
    return CheckoutResult(target, copy_uuid, ids.episodes, counts, locked, not_locked)


@dataclass
class _Ids:
    client_id: int
    show_id: int
    episodes: list[int]
    episode_uuids: list[str]
    room_ids: list[int]
    raw_where: Any
    mark_where: Any


def _scope(
    src: Connection,
    client: str,
    show: str,
    room: str | None,
    day: datetime | None,
    episode_ids: Sequence[int] | None,
) -> _Ids:
    cl, sh, loc, ep = table(Client), table(Show), table(Location), table(Episode)
    client_id = src.scalar(select(cl.c.id).where(cl.c.slug == client))
    if client_id is None:
        raise VenueError(f"the shared database has no client {client!r}; check --client")
    show_id = src.scalar(select(sh.c.id).where(sh.c.client_id == client_id, sh.c.slug == show))
    if show_id is None:
        raise VenueError(
            f"client {client!r} has no show {show!r} on the shared database; check --show"
        )
    room_ids: list[int] = []
    if room is not None:
        room_id = src.scalar(select(loc.c.id).where(loc.c.slug == room, loc.c.show_id == show_id))
        if room_id is None:
            raise VenueError(
                f"show {show!r} has no room {room!r} on the shared database; check --room"
            )
        room_ids = [room_id]
    where = and_(ep.c.show_id == show_id, _in_day(ep.c.start, day))
    if room is not None:
        where = and_(where, ep.c.location_id == room_ids[0])
    if episode_ids is not None:
        wanted = sorted(set(episode_ids))
        found = _by(src, ep.c.id, wanted, ep.c.id, ep.c.show_id)
        missing = set(wanted) - {r.id for r in found if r.show_id == show_id}
        if missing:
            raise VenueError(
                f"episode(s) {', '.join(map(str, sorted(missing)))} are not in show {show!r}; "
                "check the ids (`veyedesk episodes list`)"
            )
        where = and_(where, ep.c.id.in_(wanted))
    found_eps = src.execute(
        select(ep.c.id, ep.c.uuid, ep.c.location_id, ep.c.start).where(where)
    ).all()
    raw, mark = table(RawFile), table(Mark)
    if episode_ids is not None:
        # A talk to go: the raw files and marks of each talk's room on its day.
        pairs = {(r.location_id, r.start.date()) for r in found_eps if r.location_id and r.start}
        raw_where: Any = or_(
            false_clause(),
            *(
                and_(
                    raw.c.location_id == lid, _in_day(raw.c.start, datetime(d.year, d.month, d.day))
                )
                for lid, d in pairs
            ),
        )
        mark_where: Any = or_(
            false_clause(),
            *(
                and_(
                    mark.c.location_id == lid,
                    _in_day(mark.c.click, datetime(d.year, d.month, d.day)),
                )
                for lid, d in pairs
            ),
        )
    else:
        raw_where = _in_day(raw.c.start, day)
        mark_where = _in_day(mark.c.click, day)
        if room_ids:
            raw_where = and_(raw_where, raw.c.location_id == room_ids[0])
            mark_where = and_(mark_where, mark.c.location_id == room_ids[0])
    raw_where = and_(raw.c.show_id == show_id, raw_where)
    mark_where = and_(mark.c.show_id == show_id, mark_where)
    return _Ids(
        client_id=client_id,
        show_id=show_id,
        episodes=sorted(r.id for r in found_eps),
        episode_uuids=sorted(r.uuid for r in found_eps),
        room_ids=room_ids,
        raw_where=raw_where,
        mark_where=mark_where,
    )


def false_clause() -> Any:
    from sqlalchemy import false

    return false()


def _write_copy(src: Connection, dst: Connection, ids: _Ids, report: Progress) -> dict[str, int]:
    cl, sh, loc, st, us = (table(m) for m in (Client, Show, Location, State, User))
    ep, cut, raw, mark, log, tomb = (
        table(m) for m in (Episode, Cut, RawFile, Mark, Log, CutTombstone)
    )
    _copy(src, dst, cl, cl.c.id == ids.client_id)
    _copy(src, dst, sh, sh.c.id == ids.show_id)
    # The show's rooms (a room belongs to one show), every state and every user.
    _copy(src, dst, loc, loc.c.show_id == ids.show_id)
    # Migration 0001 seeded the states: the shared database's list (ids and commands) wins.
    dst.execute(table(State).delete())
    _copy(src, dst, st)
    _copy_users(src, dst, us)
    # The show's pipeline, read-only here: the copy walks pass states and holds talks
    # before public states as the show says (sync refreshes it, never pushes it).
    from veyedesk.services.venue.pipeline import pipeline_rows, write_pipeline

    write_pipeline(dst, ids.show_id, *pipeline_rows(src, ids.show_id))
    report(0.15, "talks")
    counts = {"episodes": _copy_by_ids(src, dst, ep, ids.episodes)}
    # The copy's own locks start free: on the shared database the talk is this copy's.
    dst.execute(update(ep).values(locked=None, locked_by=""))
    report(0.3, "cuts")
    cut_rows: list[dict[str, Any]] = []
    for batch in chunks(ids.episodes):
        cut_rows += [
            dict(r._mapping) for r in src.execute(select(cut).where(cut.c.episode_id.in_(batch)))
        ]
    tomb_rows: list[dict[str, Any]] = []
    for batch in chunks(ids.episodes):
        tomb_rows += [
            dict(r._mapping) for r in src.execute(select(tomb).where(tomb.c.episode_id.in_(batch)))
        ]
    report(0.4, "raw files")
    raw_rows = [dict(r._mapping) for r in src.execute(select(raw).where(ids.raw_where))]
    have = {r["id"] for r in raw_rows}
    needed = {r["raw_file_id"] for r in cut_rows + tomb_rows} - have
    for batch in chunks(needed):
        raw_rows += [dict(r._mapping) for r in src.execute(select(raw).where(raw.c.id.in_(batch)))]
    if raw_rows:
        dst.execute(insert(raw), raw_rows)
    if cut_rows:
        dst.execute(insert(cut), cut_rows)
    if tomb_rows:
        dst.execute(insert(tomb), tomb_rows)
    report(0.55, "marks")
    counts["marks"] = len(_copy(src, dst, mark, ids.mark_where))
    report(0.65, "logs")
    log_count = 0
    for batch in chunks(ids.episodes):
        log_count += len(_copy(src, dst, log, log.c.episode_id.in_(batch)))
    counts.update(cuts=len(cut_rows), raw_files=len(raw_rows), logs=log_count)
    # Why a talk waits before a public state, as the shared database says (read-only here).
    from veyedesk.services.venue.pipeline import mirror_holds, read_holds

    mirror_holds(dst, read_holds(src, ids.episode_uuids))
    return counts


def _write_bases(dst: Connection) -> None:
    """Every row as it is now is the base of the next merge."""
    found = rows.read_all(dst)
    base = table(VenueBase)
    batch = [
        {"kind": kind, "key": key, "data": data}
        for kind, by_key in found.items()
        for key, data in by_key.items()
    ]
    if batch:
        dst.execute(insert(base), batch)
