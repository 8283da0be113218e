"""services.editing: the one open/save/state path, its permissions, locks and lost updates."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.config import Settings
from veyedesk.db import session_factory
from veyedesk.model import Cut, CutTombstone, EncodeJob, Episode, Log, Mark
from veyedesk.model.kinds import LogKind
from veyedesk.services.editing import locks, open_save as editing
from veyedesk.services.editing.draft import EditConflict, load_draft
from veyedesk.services.editing.locks import take_over
from veyedesk.services.editing.open_save import LockLost
from veyedesk.services.episodes import Selection
from veyedesk.services.errors import PermissionDenied
from veyedesk.services.identity import Identity
from veyedesk.services.ingest.assoc import associate

ED = Identity("ed@laptop", "editor")
ANN = Identity("ann@laptop", "editor")
BOSS = Identity("boss", "admin", authenticated=True)
RITA = Identity("rita", "reviewer", authenticated=True)


@pytest.fixture
def settings(engine: Engine) -> Settings:
    return Settings(db=str(engine.url))


def _opened(session: Session, episode_id: int, who: Identity, settings: Settings):
    opened = editing.open_for_edit(session, episode_id, who, settings)
    session.commit()
    return opened


def test_a_reviewer_opens_read_only_and_every_write_is_refused(
    session: Session, show: ShowFixture, settings: Settings
) -> None:
    ep = show.episodes[0]
    opened = _opened(session, ep.id, RITA, settings)
    assert opened.read_only == "rita is a reviewer: reviewers cannot edit"
    assert opened.lock is None
    draft = opened.draft.copy()
    draft.fields["name"] = "Renamed by a reviewer"
    draft.cuts[0].start = 1.0
    with pytest.raises(PermissionDenied, match="rita \\(reviewer\\) may not edit"):
        editing.save_episode(session, draft, opened.draft, RITA, settings)
    with pytest.raises(PermissionDenied):
        editing.add_mark(session, ep.id, datetime(2026, 2, 1, 9, 5), RITA)
    with pytest.raises(PermissionDenied):
        editing.change_state(session, session.get(Episode, ep.id), "encode", RITA, "mp4")
    session.rollback()
    session.expire_all()
    row = session.get(Episode, ep.id)
    assert row is not None and row.name == ep.name and row.serial == 0 and row.locked_by == ""
    assert row.state is not None and row.state.slug == "edit"
    assert list(session.scalars(select(Mark))) == []
    assert list(session.scalars(select(EncodeJob))) == []


def test_saving_a_state_queues_its_job_and_logs_a_state_row(
    session: Session, show: ShowFixture, settings: Settings
) -> None:
    ep = show.episodes[0]
    opened = _opened(session, ep.id, ED, settings)
    draft = opened.draft.copy()
    draft.fields[editing.STATE] = "encode"
    draft.fields["name"] = "NUL\x00in the\ttitle"
    saved = editing.save_episode(session, draft, opened.draft, ED, settings, release=True)
    session.commit()
    assert saved.job == "queued encode mp4"
    assert saved.draft.fields["name"] == "NUL in the title"  # control characters stripped
    session.expire_all()
    row = session.get(Episode, ep.id)
    assert row is not None and row.locked_by == "" and row.name == "NUL in the title"
    [log] = [log for log in row.logs if log.kind == LogKind.STATE]
    assert log.result == "state edit -> encode" and log.user == "ed@laptop"


def test_a_taken_over_editor_cannot_save_over_the_new_holder(
    session: Session, show: ShowFixture, settings: Settings
) -> None:
    ep = show.episodes[0]
    opened = _opened(session, ep.id, ED, settings)
    take_over(session, ep.id, BOSS, settings.lock_stale_minutes)
    session.commit()
    draft = opened.draft.copy()
    draft.fields["name"] = "Ed's late title"
    with pytest.raises(LockLost, match=r"locked by boss since .*edits are kept"):
        editing.save_episode(session, draft, opened.draft, ED, settings)
    session.rollback()
    with pytest.raises(LockLost):
        editing.renew_lock(session, ep.id, ED, settings)
    session.rollback()
    session.expire_all()
    row = session.get(Episode, ep.id)
    assert row is not None and row.name == ep.name and row.locked_by == "boss"


def test_a_released_lock_is_taken_back_and_the_serial_still_guards(
    session: Session, show: ShowFixture, settings: Settings
) -> None:
    ep = show.episodes[0]
    mine = _opened(session, ep.id, ED, settings)
    take_over(session, ep.id, BOSS, settings.lock_stale_minutes)
    theirs = mine.draft.copy()
    theirs.fields["name"] = "Boss's title"
    editing.save_episode(session, theirs, mine.draft, BOSS, settings, release=True)
    session.commit()
    draft = mine.draft.copy()
    draft.fields["name"] = "Ed's title"
    with pytest.raises(EditConflict, match="name"):
        editing.save_episode(session, draft, mine.draft, ED, settings)
    session.rollback()
    draft = mine.draft.copy()
    draft.fields["authors"] = "Ed's speaker"  # a field boss did not touch merges
    editing.save_episode(session, draft, mine.draft, ED, settings)
    session.commit()
    session.expire_all()
    row = session.get(Episode, ep.id)
    assert row is not None and (row.name, row.authors) == ("Boss's title", "Ed's speaker")
    assert row.locked_by == "ed@laptop"


@pytest.mark.parametrize("rounds", [50])
def test_two_saves_from_one_base_never_both_win(
    engine: Engine, show: ShowFixture, settings: Settings, rounds: int
) -> None:
    """Compare-and-swap on the serial: of two concurrent saves exactly one wins, every time."""
    sessions = session_factory(engine)
    ep_id = show.episodes[0].id
    with sessions() as s:
        editing.open_for_edit(s, ep_id, ED, settings)
        s.commit()
    for n in range(rounds):
        with sessions() as s:
            base = load_draft(s, ep_id, "")
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def save(title: str, base=base, barrier=barrier, outcomes=outcomes) -> None:
            draft = base.copy()
            draft.fields["name"] = title
            try:
                with sessions() as s, s.begin():
                    barrier.wait(timeout=30)
                    editing.save_episode(s, draft, base, ED, settings)
                outcomes.append("won")
            except EditConflict as exc:
                assert exc.fields == ["name"] and exc.theirs.fields["name"] != title
                outcomes.append("conflict")

        threads = [threading.Thread(target=save, args=(f"round {n} {who}",)) for who in "ab"]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(outcomes) == ["conflict", "won"], f"round {n}: {outcomes}"
        with sessions() as s:
            row = s.get(Episode, ep_id)
            assert row is not None and row.serial == base.serial + 1


def test_assoc_never_brings_back_a_deleted_cut_and_a_save_keeps_cuts_it_never_saw(
    session: Session, show: ShowFixture, settings: Settings
) -> None:
    ep = show.episodes[0]
    room = show.rooms[0]
    opened = _opened(session, ep.id, ED, settings)
    # Assoc adds a cut of a new file while the editor works (one more raw file in the slot).
    first, second = sorted(opened.draft.cuts, key=lambda c: c.sequence)
    session.execute(select(Cut).where(Cut.id == second.id))
    draft = opened.draft.copy()
    draft.cuts = [c for c in draft.cuts if c.id != second.id]  # the editor deletes cut 2
    late = Cut(episode_id=ep.id, raw_file_id=show.raw_files[2].id, sequence=9, apply=False)
    session.add(late)
    session.commit()
    editing.save_episode(session, draft, opened.draft, ED, settings)
    session.commit()
    session.expire_all()
    cuts = {c.raw_file_id: c for c in session.scalars(select(Cut).where(Cut.episode_id == ep.id))}
    assert second.raw_file_id not in cuts  # deleted, as the editor asked
    assert show.raw_files[2].id in cuts  # assoc's cut, never seen by the editor, stays
    tombs = session.scalars(
        select(CutTombstone.raw_file_id).where(CutTombstone.episode_id == ep.id)
    )
    assert list(tombs) == [second.raw_file_id]
    result = associate(session, Selection("pyconf", "pyconf_2026", room=room.slug))
    session.commit()
    assert ep.id not in result.added
    session.expire_all()
    again = session.scalars(select(Cut.raw_file_id).where(Cut.episode_id == ep.id))
    assert second.raw_file_id not in set(again)
    assert first.raw_file_id in cuts


def test_lock_age_is_read_on_the_database_clock(
    session: Session, show: ShowFixture, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A laptop whose clock runs three hours ahead must not see a fresh lock as stale."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite lives on this machine: its clock is the database's")
    ep = show.episodes[0]
    _opened(session, ep.id, ED, settings)

    class AheadClock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime.fromtimestamp(datetime.now().timestamp() + 3 * 3600, tz)

    monkeypatch.setattr(locks, "datetime", AheadClock)
    state = locks.lock_state(session, ep.id, settings.lock_stale_minutes)
    assert state.holder == "ed@laptop" and not state.stale
    with pytest.raises(PermissionDenied, match="only an admin"):
        take_over(session, ep.id, ANN, settings.lock_stale_minutes)


def test_renewing_keeps_the_lock_fresh(
    session: Session, show: ShowFixture, settings: Settings
) -> None:
    ep = show.episodes[0]
    _opened(session, ep.id, ED, settings)
    row = session.get(Episode, ep.id)
    assert row is not None
    row.locked = (row.locked or datetime.now()) - timedelta(minutes=settings.lock_stale_minutes + 5)
    session.commit()
    assert locks.lock_state(session, ep.id, settings.lock_stale_minutes).stale
    editing.renew_lock(session, ep.id, ED, settings)
    session.commit()
    assert not locks.lock_state(session, ep.id, settings.lock_stale_minutes).stale
    assert list(session.scalars(select(Log).where(Log.kind == LogKind.LOCK))) == []
