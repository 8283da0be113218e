"""Veyepar JSON export -> import into a fresh show keeps every field, every cut and the edits.

The original show is built the way a crew builds one: the conference's schedule imported,
raw files of the rooms, cuts (one on a 29.97 fps frame, one not applied), and hand edits
recorded in `edited_fields` the way the editor's save records them. After the round trip
the conference's schedule is imported once more into the copy: the crew's edits must be
reported as kept, and nothing as changed.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.support.schedules import frab_xml
from veyedesk.db import make_engine, session_factory
from veyedesk.db.migrate import upgrade
from veyedesk.ingest.records import RESTORED_COLUMNS
from veyedesk.model import Cut, Episode, RawFile, Show
from veyedesk.services import catalog
from veyedesk.services.episodes import Selection, get_state, select_episodes
from veyedesk.services.ingest.schedule_import import import_schedule
from veyedesk.services.publishing.export import veyepar_json

# Columns a round trip cannot keep as they are: the row's own identity in its database,
# its show, the lock of whoever had it open and the save counter.
LOCAL_COLUMNS = {"id", "show_id", "uuid", "locked", "locked_by", "serial"}
ODD_NAME = 'Zitat "x": C:\\\\pfad\\\\ – 100% <b>fett</b> & 🎥 ‘quoted’ {braces}'


def _build_original(session: Session) -> Show:
    catalog.add_client(session, "orig", "Original")
    show = catalog.add_show(session, "orig", "vk26")
    import_schedule(session, show, frab_xml(), "schedule.xml", "frab-xml")
    session.flush()
    talks = {e.conf_key[-3:]: e for e in show.episodes}
    # Hand edits, each recorded as the editor's save records it.
    opening = talks["101"]
    opening.name = ODD_NAME
    opening.start = datetime(2026, 2, 1, 10, 0, 18, 600000)  # started 18.6 s late
    opening.duration = 2701.52
    opening.comment = "Mic 2 buzzed.\n"
    opening.released = True
    opening.edited_fields = ["comment", "duration", "name", "released", "start"]
    review = talks["103"]
    review.state = get_state(session, "review 1")
    review.description = "Hand-written abstract\n\nwith two paragraphs"
    review.edited_fields = ["description"]
    for name in RESTORED_COLUMNS:
        kind = type(getattr(review, name))
        setattr(review, name, {int: -40, bool: True}.get(kind, f"{name} \\ “x”"))
    review.channelcopy, review.normalise = "01", "-16"
    # Raw files of two rooms and cuts, one talk spanning two files.
    for n, (talk, fps) in enumerate(((opening, 25.0), (review, 29.97))):
        assert talk.start is not None and talk.location is not None
        for k in range(2):
            at = talk.start.replace(microsecond=0) + timedelta(minutes=30 * k - 5)
            raw = RawFile(
                show=show,
                location=talk.location,
                filename=f"{at:%Y-%m-%d}/{at:%H_%M_%S}.dv",
                start=at,
                duration=1800.0,
                filesize=10,
                fps=fps,
                start_source="path",
            )
            raw.sync_end()
            session.add(raw)
            talk.cuts.append(
                Cut(
                    raw_file=raw,
                    sequence=k + 1,
                    # A 29.97 fps frame needs more digits than Veyepar's hundredths.
                    start=None if k else (9001 * 1001 / 30000 if n else 17.68),
                    end=None if k == 0 else 912.4,
                    edited=k == 0,
                    comment="seam: “cough”" if k else "",
                )
            )
    review.cuts.append(Cut(raw_file=review.cuts[0].raw_file, sequence=3, apply=False, end=3.0))
    session.commit()
    return show


def _fields(episode: Episode) -> dict[str, Any]:
    values = {
        c.key: getattr(episode, c.key)
        for c in Episode.__table__.columns
        if c.key not in LOCAL_COLUMNS | {"location_id", "state_id"}
    }
    values["room"] = episode.location.slug if episode.location else None
    values["state"] = episode.state.slug if episode.state else None
    return values


def _cuts(episode: Episode) -> list[tuple[Any, ...]]:
    return [
        (
            c.raw_file.location.slug,
            c.raw_file.filename,
            c.raw_file.start,
            c.raw_file.duration,
            c.raw_file.fps,
            c.sequence,
            c.start,
            c.end,
            c.apply,
            c.edited,
            c.comment,
        )
        for c in sorted(episode.cuts, key=lambda c: c.sequence)
    ]


def _export(session: Session, client: str, show: str) -> bytes:
    episodes = select_episodes(session, Selection(client, show))
    text = json.dumps(veyepar_json(episodes), indent=2, ensure_ascii=False, default=str)
    return text.encode()


def _compare(original: list[Episode], copies: list[Episode], *, same_database: bool) -> None:
    by_key = {e.conf_key: e for e in copies}
    assert set(by_key) == {e.conf_key for e in original}
    for ep in original:
        copy = by_key[ep.conf_key]
        mine, theirs = _fields(ep), _fields(copy)
        differing = {k: (mine[k], theirs[k]) for k in mine if mine[k] != theirs[k]}
        assert differing == {}, ep.conf_key
        assert _cuts(copy) == _cuts(ep), ep.conf_key
        # A move to another database keeps the talk's UUID (C3VOC's guid for hand-added
        # talks); a copy beside the original needs a UUID of its own.
        assert (copy.uuid == ep.uuid) is not same_database


def _reimport_keeps_edits(session: Session, show: Show) -> None:
    result = import_schedule(session, show, frab_xml(), "schedule.xml", "frab-xml")
    plan = result.plan
    assert [p.existing.conf_key for p in plan.changed] == [], result.lines()
    kept = {p.existing.conf_key[-3:]: sorted(c.field for c in p.kept) for p in plan.kept}
    assert kept == {"101": ["duration", "name", "start"], "103": ["description"]}
    assert plan.added == [] and plan.vanished == []
    assert "0 changed, 2 kept because edited" in result.lines()[-1]


def test_export_import_keeps_every_field_and_cut_and_the_edits(
    session: Session, tmp_path: Path
) -> None:
    original_show = _build_original(session)
    data = _export(session, "orig", "vk26")
    original = select_episodes(session, Selection("orig", "vk26"))

    # A fresh show of another client in the same database.
    catalog.add_client(session, "copy", "Copy")
    copy_show = catalog.add_show(session, "copy", "vk26_copy")
    result = import_schedule(session, copy_show, data, "export.json", "veyepar-json")
    assert len(result.plan.added) == len(original)
    session.commit()
    session.expire_all()
    copies = select_episodes(session, Selection("copy", "vk26_copy"))
    _compare(original, copies, same_database=True)
    _reimport_keeps_edits(session, copy_show)
    session.rollback()

    # A fresh database (a laptop): rooms and raw files come from the file itself.
    other: Engine = make_engine(f"sqlite:///{tmp_path / 'laptop.db'}")
    upgrade(other)
    try:
        with session_factory(other)() as fresh:
            catalog.add_client(fresh, "copy", "Copy")
            moved = catalog.add_show(fresh, "copy", "vk26")
            import_schedule(fresh, moved, data, "export.json", "veyepar-json")
            fresh.commit()
            copies = select_episodes(fresh, Selection("copy", "vk26"))
            assert fresh.scalar(select(RawFile.start_source).limit(1)) == "export"
            _compare(original, copies, same_database=False)
            _reimport_keeps_edits(fresh, moved)
    finally:
        other.dispose()
    assert original_show.slug == "vk26"  # the original was only read
