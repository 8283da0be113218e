"""Shared set-up of the change-file trust tests: two shows, a real copy, a real change file."""

from __future__ import annotations

import copy
import json
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import Session

from tests.services.venue.support import DAY, copy_of, edit, seed_shared, sqlite
from veyedesk.model import Cut, Episode, Log, RawFile
from veyedesk.services import catalog
from veyedesk.services.episodes import add_episode
from veyedesk.services.venue.changes import MEMBER, export_changes


@dataclass
class Made:
    """A shared database with two shows and a change file from a copy of the first."""

    engine: Engine
    vdz: Path
    document: dict[str, Any]
    talks: list[str]  # the copied show's talk UUIDs (room_a first)
    other_talks: list[str]  # UUIDs of another client's show's talks
    other_cuts: list[str]
    other_logs: list[str]
    other_room: str


def seed_other_show(session: Session) -> tuple[list[str], list[str], list[str]]:
    """Another client's show in its own room: two talks, a raw file, a cut and a log each."""
    catalog.add_client(session, "other", "Other")
    show = catalog.add_show(session, "other", "other_2026", "Other 2026")
    room = catalog.add_room(session, show, "hall_x", "Hall X")
    talks, cuts, logs = [], [], []
    for n in range(2):
        at = DAY + timedelta(hours=n)
        ep = add_episode(
            session, show, f"Other talk {n}", room=room, start=at, duration=1800.0, sequence=n + 1
        )
        raw = RawFile(
            show=show,
            location=room,
            filename=f"{at:%Y-%m-%d}/{at:%H_%M_%S}.dv",
            start=at,
            duration=1800.0,
            filesize=1,
            start_source="path",
            fps=25.0,
        )
        session.add(raw)
        cut = Cut(raw_file=raw, sequence=1)
        ep.cuts.append(cut)
        log = Log(episode=ep, user="olga", result="imported", kind="note")
        session.add(log)
        session.flush()
        talks.append(ep.uuid)
        cuts.append(cut.uuid)
        logs.append(log.uuid)
    session.commit()
    return talks, cuts, logs


def make_change_file(
    db_url: str, session: Session, tmp_path: Path, *, room: str | None = None, more: bool = False
) -> Made:
    """Check out pyconf_2026 (or one room of it), edit a talk and a cut, export the changes.

    `more`: the copy also gets a new talk, a new mark and a deleted cut (every kind of change).
    """
    fixture = seed_shared(session)
    other_talks, other_cuts, other_logs = seed_other_show(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    copy_of(db_url, tmp_path / "v.db", room=room)
    local = sqlite(tmp_path / "v.db")
    talks = [e.uuid for e in fixture.episodes]
    edit(local, talks[0], name="Renamed at the venue", comment="from the room")

    def longer(draft: Any) -> None:
        draft.cuts[0].end = 600.0

    from tests.services.venue.support import edit_cuts

    edit_cuts(local, talks[0], longer)
    if more:
        _more_changes(local, talks[1])
    vdz = tmp_path / "real.vdz"
    export_changes(local, vdz)
    local.dispose()
    with zipfile.ZipFile(vdz) as zf:
        document = json.loads(zf.read(MEMBER))
    return Made(
        engine, vdz, document, talks, other_talks, other_cuts, other_logs, other_room="hall_x"
    )


def _more_changes(local: Engine, talk: str) -> None:
    from tests.services.venue.support import edit_cuts
    from veyedesk.db import session_factory
    from veyedesk.model import Location, Mark, Show
    from veyedesk.model.kinds import MarkKind

    with session_factory(local)() as s, s.begin():
        show = s.scalars(select(Show)).one()
        room = s.scalars(select(Location).where(Location.slug == "room_a")).one()
        add_episode(s, show, "Added at the venue", room=room, start=DAY + timedelta(hours=6))
        s.add(
            Mark(
                show_id=show.id,
                location=room,
                click=DAY + timedelta(hours=2),
                kind=MarkKind.CUT,
                who="volunteer",
            )
        )

    def drop(draft: Any) -> None:
        del draft.cuts[0]

    edit_cuts(local, talk, drop)


def write_change_file(path: Path, document: Any, *, raw_json: str | None = None) -> Path:
    """A .vdz holding `document` (or the literal JSON text `raw_json`)."""
    text = raw_json if raw_json is not None else json.dumps(document, ensure_ascii=False)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MEMBER, text)
    return path


def shared_row(engine: Engine, kind: str, key: str) -> dict[str, Any] | None:
    from veyedesk.services.venue import rows

    with engine.connect() as conn:
        return rows.read_keys(conn, kind, [key]).get(key)


def row_for(engine: Engine, kind: str, key: str, **mine: Any) -> dict[str, Any]:
    """A change-file row for a row as the shared database holds it, `mine` changed."""
    base = shared_row(engine, kind, key)
    assert base is not None
    return {"kind": kind, "key": key, "base": base, "mine": {**copy.deepcopy(base), **mine}}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the database (ordered), for before/after comparisons."""
    meta = MetaData()
    meta.reflect(engine)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            found = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in found), key=repr)
    return out


def episode_name(engine: Engine, uuid: str) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(select(Episode.name).where(Episode.uuid == uuid)))
