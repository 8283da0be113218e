from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.model import Episode, Log
from veyedesk.services.editing.locks import LockHeld, lock_state, release_lock, take_lock, take_over
from veyedesk.services.errors import PermissionDenied
from veyedesk.services.identity import Identity

ANN = Identity("ann@laptop", "editor")
BOB = Identity("bob@laptop", "editor")
BOSS = Identity("boss", "admin")
REVIEWER = Identity("rita", "reviewer")


def test_take_renew_release(session: Session, show: ShowFixture) -> None:
    ep = show.episodes[0]
    state = take_lock(session, ep.id, ANN, 120)
    session.commit()
    assert state.holder == "ann@laptop"
    row = session.get(Episode, ep.id)
    session.refresh(row)
    assert row is not None and row.locked_by == "ann@laptop" and row.locked is not None
    # Taking it again renews it; the serial (used for save conflicts) does not move.
    take_lock(session, ep.id, ANN, 120)
    session.refresh(row)
    assert row.serial == 0
    assert release_lock(session, ep.id, ANN) is True
    session.commit()
    assert lock_state(session, ep.id, 120).free


def test_another_user_is_refused_and_told_who_holds_it(session: Session, show: ShowFixture) -> None:
    ep = show.episodes[0]
    take_lock(session, ep.id, ANN, 120)
    session.commit()
    with pytest.raises(LockHeld, match="locked by ann@laptop since") as info:
        take_lock(session, ep.id, BOB, 120)
    assert info.value.state.holder == "ann@laptop" and not info.value.state.stale
    # Releasing someone else's lock changes nothing.
    assert release_lock(session, ep.id, BOB) is False
    assert lock_state(session, ep.id, 120).holder == "ann@laptop"


def test_only_an_admin_takes_over_a_fresh_lock_and_it_is_logged(
    session: Session, show: ShowFixture
) -> None:
    ep = show.episodes[0]
    take_lock(session, ep.id, ANN, 120)
    session.commit()
    with pytest.raises(PermissionDenied, match="only an admin"):
        take_over(session, ep.id, BOB, 120)
    state = take_over(session, ep.id, BOSS, 120)
    session.commit()
    assert state.holder == "boss"
    logs = list(session.scalars(select(Log).where(Log.episode_id == ep.id)))
    assert [log.user for log in logs] == ["boss"]
    assert "took over the lock from ann@laptop" in logs[0].result


def test_stale_locks_show_as_stale_and_any_editor_may_take_them_over(
    session: Session, show: ShowFixture
) -> None:
    ep = show.episodes[0]
    row = session.get(Episode, ep.id)
    assert row is not None
    row.locked_by, row.locked = "gone@crashed", datetime.now() - timedelta(minutes=200)
    session.commit()
    state = lock_state(session, ep.id, 120)
    assert state.stale and "(stale)" in state.describe()
    with pytest.raises(LockHeld, match="stale"):
        take_lock(session, ep.id, BOB, 120)
    assert take_over(session, ep.id, BOB, 120).holder == "bob@laptop"
    assert not lock_state(session, ep.id, 500).stale


def test_a_reviewer_cannot_lock_for_editing(session: Session, show: ShowFixture) -> None:
    with pytest.raises(PermissionDenied):
        take_lock(session, show.episodes[0].id, REVIEWER, 120)
