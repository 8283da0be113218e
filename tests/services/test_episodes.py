import pytest
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.services import catalog
from veyedesk.services.episodes import (
    Selection,
    episode_rows,
    episode_summary,
    list_shows,
    select_episodes,
)
from veyedesk.services.errors import AlreadyExists, InvalidInput, NotFound


def test_selection_by_show_room_and_ids(session: Session, show: ShowFixture) -> None:
    everything = select_episodes(session, Selection("pyconf", "pyconf_2026"))
    assert len(everything) == 6
    room_b = select_episodes(session, Selection("pyconf", "pyconf_2026", room="room_b"))
    assert {e.location.slug for e in room_b if e.location} == {"room_b"}
    assert [e.start for e in room_b] == sorted(e.start for e in room_b if e.start)
    one = select_episodes(session, Selection("pyconf", "pyconf_2026", episode_ids=[room_b[0].id]))
    assert one == [room_b[0]]
    with pytest.raises(NotFound, match="episode\\(s\\) 9999"):
        select_episodes(session, Selection("pyconf", "pyconf_2026", episode_ids=[9999]))


def test_unknown_names_list_what_exists(session: Session, show: ShowFixture) -> None:
    with pytest.raises(NotFound, match=r"no client 'x' \(known: pyconf\)"):
        select_episodes(session, Selection("x", "y"))
    with pytest.raises(NotFound, match=r"no show 'y' .*known: pyconf_2026"):
        select_episodes(session, Selection("pyconf", "y"))
    with pytest.raises(NotFound, match=r"no room 'hall' .*room_a, room_b"):
        select_episodes(session, Selection("pyconf", "pyconf_2026", room="hall"))
    with pytest.raises(NotFound, match="states are: borked, edit"):
        select_episodes(session, Selection("pyconf", "pyconf_2026", state="nope"))


def test_catalog_refuses_duplicates_and_unsafe_slugs(session: Session, show: ShowFixture) -> None:
    with pytest.raises(AlreadyExists):
        catalog.add_client(session, "pyconf")
    with pytest.raises(InvalidInput, match="try 'My_Conf'"):
        catalog.add_client(session, "My Conf")
    with pytest.raises(AlreadyExists):
        catalog.add_room(session, show.show, "room_a")
    other = catalog.add_show(session, "pyconf", "pyconf_2027")
    own = catalog.add_room(session, other, "room_a")  # a room of the next year's show
    assert own is not show.rooms[0] and own.show_id == other.id


def test_summary_and_state_change_leave_a_log(session: Session, show: ShowFixture) -> None:
    ep = show.episodes[0]
    summary = episode_summary(ep)
    assert summary["start"] == "2026-02-01T09:00:00+01:00"
    assert summary["state"] == "edit" and summary["room"] == "room_a"
    assert summary["cuts_time"] == pytest.approx(2400.0)
    from veyedesk.model.kinds import LogKind
    from veyedesk.services.editing.open_save import change_state
    from veyedesk.services.identity import Identity

    job = change_state(session, ep, "encode", Identity("ed@laptop", "editor"), "mp4")
    session.commit()
    assert ep.state is not None and ep.state.slug == "encode"
    log = ep.logs[-1]
    assert (log.user, log.result, log.kind) == ("ed@laptop", "state edit -> encode", LogKind.STATE)
    assert job is not None and (job.kind, job.profile) == ("encode", "mp4")


def test_rows_for_the_list_are_plain_data(session: Session, show: ShowFixture) -> None:
    shows = list_shows(session)
    assert [s.label for s in shows] == ["pyconf / Pyconf 2026"]
    rows = episode_rows(session, shows[0].id)
    assert len(rows) == 6
    assert rows[0].start is not None and rows[0].state == "edit"
    assert [r.start for r in rows] == sorted(r.start for r in rows if r.start)
