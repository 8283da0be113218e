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
    """The room `slug` attached to `show`."""
    for room in show.locations:
        if room.slug == slug:
            return room
    known = ", ".join(r.slug for r in show.locations) or "none yet"
    raise NotFound(
        f"no room {slug!r} in show {show.slug!r} (known: {known}); add it with `veyedesk room add`"
    )


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
    """Attach room `slug` to the show, creating the room if no show has it yet."""
    check_slug(slug, "room")
    twin = next((r.slug for r in show.locations if r.slug.lower() == slug.lower()), None)
    if twin is not None and twin != slug:
        raise AlreadyExists(
            f"room {twin!r} is already in show {show.slug!r}; room folders may not differ "
            "only in case"
        )
    room = session.scalar(select(Location).where(Location.slug == slug))
    if room is None:
        room = Location(slug=slug, name=name or slug, sequence=len(show.locations) + 1)
        session.add(room)
    elif room in show.locations:
        raise AlreadyExists(f"room {slug!r} is already in show {show.slug!r}")
    show.locations.append(room)
    session.flush()
    return room
