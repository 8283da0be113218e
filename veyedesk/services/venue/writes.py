"""Writing merged rows into one database: shared names (slugs, UUIDs, keys) back to its ids.

The other half of `rows.py`: a row read there as plain JSON values is inserted, updated or
deleted here, its references translated to this database's integer ids by `Refs`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Connection, and_, delete, insert, select, update

from veyedesk.model import (
    Cut,
    CutTombstone,
    Episode,
    ImageFile,
    Location,
    Log,
    Mark,
    RawFile,
    State,
)
from veyedesk.model.base import new_uuid
from veyedesk.model.recording import image_file_episodes
from veyedesk.services.venue.rows import (
    CUT,
    EPISODE,
    IMAGE,
    LOG,
    MARK,
    PLAIN_FIELDS,
    RAW_FILE,
    ROOM,
    TOMBSTONE,
    Data,
    decode,
    fields_of,
    split_raw_key,
    table,
)


class Refs:
    """Shared names (room slug, state slug, episode UUID, raw key) to one database's ids."""

    def __init__(self, conn: Connection, show_id: int) -> None:
        self.conn, self.show_id = conn, show_id
        loc, st = table(Location), table(State)
        # Rooms belong to one show: a slug names a room of this show only.
        self.rooms = {
            r.slug: r.id
            for r in conn.execute(select(loc.c.slug, loc.c.id).where(loc.c.show_id == show_id))
        }
        self.states = {r.slug: r.id for r in conn.execute(select(st.c.slug, st.c.id))}
        self._episodes: dict[str, int] = {}
        self._raws: dict[str, int] = {}
        # Talks whose links this side was shown (the shared side: the copy's scope); a
        # link to any other talk is left as it is. None: every talk (the copy).
        self.visible_episodes: set[str] | None = None

    def room(self, slug: str | None) -> int | None:
        if slug is None:
            return None
        if slug not in self.rooms:
            # A room the same sync inserted (rooms go first) after this map was read.
            loc = table(Location)
            found = self.conn.scalar(
                select(loc.c.id).where(loc.c.slug == slug, loc.c.show_id == self.show_id)
            )
            if found is not None:
                self.rooms[slug] = found
                return int(found)
            from veyedesk.services.venue.errors import VenueError

            raise VenueError(
                f"room {slug!r} is not in this database; add it (`veyedesk room add`), "
                "then sync again"
            )
        return self.rooms[slug]

    def state(self, slug: str | None) -> int | None:
        return None if slug is None else self.states.get(slug)

    def episode(self, uuid: str) -> int:
        if uuid not in self._episodes:
            ep = table(Episode)
            found = self.conn.scalar(select(ep.c.id).where(ep.c.uuid == uuid))
            if found is None:
                raise KeyError(uuid)
            self._episodes[uuid] = found
        return self._episodes[uuid]

    def raw(self, key: str) -> int:
        if key not in self._raws:
            raw = table(RawFile)
            room, filename = split_raw_key(key)
            found = self.conn.scalar(
                select(raw.c.id).where(
                    raw.c.location_id == self.room(room), raw.c.filename == filename
                )
            )
            if found is None:
                raise KeyError(key)
            self._raws[key] = found
        return self._raws[key]


def _values(kind: str, data: Data, refs: Refs, names: Iterable[str]) -> Data:
    """Column values for the given merge fields of a row."""
    values: Data = {}
    for name in names:
        value = data[name]
        if name in PLAIN_FIELDS[kind]:
            values[name] = decode(name, value)
        elif name == "location" or name == "room":
            values["location_id"] = refs.room(value)
        elif name == "state":
            values["state_id"] = refs.state(value)
        elif name == "episode":
            values["episode_id"] = refs.episode(value)
        elif name == "raw":
            values["raw_file_id"] = refs.raw(value)
        # "episodes" (an image's links) is a table of its own: set_links writes it.
    return values


def set_links(conn: Connection, key: str, wanted: Iterable[str], refs: Refs) -> None:
    """Link the image `key` to the talks `wanted` (those on this database).

    Links to talks this side was not shown (`Refs.visible_episodes`) are kept.
    """
    img, link, ep = table(ImageFile), image_file_episodes, table(Episode)
    image_id = conn.scalar(select(img.c.id).where(img.c.uuid == key))
    if image_id is None:
        return
    current = {
        uuid: episode_id
        for episode_id, uuid in conn.execute(
            select(link.c.episode_id, ep.c.uuid)
            .join(ep, ep.c.id == link.c.episode_id)
            .where(link.c.image_file_id == image_id)
        )
    }
    wanted = set(wanted)
    visible = refs.visible_episodes
    for uuid, episode_id in current.items():
        if uuid not in wanted and (visible is None or uuid in visible):
            conn.execute(
                delete(link).where(
                    link.c.image_file_id == image_id, link.c.episode_id == episode_id
                )
            )
    for uuid in sorted(wanted - current.keys()):
        try:
            episode_id = refs.episode(uuid)
        except KeyError:
            continue  # a talk deleted here meanwhile: no link to make
        conn.execute(insert(link).values(image_file_id=image_id, episode_id=episode_id))


def _where(kind: str, key: str, refs: Refs) -> ColumnElement[bool]:
    if kind == ROOM:
        loc = table(Location)
        return and_(loc.c.slug == key, loc.c.show_id == refs.show_id)
    if kind == RAW_FILE:
        room, filename = split_raw_key(key)
        raw = table(RawFile)
        return and_(raw.c.location_id == refs.room(room), raw.c.filename == filename)
    if kind == TOMBSTONE:
        episode_uuid, _, raw_ref = key.partition("|")
        tomb = table(CutTombstone)
        return and_(
            tomb.c.episode_id == refs.episode(episode_uuid), tomb.c.raw_file_id == refs.raw(raw_ref)
        )
    model = {EPISODE: Episode, CUT: Cut, MARK: Mark, LOG: Log, IMAGE: ImageFile}[kind]
    return table(model).c.uuid == key


MODELS = {
    ROOM: Location,
    EPISODE: Episode,
    CUT: Cut,
    RAW_FILE: RawFile,
    MARK: Mark,
    LOG: Log,
    TOMBSTONE: CutTombstone,
    IMAGE: ImageFile,
}


def insert_row(conn: Connection, kind: str, key: str, data: Data, refs: Refs) -> None:
    """Add a row that the other side created."""
    values = _values(kind, data, refs, fields_of(kind))
    if kind in (ROOM, EPISODE, RAW_FILE, MARK, IMAGE):
        values["show_id"] = refs.show_id
    if kind == ROOM:
        values["slug"] = key
    elif kind == RAW_FILE:
        values["filename"] = split_raw_key(key)[1]
        values["uuid"] = new_uuid()
    elif kind != TOMBSTONE:
        values["uuid"] = key
    if kind == EPISODE:
        # A talk added by hand on a laptop may take a slug the show got meanwhile: slugs
        # name output files, so it gets the next free one (the next sync pulls it back).
        from veyedesk.model.slug import TakenSlugs, unique_slug

        ep = table(Episode)
        taken = TakenSlugs(conn.scalars(select(ep.c.slug).where(ep.c.show_id == refs.show_id)))
        if values["slug"] in taken:
            values["slug"] = unique_slug(values["slug"], taken)
    if kind in (EPISODE, RAW_FILE) and values.get("start") is not None:
        from veyedesk.model.timecode import add_seconds

        duration = values.get("duration")
        values["end"] = add_seconds(values["start"], duration) if duration is not None else None
    done = conn.execute(insert(table(MODELS[kind])).values(**values))
    if kind == ROOM:
        # Made for this show on the other side (a copy holds one show): one of its rooms here.
        refs.rooms[key] = int(done.inserted_primary_key[0])  # type: ignore[index]
    elif kind == IMAGE:
        set_links(conn, key, data["episodes"], refs)


def update_row(
    conn: Connection, kind: str, key: str, data: Data, names: Iterable[str], refs: Refs
) -> None:
    """Write the named merge fields of an existing row."""
    values = _values(kind, data, refs, names)
    if kind in (EPISODE, RAW_FILE) and ({"start", "duration"} & set(values)):
        from veyedesk.model.timecode import add_seconds

        start, duration = decode("start", data.get("start")), data.get("duration")
        values["end"] = (
            add_seconds(start, duration) if start is not None and duration is not None else None
        )
    if values:
        conn.execute(update(table(MODELS[kind])).where(_where(kind, key, refs)).values(**values))
    if kind == IMAGE and "episodes" in names:
        set_links(conn, key, data["episodes"], refs)


def delete_row(conn: Connection, kind: str, key: str, refs: Refs) -> None:
    """Remove a row the other side deleted (nothing when it is already gone)."""
    try:
        where = _where(kind, key, refs)
    except KeyError:
        return  # its episode or raw file is gone already: so is the row
    conn.execute(delete(table(MODELS[kind])).where(where))
