"""Talks by hand: add, duplicate, split, move, delete (logged), and the admin fields."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factory import DAY, ShowFixture
from veyedesk.jobs.queue import enqueue
from veyedesk.model import AuditEntry, EncodeJob, Episode, Log
from veyedesk.model.kinds import JobKind
from veyedesk.services.admin import talks
from veyedesk.services.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from veyedesk.services.identity import Identity

ADMIN = Identity("lead", "admin")


def test_a_lightning_talk_gets_its_room_s_cuts(session: Session, show: ShowFixture) -> None:
    show.rooms[0].channelcopy = "m"
    ep = talks.add_talk(
        session,
        ADMIN,
        show.show,
        "Lightning: 5 minutes",
        "room_a",
        DAY + timedelta(minutes=5),
        talks.parse_duration("5m"),
    )
    session.commit()
    assert (ep.slug, ep.duration, ep.channelcopy, ep.state.slug) == (  # type: ignore[union-attr]
        "Lightning_5_minutes",
        300.0,
        "m",
        "edit",
    )
    assert ep.cuts and all(c.raw_file.location_id == show.rooms[0].id for c in ep.cuts)
    assert [log.result for log in ep.logs] == ["added by hand"]


@pytest.mark.parametrize(
    ("room", "duration", "error", "message"),
    [
        ("nowhere", 60.0, NotFound, "no room 'nowhere'"),
        ("room_a", "-5", InvalidInput, "duration '-5'"),
        ("room_a", "soon", InvalidInput, "duration 'soon' is not a length"),
    ],
)
def test_bad_talks_are_refused(
    session: Session, show: ShowFixture, room: str, duration: object, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        talks.add_talk(session, ADMIN, show.show, "x", room, DAY, duration)  # type: ignore[arg-type]


def test_split_gives_each_part_its_own_slot_and_cuts(session: Session, show: ShowFixture) -> None:
    first = show.episodes[0]
    at = DAY + timedelta(minutes=12)
    second = talks.duplicate_talk(session, ADMIN, first.id, split_at=at, name="Second half")
    session.commit()
    assert first.duration == 12 * 60 and second.start == at and second.duration == 18 * 60
    assert second.cuts and first.cuts
    assert max(c.wall_end() for c in first.cuts if c.apply) <= at  # type: ignore[type-var]
    assert min(c.wall_start() for c in second.cuts if c.apply) >= at  # type: ignore[type-var]
    with pytest.raises(InvalidInput, match="not inside"):
        talks.duplicate_talk(session, ADMIN, first.id, split_at=DAY + timedelta(hours=5))
    dup = talks.duplicate_talk(session, ADMIN, first.id)
    assert dup.start == first.start and dup.slug != first.slug


def test_move_takes_an_unedited_talk_s_cuts_along(session: Session, show: ShowFixture) -> None:
    ep = show.episodes[0]
    talks.move_talk(session, ADMIN, ep.id, "room_b")
    session.commit()
    assert ep.location_id == show.rooms[1].id
    assert ep.cuts and all(c.raw_file.location_id == show.rooms[1].id for c in ep.cuts)
    assert "location" in (ep.edited_fields or [])
    assert ep.logs[-1].result == "moved from room room_a to room_b"


def test_delete_is_refused_with_encodes_unless_forced_and_audited(
    session: Session, show: ShowFixture
) -> None:
    ep = show.episodes[0]
    enqueue(session, ep, kind=JobKind.ENCODE, profile="mp4")
    session.commit()
    with pytest.raises(InvalidInput, match="has 1 encode"):
        talks.delete_talk(session, ADMIN, ep.id)
    session.rollback()
    assert talks.delete_talk(session, ADMIN, ep.id, force=True) == ep.slug
    session.commit()
    assert session.get(Episode, ep.id) is None
    assert session.scalars(select(EncodeJob)).all() == []
    assert session.scalars(select(Log).where(Log.episode_id == ep.id)).all() == []
    entry = session.scalars(select(AuditEntry)).one()
    assert entry.action == "episode delete" and entry.user == "lead" and "forced" in entry.detail


def test_admin_fields_are_checked_then_set_logged_and_kept_on_reimport(
    session: Session, show: ShowFixture
) -> None:
    ep, other = show.episodes[0], show.episodes[1]
    serial = ep.serial
    talks.set_talk(
        session,
        ADMIN,
        ep.id,
        {
            "slug": "pretalx-talk-1",
            "conf_url": "https://x.example/1",
            "sequence": "7",
            "stop": "yes",
            "reviewers": "ann@example.org",
            "host-url": "https://v.example/1",
        },
    )
    session.commit()
    assert (ep.slug, ep.sequence, ep.stop, ep.serial) == ("pretalx-talk-1", 7, True, serial + 1)
    assert {"slug", "conf_url", "sequence"} <= set(ep.edited_fields or [])
    # Two slugs differing only in case would be one output file on a case-insensitive disk.
    with pytest.raises(AlreadyExists, match="differ only in case"):
        talks.set_talk(session, ADMIN, other.id, {"slug": "PRETALX-talk-1"})
    with pytest.raises(InvalidInput, match="slug 'a b'"):
        talks.set_talk(session, ADMIN, other.id, {"slug": "a b", "sequence": "2"})
    with pytest.raises(InvalidInput, match="public_url 'javascript:x'"):
        talks.set_talk(session, ADMIN, other.id, {"public_url": "javascript:x"})
    session.rollback()
    assert other.sequence == 2
    with pytest.raises(PermissionDenied):
        talks.set_talk(session, Identity("ed", "editor"), ep.id, {"stop": "no"})


def test_parse_when() -> None:
    assert talks.parse_when("2026-02-01 10:05") == datetime(2026, 2, 1, 10, 5)
    with pytest.raises(InvalidInput, match="start 'tomorrow' is not a time"):
        talks.parse_when("tomorrow")


def test_parse_when_reads_times_as_the_schedule_importer_does() -> None:
    # Starts are naive venue wall clock: an offset someone pasted from a schedule must not
    # make an aware datetime (it cannot be compared with the stored ones).
    assert talks.parse_when("2026-02-01T10:05:00+01:00") == datetime(2026, 2, 1, 10, 5)
    assert talks.parse_when("2026-02-01T10:05:00Z").tzinfo is None
    with pytest.raises(InvalidInput, match="'0001-01-01 00:00' is not a time"):
        talks.parse_when("0001-01-01 00:00", "--at")


def test_an_open_editor_s_save_merges_with_admin_fields_set_meanwhile(
    session: Session, show: ShowFixture
) -> None:
    from veyedesk.config import Settings
    from veyedesk.services.editing import open_save as editing

    settings = Settings(db=str(session.get_bind().url))
    ed = Identity("ed@laptop", "editor")
    ep = show.episodes[0]
    opened = editing.open_for_edit(session, ep.id, ed, settings)
    session.commit()
    talks.set_talk(session, ADMIN, ep.id, {"slug": "renamed-by-admin", "stop": "yes"})
    session.commit()
    draft = opened.draft.copy()
    draft.fields["name"] = "Fixed title"
    editing.save_episode(session, draft, opened.draft, ed, settings)
    session.commit()
    session.expire_all()
    saved = session.get(Episode, ep.id)
    assert saved is not None
    assert (saved.name, saved.slug, saved.stop) == ("Fixed title", "renamed-by-admin", True)
