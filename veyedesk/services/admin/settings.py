"""Change a client's, a show's or a room's settings: every column, validated, audited.

`set_client`, `set_show` and `set_room` take the acting identity (admins only) and a
mapping of field name to value; a value may be typed (from the settings dialog) or text
(from the command line). Every value is checked before anything is written: a title
template that does not render, a raw folder that does not exist or a zone that is not an
IANA name is refused with a message naming the field and the value, and nothing is saved.

A room's `hours_offset` is not set here: its raw files' start times were computed with the
old offset, so it goes through `services.retime`, which moves them and re-associates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veyedesk.encode.titles import SlideText, TemplateError, fill_template
from veyedesk.model import AuditEntry, Client, Location, Show
from veyedesk.model.shared_files import OutsideRoot, resolve, to_stored
from veyedesk.model.slug import TakenSlugs
from veyedesk.model.states import CHANNELCOPY
from veyedesk.model.text import plain_text
from veyedesk.services.catalog import (
    check_room_name,
    check_slug,
    get_show_by_id,
    require_room_of,
    room_label,
)
from veyedesk.services.errors import AlreadyExists, InvalidInput
from veyedesk.services.identity import Identity, require_admin

Parser = Callable[[str, Any], Any]  # (field label, value) -> stored value


@dataclass(frozen=True)
class Field:
    """One settable column: its kind (for the dialog and the CLI) and how to check a value."""

    name: str
    label: str
    kind: str  # line, text, int, bool, float, choice, file, folder, zone, url, slug
    help: str = ""


@dataclass(frozen=True)
class Change:
    """A field that a `set_*` call changed."""

    field: str
    old: Any
    new: Any

    def line(self) -> str:
        return f"{self.field}: {self.old!r} -> {self.new!r}"


CLIENT_FIELDS: tuple[Field, ...] = (
    Field("slug", "Slug", "slug", "names output folders"),
    Field("name", "Name", "line"),
    Field("sequence", "Sequence", "int"),
    Field("active", "Active", "bool"),
    Field("license", "Licence", "line", "e.g. CC BY-SA 4.0"),
    Field("title_svg", "Title template", "file", "SVG; blank = built-in"),
    Field("credits", "Credits image", "file", "SVG; blank = built-in"),
    Field("tags", "Tags", "line"),
    Field("contacts", "Contacts", "text"),
    Field("description", "Description", "text"),
)

SHOW_FIELDS: tuple[Field, ...] = (
    Field("slug", "Slug", "slug", "names output folders"),
    Field("name", "Name", "line"),
    Field("sequence", "Sequence", "int"),
    Field("active", "Active", "bool"),
    Field(
        "timezone", "Time zone", "zone", "IANA name, e.g. Europe/Brussels; blank = this machine's"
    ),
    Field("raw_root", "Raw folder", "folder", "blank = <raw root>/<client>/<show>"),
    Field("conf_url", "Conference URL", "url"),
    Field("schedule_url", "Schedule URL", "url"),
    Field("category_key", "Category key", "line"),
    Field("tags", "Tags", "line"),
    Field("description", "Description", "text"),
)

ROOM_FIELDS: tuple[Field, ...] = (
    Field("slug", "Slug", "slug", "names the room's folder under dv/ unless dirname is set"),
    Field("name", "Name", "line"),
    Field("sequence", "Sequence", "int", "order of rooms"),
    Field("active", "Active", "bool"),
    Field("channelcopy", "Default channelcopy", "choice", "audio fix for new talks"),
    Field("dirname", "Folder name", "line", "under dv/, when not the slug"),
    Field("hours_offset", "Hours offset", "int", "fixes a recorder clock set wrong"),
    Field("description", "Description", "text"),
    Field("lat", "Latitude", "float"),
    Field("lon", "Longitude", "float"),
)

TRUE = {"1", "true", "yes", "on", "y"}
FALSE = {"0", "false", "no", "off", "n"}
CHANNELCOPY_CHOICES = ("", *CHANNELCOPY)


def field_named(fields: tuple[Field, ...], name: str, what: str) -> Field:
    """The field `name` (dashes or underscores) of `fields`, or a message listing them."""
    key = name.strip().replace("-", "_")
    for f in fields:
        if f.name == key:
            return f
    known = ", ".join(f.name for f in fields)
    raise InvalidInput(f"a {what} has no setting {name!r}; settings are: {known}")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def parse_value(f: Field, value: Any, what: str, files_root: str = "") -> Any:
    """`value` as `f` stores it, or InvalidInput naming the field and the value."""
    where = f"{what} {f.name}"
    if f.kind == "bool":
        if isinstance(value, bool):
            return value
        text = _text(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise InvalidInput(f"{where} {value!r} is not yes or no (use true/false, yes/no, 1/0)")
    if f.kind == "int":
        try:
            return int(value) if isinstance(value, int) else int(_text(value).strip())
        except ValueError:
            raise InvalidInput(f"{where} {value!r} is not a whole number") from None
    if f.kind == "float":
        text = _text(value).strip()
        if text == "":
            return None
        try:
            return float(text)
        except ValueError:
            raise InvalidInput(f"{where} {value!r} is not a number (or blank)") from None
    text = plain_text(_text(value), multiline=f.kind == "text")
    if f.kind != "text":
        text = text.strip()
    if f.kind == "slug":
        check_slug(text, what)
    elif f.kind == "choice" and text not in CHANNELCOPY_CHOICES:
        codes = ", ".join(repr(c) for c in CHANNELCOPY_CHOICES)
        raise InvalidInput(f"{where} {text!r} is not a channelcopy code; use one of {codes}")
    elif f.kind == "url" and text and not text.startswith(("http://", "https://")):
        raise InvalidInput(f"{where} {text!r} is not an http(s) URL; give https://… or blank")
    elif f.kind == "zone" and text:
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                f"{where} {text!r} is not a time zone; use an IANA name such as "
                "Europe/Brussels, or blank for this machine's zone"
            ) from None
    elif f.kind == "folder" and text and not Path(text).expanduser().is_dir():
        raise InvalidInput(f"{where} {text!r}: no such folder; create it first or leave blank")
    elif f.kind == "file" and text:
        # Stored relative to the shared files root when under it (model.shared_files), so
        # every worker finds the template; checked where this machine finds it.
        text = to_stored(text, files_root)
        check_template(text, where, files_root)
    return text


def check_template(path_text: str, where: str, files_root: str = "") -> None:
    """Refuse a title or credits template that does not exist or does not render."""
    try:
        path = resolve(path_text, files_root)
    except OutsideRoot as exc:
        raise InvalidInput(f"{where}: {exc}") from None
    if not path.is_file():
        raise InvalidInput(f"{where} {path_text!r}: no such file; give an SVG file or blank")
    sample = SlideText(title="Sample title", authors="A. Speaker", show="Show", date="1 May")
    try:
        fill_template(path, sample, 640, 360)
    except TemplateError as exc:
        raise InvalidInput(f"{where} {path_text!r} does not render: {exc}") from None


def _audit(
    session: Session,
    who: Identity,
    action: str,
    target: str,
    changes: list[Change],
    show_id: int | None = None,
) -> None:
    detail = "; ".join(c.line() for c in changes)
    session.add(
        AuditEntry(show_id=show_id, user=who.name, action=action, target=target, detail=detail)
    )


def _apply(
    obj: Any,
    fields: tuple[Field, ...],
    values: Mapping[str, Any],
    what: str,
    skip: tuple[str, ...] = (),
    files_root: str = "",
) -> list[Change]:
    parsed: dict[str, Any] = {}
    for name, value in values.items():
        f = field_named(fields, name, what)
        if f.name in skip:
            raise InvalidInput(
                f"{what} {f.name} moves the room's raw files; use `veyedesk room retime` "
                "(or the settings dialog), which shows what would move first"
            )
        parsed[f.name] = parse_value(f, value, what, files_root)
    if "name" in parsed and not parsed["name"]:
        raise InvalidInput(f"{what} name must not be blank")
    return [Change(n, getattr(obj, n), v) for n, v in parsed.items() if getattr(obj, n) != v]


def _write(obj: Any, changes: list[Change]) -> None:
    for change in changes:
        setattr(obj, change.field, change.new)


def set_client(
    session: Session,
    who: Identity,
    client: Client,
    values: Mapping[str, Any],
    files_root: str = "",
) -> list[Change]:
    """Change the client's settings (admins only); nothing is written when any value is bad.

    Template files are stored relative to `files_root` (Settings.files_root) when under it.
    """
    require_admin(session, who)
    changes = _apply(client, CLIENT_FIELDS, values, "client", files_root=files_root)
    slug = next((c.new for c in changes if c.field == "slug"), None)
    if slug is not None and session.scalar(
        select(Client.id).where(func.lower(Client.slug) == slug.lower(), Client.id != client.id)
    ):
        raise AlreadyExists(f"client slug {slug!r} is taken (in some case); choose another")
    if changes:
        _audit(session, who, "client set", client.slug, changes)
        _write(client, changes)
        session.flush()
    return changes


def set_show(
    session: Session, who: Identity, show: Show, values: Mapping[str, Any]
) -> list[Change]:
    """Change the show's settings (admins only); nothing is written when any value is bad."""
    require_admin(session, who)
    changes = _apply(show, SHOW_FIELDS, values, "show")
    slug = next((c.new for c in changes if c.field == "slug"), None)
    if slug is not None:
        others = session.scalars(
            select(Show.slug).where(Show.client_id == show.client_id, Show.id != show.id)
        )
        if slug in TakenSlugs(others):
            raise AlreadyExists(f"show slug {slug!r} is taken in this client; choose another")
    if changes:
        _audit(session, who, "show set", f"{show.client.slug}/{show.slug}", changes, show.id)
        _write(show, changes)
        session.flush()
    return changes


def set_room(
    session: Session, who: Identity, show: Show, room: Location, values: Mapping[str, Any]
) -> list[Change]:
    """Change a room of `show` (admins only); `hours_offset` goes through services.retime.

    The room is the show's own: another show's room of the same name is not touched.
    """
    require_admin(session, who)
    require_room_of(show, room)
    offset = values.get("hours_offset", values.get("hours-offset"))
    if (
        offset is not None
        and parse_value(field_named(ROOM_FIELDS, "hours_offset", "room"), offset, "room")
        == room.hours_offset
    ):
        values = {k: v for k, v in values.items() if k not in ("hours_offset", "hours-offset")}
    changes = _apply(room, ROOM_FIELDS, values, "room", skip=("hours_offset",))
    slug = next((c.new for c in changes if c.field == "slug"), None)
    if slug is not None and session.scalar(
        select(Location.id).where(
            Location.show_id == show.id,
            func.lower(Location.slug) == slug.lower(),
            Location.id != room.id,
        )
    ):
        raise AlreadyExists(
            f"room slug {slug!r} is taken in show {show.slug!r} (in some case); choose another"
        )
    name = next((c.new for c in changes if c.field == "name"), None)
    if name is not None:
        check_room_name(show, name, room)
    if changes:
        _audit(session, who, "room set", room_label(show, room.slug), changes, show.id)
        _write(room, changes)
        session.flush()
    return changes


def values_of(obj: Any, fields: tuple[Field, ...]) -> dict[str, Any]:
    """The current value of every field (what `show` prints and the dialog starts from)."""
    return {f.name: getattr(obj, f.name) for f in fields}


@dataclass(frozen=True)
class RoomSettings:
    """One room of the show as the settings dialog edits it."""

    id: int
    slug: str
    values: dict[str, Any]


@dataclass(frozen=True)
class ShowSettings:
    """A show, its client and its rooms as plain data (safe to hand across threads)."""

    show_id: int
    client: dict[str, Any]
    show: dict[str, Any]
    rooms: list[RoomSettings]


def load_show_settings(session: Session, show_id: int) -> ShowSettings:
    """Everything the settings dialog shows for a show."""
    show = get_show_by_id(session, show_id)
    return ShowSettings(
        show.id,
        values_of(show.client, CLIENT_FIELDS),
        values_of(show, SHOW_FIELDS),
        [RoomSettings(r.id, r.slug, values_of(r, ROOM_FIELDS)) for r in show.locations],
    )


def save_show_settings(
    session: Session,
    who: Identity,
    show_id: int,
    client: Mapping[str, Any],
    show_values: Mapping[str, Any],
    rooms: Mapping[int, Mapping[str, Any]],
    offsets: Mapping[int, int] | None = None,
    files_root: str = "",
) -> list[str]:
    """Apply the dialog's changes in one transaction; any bad value refuses them all.

    `offsets` (room id -> hours) re-times those rooms (services.retime) after the other
    changes. Returns one line per change.
    """
    from veyedesk.services.ingest import retime_room

    require_admin(session, who)
    show = get_show_by_id(session, show_id)
    by_id = {r.id: r for r in show.locations}
    lines = [
        f"client {c.line()}" for c in set_client(session, who, show.client, client, files_root)
    ]
    lines += [f"show {c.line()}" for c in set_show(session, who, show, show_values)]
    for room_id, values in rooms.items():
        room = by_id[room_id]
        lines += [
            f"room {room.slug} {c.line()}" for c in set_room(session, who, show, room, values)
        ]
    for room_id, hours in (offsets or {}).items():
        plan = retime_room(session, who, show, by_id[room_id], hours)
        lines.append(f"room {plan.room}: {plan.lines()[-1]}")
    return lines


def add_show_room(session: Session, who: Identity, show_id: int, slug: str, name: str) -> int:
    """Add a room to the show, as `room add` does; its id."""
    from veyedesk.services.catalog import add_room

    require_admin(session, who)
    show = get_show_by_id(session, show_id)
    room = add_room(session, show, plain_text(slug).strip(), plain_text(name).strip() or None)
    session.add(AuditEntry(show_id=show.id, user=who.name, action="room add", target=room.slug))
    session.flush()
    return room.id


def retime_preview(session: Session, show_id: int, offsets: Mapping[int, int]) -> list[str]:
    """What re-timing these rooms would move (the lines the dialog lists); writes nothing."""
    from veyedesk.services.ingest import plan_retime

    show = get_show_by_id(session, show_id)
    by_id = {r.id: r for r in show.locations}
    lines: list[str] = []
    for room_id, hours in offsets.items():
        lines += plan_retime(session, show, by_id[room_id], hours).lines()
    return lines


def create_show(
    session: Session,
    who: Identity,
    client_slug: str,
    client_name: str,
    show_slug: str,
    show_name: str,
) -> int:
    """A new show, and its client when none has that slug yet (the window's New show…)."""
    from veyedesk.services.catalog import add_client, add_show

    require_admin(session, who)
    client_slug, show_slug = plain_text(client_slug).strip(), plain_text(show_slug).strip()
    if session.scalar(select(Client.id).where(Client.slug == client_slug)) is None:
        add_client(session, client_slug, plain_text(client_name).strip() or None)
    show = add_show(session, client_slug, show_slug, plain_text(show_name).strip() or None)
    session.add(
        AuditEntry(
            show_id=show.id, user=who.name, action="show add", target=f"{client_slug}/{show_slug}"
        )
    )
    session.flush()
    return show.id
