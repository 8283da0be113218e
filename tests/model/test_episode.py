"""Model behaviour on both SQLite and PostgreSQL (the `db_url` fixture runs each test twice)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tests.support.factory import DAY, ShowFixture
from veyedesk.model import Cut, EncodeJob, Episode, RawFile, State
from veyedesk.model.states import STATE_SLUGS
from veyedesk.services.episodes import add_episode


def test_the_fourteen_states_are_seeded_in_order(session: Session) -> None:
    states = session.scalars(select(State).order_by(State.sequence)).all()
    assert [s.slug for s in states] == list(STATE_SLUGS)
    assert len(states) == 14
    assert [s.sequence for s in states] == list(range(1, 15))


def test_end_follows_start_and_duration(session: Session, show: ShowFixture) -> None:
    ep = show.episodes[0]
    assert ep.end == DAY + timedelta(minutes=30)
    ep.duration = 45 * 60.0
    session.commit()
    session.expire_all()
    assert session.get(Episode, ep.id).end == DAY + timedelta(minutes=45)  # type: ignore[union-attr]
    raw = show.raw_files[0]
    raw.duration = 61.5
    session.commit()
    assert raw.end == raw.start + timedelta(seconds=61.5)  # type: ignore[operator]


def test_cuts_time_sums_applied_cuts_with_blank_meaning_file_bounds(
    session: Session, show: ShowFixture
) -> None:
    ep = show.episodes[0]  # two 20-minute files -> two cuts with blank in/out
    assert ep.cuts_time() == pytest.approx(2400.0)
    first, second = ep.cuts
    first.start = 120.0  # skip the first 2 minutes
    second.end = 600.0  # stop 10 minutes into the second file
    assert ep.cuts_time() == pytest.approx(1080.0 + 600.0)
    second.apply = False
    assert ep.cuts_time() == pytest.approx(1080.0)
    first.end = 100.0  # inverted cut contributes nothing rather than a negative time
    assert ep.cuts_time() == 0.0
    session.commit()


def test_wall_clock_of_a_cut(session: Session, show: ShowFixture) -> None:
    cut = show.episodes[0].cuts[1]
    cut.start, cut.end = 65.24, 125.0
    assert cut.wall_start() == cut.raw_file.start + timedelta(seconds=65.24)  # type: ignore[operator]
    assert cut.wall_end() == datetime(2026, 2, 1, 9, 22, 5)


def test_chapters_start_where_each_applied_cut_starts(show: ShowFixture) -> None:
    ep = show.episodes[0]
    ep.cuts[0].start = 600.0
    assert ep.chapters() == [0.0, 600.0]


def test_start_keeps_the_schedules_utc_offset(show: ShowFixture) -> None:
    start = show.episodes[0].start_with_offset()
    assert start is not None
    assert start.isoformat() == "2026-02-01T09:00:00+01:00"
    assert start.utcoffset() == timedelta(hours=1)
    show.episodes[0].utc_offset_min = None
    fallback = show.episodes[0].start_with_offset(fallback=UTC)
    assert fallback is not None and fallback.isoformat() == "2026-02-01T09:00:00+00:00"


def test_slugs_are_unique_per_show_and_deduplicated(session: Session, show: ShowFixture) -> None:
    a = add_episode(session, show.show, "Lightning talks")
    b = add_episode(session, show.show, "Lightning talks")
    session.flush()
    assert (a.slug, b.slug) == ("Lightning_talks", "Lightning_talks_2")
    b.slug = "Lightning_talks"
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_a_raw_file_used_by_a_cut_cannot_be_deleted(session: Session, show: ShowFixture) -> None:
    session.delete(show.raw_files[0])
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_deleting_an_episode_removes_its_cuts(session: Session, show: ShowFixture) -> None:
    ep = show.episodes[0]
    session.delete(ep)
    session.commit()
    assert session.scalars(select(Cut).where(Cut.episode_id == ep.id)).all() == []
    assert session.get(RawFile, show.raw_files[0].id) is not None


def test_one_live_encode_job_per_episode_and_profile(session: Session, show: ShowFixture) -> None:
    ep = show.episodes[0]
    session.add(EncodeJob(episode=ep, profile="mp4", status="done"))
    session.add(EncodeJob(episode=ep, profile="mp4", status="queued"))
    session.add(EncodeJob(episode=ep, profile="webm", status="queued"))
    session.flush()
    session.add(EncodeJob(episode=ep, profile="mp4", status="running"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_raw_file_paths_follow_veyepars_layout(show: ShowFixture) -> None:
    raw = show.raw_files[0]
    assert (
        str(raw.path("/srv/raw")) == "/srv/raw/pyconf/pyconf_2026/dv/room_a/2026-02-01/09_00_00.dv"
    )
    show.show.raw_root = "/media/usb/pyconf"
    show.rooms[0].dirname = "Main Hall"
    assert str(raw.path("/srv/raw")) == "/media/usb/pyconf/dv/Main Hall/2026-02-01/09_00_00.dv"
