"""The rows a venue copy merges, as plain JSON values keyed the same way on every database.

Integer ids are local to one database, so a row is named by what both sides share: its
UUID (episodes, cuts, marks, logs), its slug for a room, `room/filename` for a raw file (a
laptop's own scan and the server's find the same file under different UUIDs), and
`episode-uuid|room/filename` for a cut tombstone. References are translated the same way
(a cut names its episode's UUID and its raw file's key, a mark its room's slug), and
datetimes become ISO text, so a row read from SQLite and the same row read from PostgreSQL
compare equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Table, and_, select, true

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
from veyedesk.model.recording import image_file_episodes

Data = dict[str, Any]
Rows = dict[str, Data]  # key -> field values

ROOM, EPISODE, CUT, RAW_FILE, MARK, LOG, TOMBSTONE, IMAGE = (
    "room",
    "episode",
    "cut",
    "raw_file",
    "mark",
    "log",
    "tombstone",
    "image",
)
# Inserts go in this order (a cut needs its episode and raw file, a mark or raw file its
# room); deletes in reverse.
KINDS: tuple[str, ...] = (ROOM, RAW_FILE, EPISODE, CUT, MARK, LOG, TOMBSTONE, IMAGE)

EPISODE_FIELDS = (
    "name",
    "slug",
    "subtitle",
    "authors",
    "emails",
    "twitter_id",
    "reviewers",
    "description",
    "language",
    "license",
    "tags",
    "start",
    "duration",
    "utc_offset_min",
    "conf_key",
    "conf_url",
    "conf_meta",
    "host_url",
    "public_url",
    "archive_url",
    "released",
    "normalise",
    "channelcopy",
    "av_offset_ms",
    # File paths relative to the shared files root (model.shared_files): the same text
    # names the same file on every machine, so they merge like any text.
    "thumbnail",
    "title_image",
    "comment",
    "stop",
    "sequence",
)
# A copy holds one show, and rooms belong to one show: the show's rooms travel, keyed by
# slug (unique in the show; another show's room of the same slug is none of the copy's).
ROOM_FIELDS = (
    "name",
    "sequence",
    "active",
    "default",
    "dirname",
    "channelcopy",
    "hours_offset",
    "description",
    "lon",
    "lat",
)
CUT_FIELDS = ("sequence", "start", "end", "apply", "edited", "comment")
# `missing`, `probe_error` and `mtime` describe one machine's copy of the file: not merged.
RAW_FIELDS = (
    "filesize",
    "start",
    "duration",
    "start_source",
    "fps",
    "streams",
    "trash",
    "comment",
    "ocrtext",
)
# Measured from the media by a scan (media.probe), not set by a person: merged without
# ever being a conflict (merge.py). One side's new measurement travels; when both sides
# measured anew, the shared database's value stays on both, and a machine whose file
# differs measures it again at its next scan. A volunteer cannot judge a probe result.
MEDIA_FIELDS: frozenset[tuple[str, str]] = frozenset(
    (RAW_FILE, name) for name in ("filesize", "duration", "fps", "streams")
)
MARK_FIELDS = ("click", "source", "kind", "note", "who", "machine", "clock_offset_s")
LOG_FIELDS = ("ready", "start", "end", "user", "result", "kind")
TOMBSTONE_FIELDS = ("deleted_at", "user")
# Recording sheets (services/admin/sheets.py); `episodes` (the talks it is linked to, sorted
# UUIDs) is a set merged as such (merge.SET_FIELDS), never a conflict.
IMAGE_FIELDS = (
    "filename",
    "text",
    "day",
    "taken",
    "taken_source",
    "original_name",
    "checksum",
    "ocr",
)

DATETIME_FIELDS = frozenset({"start", "click", "ready", "end", "deleted_at", "taken"})
DATE_FIELDS = frozenset({"day"})
# Merge fields that are references, translated to shared names.
REF_FIELDS: dict[str, tuple[str, ...]] = {
    ROOM: (),
    EPISODE: ("location", "state"),
    CUT: ("episode", "raw"),
    RAW_FILE: ("room",),
    MARK: ("room",),
    LOG: ("episode", "state"),
    TOMBSTONE: ("episode", "raw"),
    IMAGE: ("room", "episodes"),
}
PLAIN_FIELDS = {
    ROOM: ROOM_FIELDS,
    EPISODE: EPISODE_FIELDS,
    CUT: CUT_FIELDS,
    RAW_FILE: RAW_FIELDS,
    MARK: MARK_FIELDS,
    LOG: LOG_FIELDS,
    TOMBSTONE: TOMBSTONE_FIELDS,
    IMAGE: IMAGE_FIELDS,
}


def fields_of(kind: str) -> tuple[str, ...]:
    """Every merged field of a kind (plain and references)."""
    return PLAIN_FIELDS[kind] + REF_FIELDS[kind]


def table(model: Any) -> Table:
    return cast(Table, model.__table__)


def encode(name: str, value: Any) -> Any:
    """A column value as JSON (datetimes and dates as ISO text)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def decode(name: str, value: Any) -> Any:
    """A JSON value back to the column's value."""
    if name in DATETIME_FIELDS and isinstance(value, str):
        return datetime.fromisoformat(value)
    if name in DATE_FIELDS and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def raw_key(room: str, filename: str) -> str:
    return f"{room}/{filename}"


def split_raw_key(key: str) -> tuple[str, str]:
    room, _, filename = key.partition("/")
    return room, filename


def tombstone_key(episode_uuid: str, raw: str) -> str:
    return f"{episode_uuid}|{raw}"


def chunks(values: Iterable[Any], size: int = 900) -> Iterator[list[Any]]:
    """Pieces small enough for an IN list on SQLite."""
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class Filter:
    """Which rows of the shared database a venue copy covers (None = no limit)."""

    show_id: int
    room_ids: tuple[int, ...] | None = None
    day: datetime | None = None  # midnight of the day
    episode_uuids: tuple[str, ...] | None = None


def _plain(row: Any, names: tuple[str, ...]) -> Data:
    mapping = row._mapping
    return {name: encode(name, mapping[name]) for name in names}


def _room_select() -> Any:
    loc = table(Location)
    return select(loc.c.slug, *(loc.c[n] for n in ROOM_FIELDS))


def _room_row(row: Any) -> tuple[str, Data]:
    return row.slug, _plain(row, ROOM_FIELDS)


def _episode_select() -> Any:
    ep, loc, st = table(Episode), table(Location), table(State)
    cols = [ep.c.uuid, *(ep.c[n] for n in EPISODE_FIELDS)]
    return (
        select(*cols, loc.c.slug.label("location_slug"), st.c.slug.label("state_slug"))
        .select_from(ep)
        .outerjoin(loc, loc.c.id == ep.c.location_id)
        .outerjoin(st, st.c.id == ep.c.state_id)
    )


def _episode_row(row: Any) -> tuple[str, Data]:
    data = _plain(row, EPISODE_FIELDS)
    data["location"] = row.location_slug
    data["state"] = row.state_slug
    return row.uuid, data


def _cut_select() -> Any:
    cut, ep, raw, loc = table(Cut), table(Episode), table(RawFile), table(Location)
    return (
        select(
            cut.c.uuid,
            *(cut.c[n] for n in CUT_FIELDS),
            ep.c.uuid.label("episode_uuid"),
            loc.c.slug.label("room"),
            raw.c.filename,
        )
        .select_from(cut)
        .join(ep, ep.c.id == cut.c.episode_id)
        .join(raw, raw.c.id == cut.c.raw_file_id)
        .join(loc, loc.c.id == raw.c.location_id)
    )


def _cut_row(row: Any) -> tuple[str, Data]:
    data = _plain(row, CUT_FIELDS)
    data["episode"] = row.episode_uuid
    data["raw"] = raw_key(row.room, row.filename)
    return row.uuid, data


def _raw_select() -> Any:
    raw, loc = table(RawFile), table(Location)
    return (
        select(raw.c.filename, *(raw.c[n] for n in RAW_FIELDS), loc.c.slug.label("room"))
        .select_from(raw)
        .join(loc, loc.c.id == raw.c.location_id)
    )


def _raw_row(row: Any) -> tuple[str, Data]:
    data = _plain(row, RAW_FIELDS)
    data["room"] = row.room
    return raw_key(row.room, row.filename), data


def _mark_select() -> Any:
    mark, loc = table(Mark), table(Location)
    return (
        select(mark.c.uuid, *(mark.c[n] for n in MARK_FIELDS), loc.c.slug.label("room"))
        .select_from(mark)
        .join(loc, loc.c.id == mark.c.location_id)
    )


def _mark_row(row: Any) -> tuple[str, Data]:
    data = _plain(row, MARK_FIELDS)
    data["room"] = row.room
    return row.uuid, data


def _log_select() -> Any:
    log, ep, st = table(Log), table(Episode), table(State)
    return (
        select(
            log.c.uuid,
            *(log.c[n] for n in LOG_FIELDS),
            ep.c.uuid.label("episode_uuid"),
            st.c.slug.label("state_slug"),
        )
        .select_from(log)
        .join(ep, ep.c.id == log.c.episode_id)
        .outerjoin(st, st.c.id == log.c.state_id)
    )


def _log_row(row: Any) -> tuple[str, Data]:
    data = _plain(row, LOG_FIELDS)
    data["episode"] = row.episode_uuid
    data["state"] = row.state_slug
    return row.uuid, data


def _tombstone_select() -> Any:
    tomb, ep, raw, loc = table(CutTombstone), table(Episode), table(RawFile), table(Location)
    return (
        select(
            *(tomb.c[n] for n in TOMBSTONE_FIELDS),
            ep.c.uuid.label("episode_uuid"),
            loc.c.slug.label("room"),
            raw.c.filename,
        )
        .select_from(tomb)
        .join(ep, ep.c.id == tomb.c.episode_id)
        .join(raw, raw.c.id == tomb.c.raw_file_id)
        .join(loc, loc.c.id == raw.c.location_id)
    )


def _tombstone_row(row: Any) -> tuple[str, Data]:
    data = _plain(row, TOMBSTONE_FIELDS)
    data["episode"] = row.episode_uuid
    data["raw"] = raw_key(row.room, row.filename)
    return tombstone_key(row.episode_uuid, data["raw"]), data


def _image_select() -> Any:
    img, loc = table(ImageFile), table(Location)
    return (
        select(img.c.id, img.c.uuid, *(img.c[n] for n in IMAGE_FIELDS), loc.c.slug.label("room"))
        .select_from(img)
        .outerjoin(loc, loc.c.id == img.c.location_id)
    )


def _image_row(row: Any) -> tuple[str, Data]:
    data = _plain(row, IMAGE_FIELDS)
    data["room"] = row.room
    data["episodes"] = row.id  # the image's id here: `read` puts its links in its place
    return row.uuid, data


def _fill_links(conn: Connection, images: Rows) -> None:
    """Replace each image row's local id by the sorted UUIDs of the talks it is linked to."""
    by_id = {data["episodes"]: data for data in images.values()}
    links: dict[int, list[str]] = {image_id: [] for image_id in by_id}
    link, ep = image_file_episodes, table(Episode)
    for batch in chunks(sorted(by_id)):
        stmt = (
            select(link.c.image_file_id, ep.c.uuid)
            .join(ep, ep.c.id == link.c.episode_id)
            .where(link.c.image_file_id.in_(batch))
        )
        for image_id, uuid in conn.execute(stmt):
            links[image_id].append(uuid)
    for image_id, data in by_id.items():
        data["episodes"] = sorted(links[image_id])


READERS: dict[str, tuple[Callable[[], Any], Callable[[Any], tuple[str, Data]]]] = {
    ROOM: (_room_select, _room_row),
    EPISODE: (_episode_select, _episode_row),
    CUT: (_cut_select, _cut_row),
    RAW_FILE: (_raw_select, _raw_row),
    MARK: (_mark_select, _mark_row),
    LOG: (_log_select, _log_row),
    TOMBSTONE: (_tombstone_select, _tombstone_row),
    IMAGE: (_image_select, _image_row),
}


def read(conn: Connection, kind: str, where: ColumnElement[bool] | None = None) -> Rows:
    """Rows of one kind (all, or those matching `where`), keyed and encoded."""
    make, convert = READERS[kind]
    stmt = make()
    if where is not None:
        stmt = stmt.where(where)
    found = dict(convert(row) for row in conn.execute(stmt))
    if kind == IMAGE:
        _fill_links(conn, found)
    return found


UUID_KINDS = {EPISODE: Episode, CUT: Cut, MARK: Mark, LOG: Log, IMAGE: ImageFile}


def read_keys(conn: Connection, kind: str, keys: Iterable[str]) -> Rows:
    """Rows of one kind named by key (those that exist)."""
    wanted = set(keys)
    if not wanted:
        return {}
    model = UUID_KINDS.get(kind)
    if model is None:  # rooms, raw files and tombstones are few: read them all, keep those named
        return {k: v for k, v in read(conn, kind).items() if k in wanted}
    found: Rows = {}
    for batch in chunks(sorted(wanted)):
        found.update(read(conn, kind, table(model).c.uuid.in_(batch)))
    return found


def read_all(conn: Connection) -> dict[str, Rows]:
    """Every mergeable row of a database (what a venue copy holds)."""
    return {kind: read(conn, kind) for kind in KINDS}


def _day_clause(column: Any, day: datetime | None) -> ColumnElement[bool]:
    if day is None:
        return true()
    from datetime import timedelta

    return and_(column >= day, column < day + timedelta(days=1))


def read_scope(
    conn: Connection, scope: Filter, known: Mapping[str, Iterable[str]]
) -> dict[str, Rows]:
    """The shared database's rows a venue copy covers, plus every row named in `known`.

    `known` (keys of the copy's rows and bases) is read by key whatever the filter says:
    a talk moved to another day is changed there, not deleted.
    """
    ep, cut, raw, mark, log, tomb = (
        table(m) for m in (Episode, Cut, RawFile, Mark, Log, CutTombstone)
    )
    rooms = scope.room_ids
    ep_where: ColumnElement[bool] = ep.c.show_id == scope.show_id
    if rooms is not None:
        ep_where = and_(ep_where, ep.c.location_id.in_(rooms))
    ep_where = and_(ep_where, _day_clause(ep.c.start, scope.day))
    if scope.episode_uuids is not None:
        ep_where = and_(ep_where, ep.c.uuid.in_(scope.episode_uuids))
    # The show's rooms only: a room the copy has that the show no longer has was deleted,
    # and another show's room of the same slug is another room.
    room_where = table(Location).c.show_id == scope.show_id
    out: dict[str, Rows] = {
        ROOM: read(conn, ROOM, room_where),
        EPISODE: read(conn, EPISODE, ep_where),
    }
    for batch in chunks(set(known.get(EPISODE, ())) - out[EPISODE].keys()):
        out[EPISODE].update(read(conn, EPISODE, ep.c.uuid.in_(batch)))
    episode_uuids = list(out[EPISODE])
    episode_ids = [
        row.id
        for batch in chunks(episode_uuids)
        for row in conn.execute(select(ep.c.id).where(ep.c.uuid.in_(batch)))
    ]
    for kind, column in ((CUT, cut.c.episode_id), (LOG, log.c.episode_id)):
        rows: Rows = {}
        for batch in chunks(episode_ids):
            rows.update(read(conn, kind, column.in_(batch)))
        model_table = cut if kind == CUT else log
        for batch in chunks(set(known.get(kind, ())) - rows.keys()):
            rows.update(read(conn, kind, model_table.c.uuid.in_(batch)))
        out[kind] = rows
    tombs: Rows = {}
    for batch in chunks(episode_ids):
        tombs.update(read(conn, TOMBSTONE, tomb.c.episode_id.in_(batch)))
    out[TOMBSTONE] = tombs

    raw_where: ColumnElement[bool] = raw.c.show_id == scope.show_id
    mark_where: ColumnElement[bool] = mark.c.show_id == scope.show_id
    if rooms is not None:
        raw_where = and_(raw_where, raw.c.location_id.in_(rooms))
        mark_where = and_(mark_where, mark.c.location_id.in_(rooms))
    raws = read(conn, RAW_FILE, and_(raw_where, _day_clause(raw.c.start, scope.day)))
    wanted_raw = {d["raw"] for d in out[CUT].values()} | {d["raw"] for d in tombs.values()}
    wanted_raw |= set(known.get(RAW_FILE, ()))
    missing = wanted_raw - raws.keys()
    for batch in chunks({split_raw_key(k)[1] for k in missing}):
        found = read(
            conn, RAW_FILE, and_(raw.c.show_id == scope.show_id, raw.c.filename.in_(batch))
        )
        raws.update({k: v for k, v in found.items() if k in missing})
    out[RAW_FILE] = raws
    marks = read(conn, MARK, and_(mark_where, _day_clause(mark.c.click, scope.day)))
    for batch in chunks(set(known.get(MARK, ())) - marks.keys()):
        marks.update(read(conn, MARK, mark.c.uuid.in_(batch)))
    out[MARK] = marks
    img = table(ImageFile)
    img_where: ColumnElement[bool] = img.c.show_id == scope.show_id
    if rooms is not None:
        img_where = and_(img_where, img.c.location_id.in_(rooms))
    if scope.day is not None:
        img_where = and_(img_where, img.c.day == scope.day.date())
    images = read(conn, IMAGE, img_where)
    for batch in chunks(set(known.get(IMAGE, ())) - images.keys()):
        images.update(read(conn, IMAGE, img.c.uuid.in_(batch)))
    # Links to talks outside the copy's scope are not the copy's to see (nor to drop:
    # writes.set_links leaves links to talks it was not shown alone).
    for data in images.values():
        data["episodes"] = [u for u in data["episodes"] if u in out[EPISODE]]
    out[IMAGE] = images
    return out
