"""A change file's rows made safe to merge: the same cleaning as a schedule import, and scope.

A change file is a zip anyone can write by hand, so nothing in it is trusted:

- `clean_rows` (pure) checks its shape and every value against the column it goes to:
  types, ranges and lengths read from the models (`ingest.limits`), times between
  `ingest.records.EARLIEST` and `LATEST`, durations within `MAX_EVENT_SECONDS`, control
  characters removed (`model.text.plain_text`, as a schedule import does), file names
  relative and inside their folder, slugs, kinds and UUIDs well formed.
- `check_scope` (on the shared database, in the apply's transaction) holds the rows to
  the checkout the file names (`VenueCheckout`, written by the checkout itself): every row
  the file touches that exists there must be one the copy covers, and every reference
  (talk, raw file, room, state) must point at such a row or at one the file adds.

Both raise `ChangeFileError` naming the row (and field) on one line; the caller applies
nothing of a file that fails either.
"""

from __future__ import annotations

import math
import re
import uuid as uuid_module
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    select,
)

from veyedesk.ingest.limits import column_limits
from veyedesk.ingest.records import EARLIEST, LATEST, MAX_EVENT_SECONDS, shown
from veyedesk.model import Location, State
from veyedesk.model.kinds import LogKind, MarkKind
from veyedesk.model.recording import SheetOcr
from veyedesk.model.slug import is_slug
from veyedesk.model.text import plain_text
from veyedesk.services.venue import rows
from veyedesk.services.venue.errors import VenueError
from veyedesk.services.venue.rows import (
    CUT,
    EPISODE,
    IMAGE,
    KINDS,
    LOG,
    MARK,
    RAW_FILE,
    ROOM,
    TOMBSTONE,
    Data,
    fields_of,
    raw_key,
    split_raw_key,
    table,
    tombstone_key,
)

# A Text column has no length of its own; a change file's text is a title, a note, a
# description: a megabyte is far beyond any real one and keeps a hand-made file small.
MAX_TEXT = 1_000_000
# conf_meta (the schedule's extra fields) nests a few levels; a file's may not go deeper.
MAX_DEPTH = 32
MAX_JSON_CHARS = 1_000_000
INT32 = 2**31 - 1
INT64 = 2**63 - 1
# Ranges of numeric fields beyond their column's type (None: the type's own range).
RANGES: dict[tuple[str, str], tuple[float, float]] = {
    (EPISODE, "duration"): (0, MAX_EVENT_SECONDS),
    (EPISODE, "utc_offset_min"): (-18 * 60, 18 * 60),
    (EPISODE, "av_offset_ms"): (-3_600_000, 3_600_000),
    (RAW_FILE, "duration"): (0, MAX_EVENT_SECONDS),
    (RAW_FILE, "filesize"): (0, INT64),
    (RAW_FILE, "fps"): (0, 1000),
    (CUT, "start"): (0, MAX_EVENT_SECONDS),
    (CUT, "end"): (0, MAX_EVENT_SECONDS),
    (ROOM, "hours_offset"): (-48, 48),
    (ROOM, "lon"): (-180, 180),
    (ROOM, "lat"): (-90, 90),
    (MARK, "clock_offset_s"): (-MAX_EVENT_SECONDS, MAX_EVENT_SECONDS),
}
# Text fields that hold one of a few words.
CHOICES: dict[tuple[str, str], frozenset[str]] = {
    (MARK, "kind"): frozenset(k.value for k in MarkKind),
    (LOG, "kind"): frozenset(k.value for k in LogKind),
    (IMAGE, "ocr"): frozenset(k.value for k in SheetOcr),
}
# Text fields that are a path relative to a folder (the room's, the show's): never
# absolute, never climbing out of it.
RELATIVE_PATHS = frozenset({(ROOM, "dirname"), (IMAGE, "filename")})
SLUGS = frozenset({(EPISODE, "slug")})
# Text fields that may not be blank once cleaned (a talk needs a title, as on import).
REQUIRED = frozenset({(EPISODE, "name"), (EPISODE, "slug"), (IMAGE, "filename")})
UUID_KINDS = frozenset({EPISODE, CUT, MARK, LOG, IMAGE})
ROW_KEYS = frozenset({"kind", "key", "base", "mine"})
_DRIVE = re.compile(r"[A-Za-z]:")


class ChangeFileError(VenueError):
    """A change file holds what this database must not take; none of the file was applied."""

    def __init__(self, message: str) -> None:
        # Messages quote keys and values from the file: keep them on one line.
        super().__init__(plain_text(message))


def _model(kind: str) -> Any:
    from veyedesk.services.venue.writes import MODELS

    return MODELS[kind]


def is_uuid(text: object) -> bool:
    """Whether `text` is a UUID in the 36-character form every veyedesk row key has."""
    if not isinstance(text, str) or len(text) != 36:
        return False
    try:
        return str(uuid_module.UUID(text)) == text.lower()
    except ValueError:
        return False


def safe_relative(text: str) -> bool:
    """A path inside its folder: relative, no `..`, no drive or backslash tricks."""
    if not text or "\\" in text or _DRIVE.match(text):
        return False
    path = PurePosixPath(text)
    return not path.is_absolute() and ".." not in path.parts


def _raw_key_ok(key: object) -> bool:
    if not isinstance(key, str):
        return False
    room, sep, filename = key.partition("/")
    return bool(sep) and is_slug(room) and safe_relative(filename) and plain_text(key) == key


class _Row:
    """Where a value sits, for messages: `file: cut <key>: end: …`."""

    def __init__(self, where: str, n: int, kind: str, key: str) -> None:
        self.prefix = f"{where}: changed row {n} ({kind} {shown(key, 50)})"
        self.kind, self.key = kind, key

    def fail(self, what: str) -> ChangeFileError:
        return ChangeFileError(f"{self.prefix}: {what}; nothing of the file was applied")


def clean_rows(document: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The document's rows, every value checked and cleaned; ChangeFileError otherwise."""
    found = document.get("rows")
    if not isinstance(found, list):
        raise ChangeFileError(f"{where}: `rows` is not a list; export the changes again")
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, Any]] = []
    for n, row in enumerate(found, start=1):
        if not isinstance(row, dict) or set(row) != ROW_KEYS:
            raise ChangeFileError(
                f"{where}: changed row {n} is malformed (kind, key, base and mine expected); "
                "export the changes again"
            )
        kind, key = row["kind"], row["key"]
        if kind not in KINDS or not isinstance(key, str):
            raise ChangeFileError(
                f"{where}: changed row {n} has kind {shown(str(kind), 30)} or key "
                f"{shown(str(key), 50)} that no veyedesk writes; export the changes again"
            )
        at = _Row(where, n, kind, key)
        _check_key(at)
        if (kind, key) in seen:
            raise at.fail("the row is in the file twice")
        seen.add((kind, key))
        cleaned: dict[str, Any] = {"kind": kind, "key": key}
        for side in ("base", "mine"):
            data = row[side]
            if data is None:
                cleaned[side] = None
                continue
            if not isinstance(data, dict) or set(data) != set(fields_of(kind)):
                raise at.fail(f"its {side} side has unexpected fields")
            cleaned[side] = {name: _clean(at, name, data[name]) for name in fields_of(kind)}
            _check_consistent(at, cleaned[side])
        out.append(cleaned)
    return out


def _check_key(at: _Row) -> None:
    kind, key = at.kind, at.key
    if kind in UUID_KINDS:
        ok = is_uuid(key)
    elif kind == ROOM:
        ok = is_slug(key)
    elif kind == RAW_FILE:
        ok = _raw_key_ok(key)
    else:  # TOMBSTONE: episode-uuid|room/filename
        episode, sep, raw = key.partition("|")
        ok = bool(sep) and is_uuid(episode) and _raw_key_ok(raw)
    if not ok:
        raise at.fail("the key is not one veyedesk writes (a UUID, a room slug or room/file)")


def _check_consistent(at: _Row, data: Data) -> None:
    """References the key repeats must say the same (a raw file's room, a tombstone's pair)."""
    if at.kind == RAW_FILE and split_raw_key(at.key)[0] != data["room"]:
        raise at.fail("its room differs from the room in its key")
    if at.kind == TOMBSTONE and tombstone_key(data["episode"], data["raw"]) != at.key:
        raise at.fail("its talk and raw file differ from those in its key")


def _clean(at: _Row, name: str, value: Any) -> Any:
    """One field's value, checked against its column and cleaned; fail() otherwise."""
    kind = at.kind
    if name not in rows.PLAIN_FIELDS[kind]:
        return _clean_ref(at, name, value)
    column = _model(kind).__table__.c[name]
    if value is None:
        if column.nullable:
            return None
        raise at.fail(f"{name} may not be empty (null)")
    kind_of = column.type
    if isinstance(kind_of, Boolean):
        if not isinstance(value, bool):
            raise at.fail(f"{name} {shown(repr(value))} is not true or false")
        return value
    if isinstance(kind_of, (Integer, BigInteger)):
        top = INT64 if isinstance(kind_of, BigInteger) else INT32
        if isinstance(value, float) and value.is_integer() and abs(value) <= top:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise at.fail(f"{name} {shown(repr(value))} is not a whole number")
        return _in_range(at, name, value, (-top, top))
    if isinstance(kind_of, Float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise at.fail(f"{name} {shown(repr(value))} is not a number")
        if not math.isfinite(value):
            raise at.fail(f"{name} {value!r} is not a finite number")
        return float(_in_range(at, name, value, (-1e15, 1e15)))
    if isinstance(kind_of, DateTime):
        return _moment(at, name, value)
    if isinstance(kind_of, Date):
        return _day(at, name, value)
    if isinstance(kind_of, JSON):
        return _json(at, name, value, 0)
    if isinstance(kind_of, (String, Text)):
        return _text(at, name, value, multiline=type(kind_of) is Text)
    raise at.fail(f"{name} cannot be taken from a change file")  # a column type not known here


def _in_range(at: _Row, name: str, value: float, default: tuple[float, float]) -> float:
    low, high = RANGES.get((at.kind, name), default)
    if not low <= value <= high:
        raise at.fail(f"{name} {shown(repr(value))} is not between {low:g} and {high:g}")
    return value


def _moment(at: _Row, name: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) > 40:
        raise at.fail(f"{name} {shown(repr(value))} is not a date and time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise at.fail(f"{name} {shown(value)} is not a date and time") from None
    if moment.tzinfo is not None:
        raise at.fail(f"{name} {shown(value)} has a UTC offset; venue times are wall clock")
    if not EARLIEST <= moment < LATEST:
        raise at.fail(f"{name} {shown(value)} is not between {EARLIEST.year} and {LATEST.year - 1}")
    return moment.isoformat()


def _day(at: _Row, name: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) > 10:
        raise at.fail(f"{name} {shown(repr(value))} is not a date")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise at.fail(f"{name} {shown(value)} is not a date") from None
    if not EARLIEST.year <= day.year < LATEST.year:
        raise at.fail(f"{name} {shown(value)} is not between {EARLIEST.year} and {LATEST.year - 1}")
    return day.isoformat()


def _text(at: _Row, name: str, value: Any, *, multiline: bool) -> str:
    if not isinstance(value, str):
        raise at.fail(f"{name} {shown(repr(value))} is not text")
    limit = column_limits(_model(at.kind)).get(name, MAX_TEXT)
    if len(value) > limit:
        raise at.fail(f"{name} is {len(value)} characters long; the most it may hold is {limit}")
    text = plain_text(value, multiline=multiline)
    if (at.kind, name) in REQUIRED and not text:
        raise at.fail(f"{name} is blank (once control characters go)")
    choices = CHOICES.get((at.kind, name))
    if choices is not None and text not in choices:
        raise at.fail(f"{name} {shown(text)} is not one of {', '.join(sorted(choices))}")
    if (at.kind, name) in RELATIVE_PATHS and text and not safe_relative(text):
        raise at.fail(f"{name} {shown(text)} is not a path inside its folder")
    if (at.kind, name) in SLUGS and not is_slug(text):
        raise at.fail(f"{name} {shown(text)} is not a slug (letters, digits, _ and -)")
    return text


def _json(at: _Row, name: str, value: Any, depth: int) -> Any:
    """A JSON value (conf_meta): finite numbers, plain text, at most MAX_DEPTH deep."""
    if depth > MAX_DEPTH:
        raise at.fail(f"{name} nests deeper than {MAX_DEPTH} levels")
    if depth == 0:
        import json

        if len(json.dumps(value, default=str)) > MAX_JSON_CHARS:
            raise at.fail(f"{name} is larger than {MAX_JSON_CHARS} characters")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > INT64:
            raise at.fail(f"{name} holds a number too large to store")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise at.fail(f"{name} holds {value!r}, not a finite number")
        return value
    if isinstance(value, str):
        return plain_text(value, multiline=True)
    if isinstance(value, list):
        return [_json(at, name, v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {plain_text(str(k)): _json(at, name, v, depth + 1) for k, v in value.items()}
    raise at.fail(f"{name} holds {shown(repr(value))}, not JSON")


def _clean_ref(at: _Row, name: str, value: Any) -> Any:
    """A reference (room, state, talk, raw file) as written: its form only (`check_scope`)."""
    kind = at.kind
    if name == "state":
        # State slugs may hold spaces ("review 2"); `check_scope` wants one that exists.
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > 100 or plain_text(value) != value:
            raise at.fail(f"state {shown(repr(value))} is not a state slug")
        return value
    if name in ("location", "room"):
        if value is None and kind in (EPISODE, IMAGE):
            return None
        if not isinstance(value, str) or not is_slug(value):
            raise at.fail(f"{name} {shown(repr(value))} is not a room slug")
        return value
    if name == "episode":
        if not is_uuid(value):
            raise at.fail(f"episode {shown(repr(value))} is not a talk's UUID")
        return value
    if name == "raw":
        if not _raw_key_ok(value):
            raise at.fail(f"raw {shown(repr(value))} is not a raw file (room/file name)")
        return value
    if name == "episodes":  # an image's links: sorted talk UUIDs
        if not isinstance(value, list) or not all(is_uuid(v) for v in value):
            raise at.fail("episodes is not a list of talk UUIDs")
        return sorted(set(value))
    raise at.fail(f"{name} cannot be taken from a change file")


# --- the checkout's scope, on the shared database ------------------------------------


def _present(conn: Connection, kind: str, keys: Iterable[str]) -> set[str]:
    """Which of `keys` exist on this database at all (any show)."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    model = rows.UUID_KINDS.get(kind)
    found: set[str] = set()
    if model is not None:
        col = table(model).c.uuid
        for batch in rows.chunks(wanted):
            found |= set(conn.scalars(select(col).where(col.in_(batch))))
        return found
    if kind == ROOM:
        loc = table(Location)
        for batch in rows.chunks(wanted):
            found |= set(conn.scalars(select(loc.c.slug).where(loc.c.slug.in_(batch))))
        return found
    if kind == RAW_FILE:
        from veyedesk.model import RawFile

        raw, loc = table(RawFile), table(Location)
        for batch in rows.chunks({split_raw_key(k)[1] for k in wanted}):
            stmt = (
                select(loc.c.slug, raw.c.filename)
                .join(loc, loc.c.id == raw.c.location_id)
                .where(raw.c.filename.in_(batch))
            )
            found |= {raw_key(r.slug, r.filename) for r in conn.execute(stmt)}
        return found & set(wanted)
    # A tombstone exists where its talk does; its talk is what must be in scope.
    return set()


def check_scope(
    conn: Connection,
    cleaned: list[dict[str, Any]],
    covered: Mapping[str, rows.Rows],
    where: str,
) -> None:
    """Refuse rows (and references) outside what the checkout covers; see the module doc."""
    by_kind: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for row in cleaned:
        by_kind[row["kind"]].add(row["key"])
    present = {kind: _present(conn, kind, keys) for kind, keys in by_kind.items()}
    # Rows the file adds (absent here): talks, raw files and rooms others may point at.
    added = {
        kind: {
            row["key"]
            for row in cleaned
            if row["kind"] == kind and row["mine"] is not None and row["key"] not in present[kind]
        }
        for kind in KINDS
    }
    # Talks the file deletes: a cut, log or link of one is a contradiction no copy writes.
    removed = {row["key"] for row in cleaned if row["kind"] == EPISODE and row["mine"] is None}
    states = set(conn.scalars(select(table(State).c.slug)))
    for n, row in enumerate(cleaned, start=1):
        kind, key = row["kind"], row["key"]
        at = _Row(where, n, kind, key)
        if key in present[kind] and key not in covered.get(kind, {}):
            raise at.fail(
                "it is not a row of the show part this copy checked out (another show, room "
                "or day); a change file may change only its own checkout's rows"
            )
        if kind == TOMBSTONE:
            _ref(at, "episode", key.partition("|")[0], covered, added, EPISODE)
        # What gets written comes from `mine` (or from this database): its references.
        data = row["mine"]
        for name in ("episode", "episodes") if data is not None else ():
            gone = set(data.get(name) or ()) if name == "episodes" else {data.get(name)}
            if gone & removed:
                raise at.fail(f"{name} names a talk the file itself deletes")
        for name in rows.REF_FIELDS[kind] if data is not None else ():
            value = data[name]
            if name in ("location", "room") and value is not None:
                _ref(at, name, value, covered, added, ROOM)
            elif name == "state" and value is not None and value not in states:
                raise at.fail(f"state {shown(value)} is not a state of this database")
            elif name == "episode":
                _ref(at, name, value, covered, added, EPISODE)
            elif name == "raw":
                _ref(at, name, value, covered, added, RAW_FILE)
            elif name == "episodes":
                for uuid in value:
                    _ref(at, name, uuid, covered, added, EPISODE)


def _ref(
    at: _Row,
    name: str,
    value: str,
    covered: Mapping[str, rows.Rows],
    added: Mapping[str, set[str]],
    kind: str,
) -> None:
    if value in covered.get(kind, {}) or value in added[kind]:
        return
    what = {EPISODE: "talk", RAW_FILE: "raw file", ROOM: "room"}[kind]
    raise at.fail(
        f"{name} names {what} {shown(value)}, which is neither in this copy's checkout nor "
        "added by the file (unknown, or another show's)"
    )


def attribute_logs(
    cleaned: list[dict[str, Any]], covered: Mapping[str, rows.Rows], user: str
) -> None:
    """Log rows say who did what: a file's new ones are the copy's, old ones stay as they are.

    A hand-made file could otherwise log a review as opened by any reviewer
    (`pipeline.review` counts those), so the user comes from the checkout, not the file.
    """
    for row in cleaned:
        if row["kind"] != LOG or row["mine"] is None:
            continue
        theirs = covered.get(LOG, {}).get(row["key"])
        name = theirs["user"] if theirs is not None else user
        for side in ("base", "mine"):
            if row[side] is not None:
                row[side] = {**row[side], "user": name}
