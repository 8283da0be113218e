"""Clients, shows and rooms: create them and find them by slug with helpful errors."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veyedesk.model import Client, Location, Show
from veyedesk.model.slug import SLUG_CHARS, is_slug, suggest_slug
from veyedesk.services.errors import AlreadyExists, InvalidInput, NotFound


def _known(session: Session, stmt) -> str:
    slugs = list(session.scalars(stmt))
    return ", ".join(slugs) if slugs else "none yet"


def check_slug(slug: str, what: str) -> None:
    """Refuse a typed slug outside Veyepar's (Django's) alphabet, suggesting a close one."""
    if not is_slug(slug):
        hint = suggest_slug(slug)
        try_it = f" (try {hint!r})" if hint else ""
        raise InvalidInput(f"{what} slug {slug!r} must be {SLUG_CHARS} only{try_it}")


def get_client(session: Session, slug: str) -> Client:
    """The client with this slug."""
    client = session.scalar(select(Client).where(Client.slug == slug))
    if client is None:
        known = _known(session, select(Client.slug).order_by(Client.slug))
        raise NotFound(f"no client {slug!r} (known: {known}); add it with `veyedesk client add`")
    return client


def get_show(session: Session, client_slug: str, show_slug: str) -> Show:
    """The show `show_slug` of client `client_slug`."""
    client = get_client(session, client_slug)
    show = session.scalar(select(Show).where(Show.client_id == client.id, Show.slug == show_slug))
    if show is None:
        known = _known(session, select(Show.slug).where(Show.client_id == client.id))
        raise NotFound(
            f"no show {show_slug!r} for client {client_slug!r} (known: {known}); "
            "add it with `veyedesk show add`"
        )
    return show


def get_show_by_id(session: Session, show_id: int) -> Show:
    """The show with this id (the window knows shows by id, the CLI by slugs)."""
    show = session.get(Show, show_id)
    if show is None:
        raise NotFound(f"show {show_id} no longer exists (deleted meanwhile?); refresh the list")
    return show


def get_room(session: Session, show: Show, slug: str) -> Location:
    """The room `slug` of `show` (rooms belong to one show)."""
    for room in show.locations:
        if room.slug == slug:
            return room
    known = ", ".join(r.slug for r in show.locations) or "none yet"
    raise NotFound(
        f"no room {slug!r} in show {show.slug!r} (known: {known}); add it with `veyedesk room add`"
    )


def require_room_of(show: Show, room: Location) -> None:
    """Refuse a room of another show (a stale id from a window, a mixed-up caller)."""
    if room.show is not show and room.show_id != show.id:
        raise InvalidInput(
            f"room {room.slug!r} is not a room of show {show.slug!r}; pick one of its rooms"
        )


def room_label(show: Show, slug: str) -> str:
    """`client/show/room`: what a room change says it touched (rooms are per show)."""
    return f"{show.client.slug}/{show.slug}/{slug}"[:300]  # AuditEntry.target's length


def add_client(session: Session, slug: str, name: str | None = None) -> Client:
    """Create a client."""
    check_slug(slug, "client")
    # Slugs name output folders: `PyCon` and `pycon` would be one folder on a
    # case-insensitive disk (exFAT, SMB, APFS), so they may not differ only in case.
    taken = session.scalar(select(Client.slug).where(func.lower(Client.slug) == slug.lower()))
    if taken is not None:
        raise AlreadyExists(f"client {taken!r} exists (slugs may not differ only in case)")
    client = Client(slug=slug, name=name or slug)
    session.add(client)
    session.flush()
    return client


def add_show(
    session: Session, client_slug: str, slug: str, name: str | None = None, raw_root: str = ""
) -> Show:
    """Create a show under an existing client."""
    check_slug(slug, "show")
    client = get_client(session, client_slug)
    taken = session.scalar(
        select(Show.slug).where(Show.client_id == client.id, func.lower(Show.slug) == slug.lower())
    )
    if taken is not None:
        raise AlreadyExists(
            f"show {taken!r} exists for client {client_slug!r} (slugs may not differ only in case)"
        )
    show = Show(client=client, slug=slug, name=name or slug, raw_root=raw_root)
    session.add(show)
    session.flush()
    return show


def add_room(session: Session, show: Show, slug: str, name: str | None = None) -> Location:
    """Create room `slug` in the show (a room of one show; another show's namesake is apart)."""
    check_slug(slug, "room")
    twin = next((r.slug for r in show.locations if r.slug.lower() == slug.lower()), None)
    if twin == slug:
        raise AlreadyExists(f"room {slug!r} is already in show {show.slug!r}")
    if twin is not None:
        raise AlreadyExists(
            f"room {twin!r} is already in show {show.slug!r}; room folders may not differ "
            "only in case"
        )
    name = name or slug
    check_room_name(show, name)
    room = Location(show=show, slug=slug, name=name, sequence=len(show.locations) + 1)
    session.add(room)
    session.flush()
    return room


def check_room_name(show: Show, name: str, room: Location | None = None) -> None:
    """Refuse a room name another room of the show has (a schedule names rooms by it)."""
    twin = next(
        (r.name for r in show.locations if r is not room and r.name.casefold() == name.casefold()),
        None,
    )
    if twin is not None:
        raise AlreadyExists(
            f"room name {twin!r} is taken in show {show.slug!r} (names may not differ only "
            "in case); choose another"
        )
