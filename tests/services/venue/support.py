"""Shared set-up of the venue tests: a shared database with a show, marks and a log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.support.factory import DAY, ShowFixture, make_show
from veyedesk.db import make_engine, session_factory
from veyedesk.model import Episode, Mark
from veyedesk.model.kinds import MarkKind
from veyedesk.services.editing.draft import load_draft, save_draft
from veyedesk.services.venue import rows
from veyedesk.services.venue.checkouts import CheckoutResult, checkout


def seed_shared(session: Session, **kwargs: Any) -> ShowFixture:
    """The factory's show (two rooms, three talks each) plus a mark per talk."""
    fixture = make_show(session, **kwargs)
    for n, ep in enumerate(fixture.episodes):
        assert ep.start is not None and ep.location is not None
        session.add(
            Mark(
                show_id=fixture.show.id,
                location=ep.location,
                click=ep.start + timedelta(seconds=30 + n),
                kind=MarkKind.START,
                who="volunteer",
            )
        )
    session.commit()
    return fixture


def copy_of(
    url: str, path: Path, *, who: str = "alice", machine: str = "laptop-a", **kw: Any
) -> CheckoutResult:
    return checkout(url, path, client="pyconf", show="pyconf_2026", who=who, machine=machine, **kw)


def dump(engine: Engine) -> dict[str, rows.Rows]:
    """Every merged row of a database, by shared key (ids left out)."""
    with engine.connect() as conn:
        return rows.read_all(conn)


def sqlite(path: Path) -> Engine:
    return make_engine(f"sqlite:///{path}")


def episode_by_uuid(session: Session, uuid: str) -> Episode:
    found = session.scalar(select(Episode).where(Episode.uuid == uuid))
    assert found is not None
    return found


def edit(engine: Engine, uuid: str, user: str = "someone", **fields: object) -> None:
    """Save field changes to a talk the way the editor does (draft, compare-and-swap)."""
    with session_factory(engine)() as s, s.begin():
        episode_id = s.scalars(select(Episode.id).where(Episode.uuid == uuid)).one()
        base = load_draft(s, episode_id, "")
        draft = base.copy()
        draft.fields.update(fields)
        save_draft(s, draft, base, user)


def edit_cuts(engine: Engine, uuid: str, change) -> None:  # type: ignore[no-untyped-def]
    with session_factory(engine)() as s, s.begin():
        episode_id = s.scalars(select(Episode.id).where(Episode.uuid == uuid)).one()
        base = load_draft(s, episode_id, "")
        draft = base.copy()
        change(draft)
        save_draft(s, draft, base, "editor")


__all__ = [
    "DAY",
    "copy_of",
    "dump",
    "edit",
    "edit_cuts",
    "episode_by_uuid",
    "seed_shared",
    "session_factory",
    "sqlite",
]
