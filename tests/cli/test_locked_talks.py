"""`veyedesk state set` on a talk someone holds: refused with who/where, `--force` logged.

Issue 19: a talk open in another editor, or checked out to a venue copy, was moved on (and
encoded, see tests/jobs/test_foreground.py) as if nobody held it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.cli.test_cli import ok, one_error_line, run
from tests.support.factory import ShowFixture
from veyedesk.model import Episode, Log
from veyedesk.model.kinds import LogKind
from veyedesk.services.editing.locks import take_lock, take_venue_locks, venue_holder
from veyedesk.services.identity import Identity

ED = Identity("ed@laptop", "editor")
CLI_USER = {"VEYEDESK_USER": "boss@desk"}


def _state(session: Session, episode_id: int) -> str:
    session.expire_all()
    episode = session.get(Episode, episode_id)
    assert episode is not None and episode.state is not None
    return episode.state.slug


def test_state_set_refuses_a_talk_another_editor_has_open_and_force_is_logged(
    db_url: str, session: Session, show: ShowFixture
) -> None:
    episode_id = show.episodes[0].id
    take_lock(session, episode_id, ED, 120)
    session.commit()
    db = ["--db", db_url]
    refused = one_error_line(run(*db, "state", "set", str(episode_id), "encode", env=CLI_USER))
    assert f"episode {episode_id} is locked by ed@laptop since" in refused
    assert "--force" in refused
    assert _state(session, episode_id) == "edit"
    out = ok(*db, "state", "set", str(episode_id), "encode", "--force", env=CLI_USER)
    assert "moved past the lock: locked by ed@laptop" in out
    assert _state(session, episode_id) == "encode"
    forced = session.scalars(
        select(Log).where(Log.episode_id == episode_id, Log.kind == LogKind.LOCK)
    ).one()
    assert forced.user == "boss@desk"
    assert forced.result.startswith("boss@desk forced past the lock of ed@laptop to move it")
    # The lock stays its holder's: forcing a move is not taking the talk over.
    assert session.get(Episode, episode_id).locked_by == "ed@laptop"  # type: ignore[union-attr]
    # The holder itself moves it freely.
    ok(*db, "state", "set", str(episode_id), "edit", env={"VEYEDESK_USER": "ed@laptop"})
    assert _state(session, episode_id) == "edit"


def test_state_set_refuses_a_talk_checked_out_to_a_venue_copy(
    db_url: str, session: Session, show: ShowFixture
) -> None:
    episode_id = show.episodes[1].id
    holder = venue_holder("laptop-a", "alice", "0123456789abcdef")
    assert take_venue_locks(session, [episode_id], holder) == [episode_id]
    session.commit()
    refused = one_error_line(
        run("--db", db_url, "state", "set", str(episode_id), "encode", env=CLI_USER)
    )
    assert f"episode {episode_id} is checked out to laptop laptop-a (alice) since" in refused
    assert "syncs" in refused
    assert _state(session, episode_id) == "edit"
