from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture, set_state
from veyedesk.services.editing.navigation import neighbour, show_order
from veyedesk.services.episodes import get_state


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
