"""Import a conference schedule into a show: safe, idempotent, with a field-by-field diff.

Times follow the convention of `veyedesk.ingest.records`: Episode.start is the venue wall
clock exactly as the schedule prints it, Episode.utc_offset_min keeps the offset.

Talks are matched on `conf_key` (frab guid, else id). A re-import adds new talks, updates
changed fields, reports (never deletes) talks that left the schedule, and leaves fields an
editor changed alone unless `overwrite_edited`. Everything happens in the caller's
transaction, so a bad file writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session, selectinload

from veyedesk.ingest.limits import too_long
from veyedesk.ingest.records import (
    MERGE_FIELDS,
    CutRecord,
    EventRecord,
    Schedule,
    ScheduleError,
    offset_in_zone,
)
from veyedesk.ingest.schedule import read_schedule
from veyedesk.ingest.schedule_merge import (
    Existing,
    MergePlan,
    Removals,
    comparable,
    edited_names,
    plan_merge,
)
from veyedesk.model import Cut, Episode, Location, RawFile, Show
from veyedesk.model.base import new_uuid
from veyedesk.model.slug import TakenSlugs, slugify, unique_slug
from veyedesk.model.text import plain_text
from veyedesk.model.timecode import add_seconds
from veyedesk.services.episodes import get_state
from veyedesk.services.errors import InvalidInput


@dataclass
class ImportResult:
    """What an import found and (unless dry_run) did."""

    schedule: Schedule
    plan: MergePlan
    dry_run: bool
    rooms_created: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        head = (
            f"{self.schedule.source}: {len(self.schedule.events)} events ({self.schedule.format})"
        )
        out = [head, *self.plan.lines()]
        if self.rooms_created:
            out.insert(
                1,
                f"rooms {'to create' if self.dry_run else 'created'}: "
                + ", ".join(self.rooms_created),
            )
        if self.dry_run:
            out.append("dry run: nothing was written")
        return out


def room_slug(name: str) -> str:
    """The Location slug a schedule's room name maps to (`Hörsaal 1` -> `horsaal_1`)."""
    return slugify(name, fallback="room").lower()


class _Rooms:
    """Maps schedule room names to the show's Locations, creating missing ones on demand."""

    def __init__(self, session: Session, show: Show) -> None:
        self.session, self.show = session, show
        self.by_name = {loc.name.casefold(): loc for loc in show.locations}
        self.by_slug = {loc.slug: loc for loc in show.locations}
        self.created: list[str] = []

    def key(self, name: str) -> str:
        """The slug of the room `name` resolves to (existing or to be created)."""
        found = self.by_name.get(name.casefold())
        return found.slug if found is not None else room_slug(name)

    def get(self, name: str) -> Location:
        """The Location for `name`, creating it in the show when the show has none."""
        found = self.by_name.get(name.casefold()) or self.by_slug.get(room_slug(name))
        if found is not None:
            return found
        slug = room_slug(name)
        # A room of this show only: another client's (or year's) "Saal 1" is its own room
        # with its own clock offset and folder.
        room = Location(show=self.show, slug=slug, name=name, sequence=len(self.show.locations) + 1)
        self.session.add(room)
        self.by_name[name.casefold()] = room
        self.by_slug[slug] = room
        self.created.append(slug)
        return room


def check_lengths(schedule: Schedule) -> None:
    """Refuse the schedule when a value is longer than its column, naming event and field.

    Limits come from the models' `String(n)`, so SQLite (which would store the value) and
    PostgreSQL (which would refuse the whole import with a database error) agree.
    """
    for record in schedule.events:
        values: list[tuple[Any, str, str, Any]] = [
            (Episode, "conf_key", "id", record.conf_key),
            (Location, "name", "room", record.room),
        ]
        values += [(Episode, k, k, v) for k, v in record.values().items() if k != "room"]
        if record.restore is not None:
            values.append((Episode, "slug", "slug", record.restore.slug))
            values += [(Episode, k, k, v) for k, v in record.restore.columns.items()]
            values += [
                (RawFile, "filename", "cut raw_file", c.raw_file) for c in record.restore.cuts
            ]
        for model, column, label, value in values:
            limit = too_long(model, column, value)
            if limit is not None:
                raise InvalidInput(
                    f"{record.where}: {label} is {len(value)} characters, longer than the "
                    f"{limit} the database holds; shorten it in the schedule and import again"
                )


def _current(episode: Episode) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in MERGE_FIELDS:
        if name == "room":
            values[name] = episode.location.slug if episode.location else None
        else:
            values[name] = comparable(name, getattr(episode, name))
    return values


def _existing(episode: Episode) -> Existing:
    meta = episode.conf_meta if isinstance(episode.conf_meta, dict) else {}
    imported = meta.get("imported")
    return Existing(
        id=episode.id,
        conf_key=episode.conf_key,
        name=episode.name,
        values=_current(episode),
        imported=dict(imported) if isinstance(imported, dict) else {},
        edited_fields=edited_names(episode.edited_fields),
    )


def _imported_values(record: EventRecord, rooms: _Rooms) -> dict[str, Any]:
    values = {k: comparable(k, v) for k, v in record.values().items()}
    if "room" in values:
        values["room"] = rooms.key(record.room)
    return values


def _set_field(episode: Episode, name: str, value: Any, rooms: _Rooms, record: EventRecord) -> None:
    if name == "room":
        episode.location = rooms.get(record.room)
    elif name == "start":
        episode.start = datetime.fromisoformat(value) if isinstance(value, str) else value
    else:
        setattr(episode, name, value)


def import_schedule(
    session: Session,
    show: Show,
    data: bytes,
    source: str,
    fmt: str = "auto",
    *,
    dry_run: bool = False,
    overwrite_edited: bool = False,
    removals: Removals = False,
) -> ImportResult:
    """Import schedule bytes into `show`; InvalidInput (nothing written) for a bad file.

    A blank schedule value over a talk's text is a removal, applied only when chosen by
    `removals` (True: all; else the (episode id, field) pairs); see schedule_merge.
    """
    source = plain_text(source)  # a path is free text; messages must stay one line
    try:
        schedule = read_schedule(data, source, fmt)
    except ScheduleError as exc:
        raise InvalidInput(str(exc)) from None
    check_lengths(schedule)
    if show.timezone:
        for record in schedule.events:
            if record.start is not None and record.utc_offset_min is None:
                record.utc_offset_min = offset_in_zone(record.start, show.timezone)
    rooms = _Rooms(session, show)
    episodes = list(
        session.scalars(
            select(Episode)
            .where(Episode.show_id == show.id, Episode.conf_key != "")
            .options(selectinload(Episode.location))
        )
    )
    # Room differences are compared as Location slugs, so "Janson" in the schedule matches
    # a room added by hand as `janson`.
    for record in schedule.events:
        record.room = record.room.strip()
    existing = [_existing(e) for e in episodes]
    plan = _plan_with_room_keys(schedule, existing, rooms, overwrite_edited, removals)
    result = ImportResult(schedule=schedule, plan=plan, dry_run=dry_run)
    if dry_run:
        result.rooms_created = sorted({rooms.key(r.room) for r in plan.added} - set(rooms.by_slug))
        return result
    by_id = {e.id: e for e in episodes}
    for ep_plan in plan.updated:
        episode = by_id[ep_plan.existing.id]
        for change in ep_plan.changes:
            _set_field(episode, change.field, change.new, rooms, ep_plan.record)
        if overwrite_edited and episode.edited_fields:
            changed = {c.field for c in ep_plan.changes}
            episode.edited_fields = [
                f for f in episode.edited_fields if edited_names([f]).isdisjoint(changed)
            ]
        old_meta = episode.conf_meta if isinstance(episode.conf_meta, dict) else {}
        if (
            ep_plan.imported != ep_plan.existing.imported
            or old_meta.get("schedule") != ep_plan.record.meta
        ):
            # Links, persons and the like are kept current silently: not editable fields.
            meta = dict(old_meta)
            meta["imported"] = ep_plan.imported
            meta["schedule"] = ep_plan.record.meta
            episode.conf_meta = meta  # a new dict, so the JSON column is seen as changed
    _add_episodes(session, show, plan.added, rooms)
    session.flush()
    result.rooms_created = rooms.created
    return result


def _plan_with_room_keys(
    schedule: Schedule,
    existing: list[Existing],
    rooms: _Rooms,
    overwrite_edited: bool,
    removals: Removals,
) -> MergePlan:
    # The merge compares room slugs; hand it records whose room is the slug, then put the
    # display names back so new rooms are created with the schedule's spelling.
    names = [r.room for r in schedule.events]
    for record in schedule.events:
        record.room = rooms.key(record.room)
    try:
        return plan_merge(schedule, existing, overwrite_edited=overwrite_edited, removals=removals)
    finally:
        for record, name in zip(schedule.events, names, strict=True):
            record.room = name


def _add_episodes(session: Session, show: Show, records: list[EventRecord], rooms: _Rooms) -> None:
    # One slug query for the whole batch instead of one per talk (add_episode's way), and
    # one multi-row INSERT instead of 1,000 ORM objects: a 1,000-talk schedule imports in
    # well under a second. `end` is computed here because bulk inserts skip the flush hook.
    if not records:
        return
    taken = TakenSlugs(session.scalars(select(Episode.slug).where(Episode.show_id == show.id)))
    locations = {r.room: rooms.get(r.room) for r in records}
    session.flush()  # new rooms get their ids
    states: dict[str, int] = {}

    def state_id(slug: str) -> int:
        if slug not in states:
            states[slug] = get_state(session, slug).id
        return states[slug]

    free_uuids = _free_uuids(session, records)
    rows = []
    for record in records:
        restore = record.restore
        # An exported talk keeps its slug (it names every output file) when it is free.
        slug = unique_slug(restore.slug if restore and restore.slug else record.name, taken)
        taken.add(slug)
        fields = {k: v for k, v in record.values().items() if k != "room"}
        start, duration = fields.get("start"), fields.get("duration")
        imported = _imported_values(record, rooms)
        row = {
            **fields,
            "show_id": show.id,
            "location_id": locations[record.room].id,
            "slug": slug,
            "conf_key": record.conf_key,
            "state_id": state_id(record.state or "edit"),
            "sequence": record.sequence or 0,
            "end": add_seconds(start, duration) if start and duration is not None else None,
            "uuid": new_uuid(),
        }
        if restore is not None:
            row.update(restore.columns)
            if restore.uuid in free_uuids:
                row["uuid"] = restore.uuid
                free_uuids.discard(restore.uuid)
            if restore.imported is not None:
                # What the schedule's last import wrote, not this file's values: a later
                # re-import of that schedule must still see the crew's edits as edits.
                imported = restore.imported
        row["conf_meta"] = {"imported": imported, "schedule": record.meta}
        rows.append(row)
    # Rows must share one set of keys for a single executemany.
    keys = set().union(*rows)
    defaults = {k: _column_default(k) for k in keys}
    session.execute(
        insert(Episode).execution_options(render_nulls=True),
        [{**defaults, **row} for row in rows],
    )
    # The show's collection was loaded before the insert; reload it on next access.
    session.expire(show, ["episodes"])
    restored = [
        r for r in records if r.restore is not None and (r.restore.cuts or r.restore.edited_fields)
    ]
    if restored:
        _restore_edits(session, show, restored, rooms)


def _free_uuids(session: Session, records: list[EventRecord]) -> set[str]:
    """The exported talks' UUIDs no episode of this database holds yet (a move keeps them)."""
    wanted = {r.restore.uuid for r in records if r.restore is not None and r.restore.uuid}
    if not wanted:
        return set()
    taken = set(session.scalars(select(Episode.uuid).where(Episode.uuid.in_(wanted))))
    return wanted - taken


def _cut_room(session: Session, rooms: _Rooms, cut: CutRecord, fallback: Location) -> Location:
    """The room a cut's raw file lives in: by its folder (or slug), else the talk's room."""
    for loc in rooms.show.locations:
        if cut.room in (loc.folder, loc.slug):
            return loc
    found = session.scalar(
        select(Location).where(or_(Location.slug == cut.room, Location.dirname == cut.room))
    )
    if found is None:
        return fallback
    rooms.show.locations.append(found)
    return found


def _raw_file(session: Session, show: Show, room: Location, cut: CutRecord) -> RawFile:
    """The cut's raw file; a show not scanned yet gets the row from the export's facts.

    The next `veyedesk scan` probes it again (its size and mtime are unknown) and flags
    it missing when the file is not on this machine.
    """
    raw = session.scalar(
        select(RawFile).where(RawFile.location_id == room.id, RawFile.filename == cut.raw_file)
    )
    if raw is None:
        raw = RawFile(
            show=show,
            location=room,
            filename=cut.raw_file,
            start=cut.raw_start,
            duration=cut.raw_duration,
            fps=cut.raw_fps,
            filesize=0,
            start_source="export",
        )
        raw.sync_end()
        session.add(raw)
        session.flush()
    return raw


def _restore_edits(session: Session, show: Show, records: list[EventRecord], rooms: _Rooms) -> None:
    """An exported talk's cuts and edited_fields, once the bulk insert made the episodes."""
    keys = [r.conf_key for r in records]
    created = {
        e.conf_key: e
        for e in session.scalars(
            select(Episode).where(Episode.show_id == show.id, Episode.conf_key.in_(keys))
        )
    }
    for record in records:
        assert record.restore is not None
        episode = created[record.conf_key]
        if record.restore.edited_fields:
            episode.edited_fields = list(record.restore.edited_fields)
        fallback = episode.location
        for cut in record.restore.cuts:
            room = _cut_room(session, rooms, cut, fallback) if fallback else None
            if room is None:
                raise InvalidInput(
                    f"{record.where}: the cut's room {cut.room!r} is not a room here and the "
                    "talk has none; add the room (`veyedesk room add`) and import again"
                )
            raw = _raw_file(session, show, room, cut)
            session.add(
                Cut(
                    episode_id=episode.id,
                    raw_file_id=raw.id,
                    sequence=cut.sequence,
                    start=cut.start,
                    end=cut.end,
                    apply=cut.apply,
                    edited=cut.edited,
                    comment=cut.comment,
                )
            )


def _column_default(name: str) -> Any:
    column = Episode.__table__.c[name]
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return default.arg
    return None
