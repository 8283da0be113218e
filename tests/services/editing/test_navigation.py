from datetime import datetime

from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture, set_state
from veyedesk.services.editing.navigation import (
    listed_neighbour,
    listed_order,
    neighbour,
    show_order,
)
from veyedesk.services.episodes import EpisodeRow, get_state


def test_next_goes_through_a_room_in_time_order_then_the_next_room(
    session: Session, show: ShowFixture
) -> None:
    a1, a2, a3, b1, _b2, b3 = show.episodes
    assert [n.id for n in show_order(session, show.show.id)] == [e.id for e in show.episodes]
    assert neighbour(session, a1.id, +1).id == a2.id  # type: ignore[union-attr]
    assert neighbour(session, a3.id, +1).id == b1.id  # type: ignore[union-attr]
    assert neighbour(session, b1.id, -1).id == a3.id  # type: ignore[union-attr]
    assert neighbour(session, b3.id, +1) is None
    assert neighbour(session, a1.id, -1) is None
    nxt = neighbour(session, a1.id, +1)
    assert nxt is not None and nxt.label.startswith("Room A 09:45: Talk 2")


def test_only_edit_skips_episodes_in_other_states(session: Session, show: ShowFixture) -> None:
    a1, a2, a3, b1, _b2, _b3 = show.episodes
    set_state(session, a2, "encode", "ed")
    set_state(session, a3, "done", "ed")
    session.commit()
    assert get_state(session, "edit")
    assert neighbour(session, a1.id, +1, only_state="edit").id == b1.id  # type: ignore[union-attr]
    assert neighbour(session, b1.id, -1, only_state="edit").id == a1.id  # type: ignore[union-attr]
    assert neighbour(session, a1.id, +1).id == a2.id  # type: ignore[union-attr]


def row(episode_id: int, room: str, hour: int, state: str = "edit") -> EpisodeRow:
    return EpisodeRow(
        id=episode_id,
        start=datetime(2026, 7, 1, hour),
        room=room,
        name=f"Talk {episode_id}",
        authors="",
        state=state,
        state_sequence=0,
        locked_by="",
        duration=None,
        cuts_time=0.0,
        released=None,
    )


def test_the_listed_order_keeps_the_list_order_room_by_room() -> None:
    # The list shows every room by start time: Room A's talks and Room B's interleave.
    listed = [row(1, "A", 9), row(4, "B", 9), row(2, "A", 10), row(5, "B", 10), row(3, "A", 11)]
    order = listed_order(listed)
    assert [n.id for n in order] == [1, 2, 3, 4, 5]
    assert listed_neighbour(order, 1, +1).id == 2  # type: ignore[union-attr]
    assert listed_neighbour(order, 3, +1).id == 4  # type: ignore[union-attr]  # then the next room
    assert listed_neighbour(order, 4, -1).id == 3  # type: ignore[union-attr]
    assert listed_neighbour(order, 5, +1) is None and listed_neighbour(order, 1, -1) is None
    # Sorted by name descending (the list's sort), the room's talks come in that order.
    order = listed_order(sorted(listed, key=lambda r: r.name, reverse=True))
    assert [n.id for n in order] == [5, 4, 3, 2, 1]
    # A talk the filters hide is not in the order: the caller falls back to the show's.
    assert listed_neighbour(listed_order(listed[:2]), 2, +1) is None


def test_the_listed_order_skips_other_states_with_only_state() -> None:
    listed = [row(1, "A", 9), row(2, "A", 10, "encode"), row(3, "A", 11), row(4, "B", 9)]
    order = listed_order(listed)
    assert listed_neighbour(order, 1, +1, only_state="edit").id == 3  # type: ignore[union-attr]
    assert listed_neighbour(order, 3, -1, only_state="edit").id == 1  # type: ignore[union-attr]
    assert listed_neighbour(order, 1, +2, only_state="edit").id == 4  # type: ignore[union-attr]
