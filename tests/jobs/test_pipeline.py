"""A show's pipeline in the queue: pass states walk on, public states are release-gated."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture, set_state, walk_into
from veyedesk.jobs import claims, state_moves
from veyedesk.model import EncodeJob, Episode, Log, ShowState
from veyedesk.model.kinds import JobKind, LogKind
from veyedesk.services.episodes import get_state

USER = "tester@here"


def _encoded(session: Session, episode: Episode) -> None:
    """Encode `episode` through the queue and let the worker's `complete` move it on."""
    set_state(session, episode, "encode", USER)
    job = state_moves.queue_for_state(session, episode, "mp4")
    assert job is not None
    claimed = claims.claim(session, "w:1/0")
    assert claimed is not None and claimed.id == job.id
    claims.complete(session, job.id, "w:1/0", user=USER)
    session.commit()


def _logs(session: Session, episode: Episode) -> list[Log]:
    return list(
        session.scalars(select(Log).where(Log.episode_id == episode.id).order_by(Log.id)).all()
    )


def _stage(session: Session, episode: Episode, slug: str, kind: str, **kw: object) -> None:
    session.add(
        ShowState(show_id=episode.show_id, state_id=get_state(session, slug).id, kind=kind, **kw)
    )
    session.flush()


def test_an_encoded_talk_whose_speaker_agreed_reaches_review_1_by_itself(
    session: Session, show: ShowFixture
) -> None:
    # Issue 12: push to queue, post and richard have no command, so the talk used to stay
    # in push to queue and the reviewer saw nothing.
    episode = show.episodes[0]
    episode.released = True
    _encoded(session, episode)
    assert episode.state is not None and episode.state.slug == "review 1"
    moves = [log.result for log in _logs(session, episode) if log.kind == LogKind.STATE]
    assert moves[-4:-3][0].endswith("state encode -> push to queue")
    assert moves[-3:] == [
        "passed push to queue: nothing to do there; state push to queue -> post",
        "passed post: nothing to do there; state post -> richard",
        "passed richard: nothing to do there; state richard -> review 1",
    ]


def _approve(session: Session, episode: Episode, slug: str) -> None:
    """A reviewer's approval: the next state asked for without `strict`, as review does."""
    state_moves.enter_state(session, episode, get_state(session, slug), USER, "mp4")
    session.commit()


def test_a_talk_whose_speaker_refused_never_enters_a_public_state(
    session: Session, show: ShowFixture
) -> None:
    episode = show.episodes[0]
    episode.released = False
    _encoded(session, episode)
    # post uploads unlisted: not public, so even a refused talk is reviewed.
    assert episode.state is not None and episode.state.slug == "review 1"
    _approve(session, episode, "email")  # email passes on to review 2
    assert episode.state.slug == "review 2"
    _approve(session, episode, "make public")
    assert episode.state.slug == "review 2"
    last = _logs(session, episode)[-1]
    assert last.kind == LogKind.RELEASE
    assert last.result == "speaker refused release: stopped in review 2, before make public"
    public = {"make public", "tweet", "to-miror", "conf"}
    assert not [log for log in _logs(session, episode) if log.state and log.state.slug in public]
    # A person picking a public state by name is refused with the reason; nothing moves.
    with pytest.raises(state_moves.ReleaseRefused, match="speaker refused release"):
        state_moves.enter_state(
            session, episode, get_state(session, "make public"), USER, "mp4", strict=True
        )
    assert episode.state.slug == "review 2"
    # Yes later: it carries on by itself from where it stopped.
    episode.released = True
    state_moves.resume(session, episode, USER, "mp4")
    # make public has no command in this show: it passes on, to done.
    assert episode.state.slug == "done"
    assert state_moves.hold_of(session, episode.id) is None


def test_unknown_reaches_review_1_and_waits_before_make_public_then_continues_on_yes(
    session: Session, show: ShowFixture
) -> None:
    # Issue 19: post counted as public, so every Unknown talk stopped in push to queue,
    # before review 1, and the reviewer saw nothing.
    episode = show.episodes[1]
    assert episode.released is None
    _encoded(session, episode)
    assert episode.state is not None and episode.state.slug == "review 1"
    assert state_moves.hold_of(session, episode.id) is None
    _approve(session, episode, "email")
    _approve(session, episode, "make public")
    assert episode.state.slug == "review 2"
    hold = state_moves.hold_of(session, episode.id)
    assert hold is not None and (hold.reason, hold.state.slug) == ("waiting", "make public")
    assert _logs(session, episode)[-1].result == (
        "waiting for the speaker's release: stopped in review 2, before make public"
    )
    # Resuming while still unknown changes nothing and logs nothing new.
    count = len(_logs(session, episode))
    assert state_moves.resume(session, episode, USER, "mp4") is None
    assert len(_logs(session, episode)) == count
    # Refused meanwhile: the hold says so (one new Log row).
    episode.released = False
    state_moves.resume(session, episode, USER, "mp4")
    assert state_moves.hold_of(session, episode.id).reason == "refused"  # type: ignore[union-attr]
    assert _logs(session, episode)[-1].result.startswith("speaker refused release")
    episode.released = True
    state_moves.resume(session, episode, USER, "mp4")
    assert episode.state.slug == "done"  # nothing to do in make public and after it here
    results = [log.result for log in _logs(session, episode)]
    assert "resumed: released; state review 2 -> make public" in results


def test_a_hold_whose_state_stopped_being_public_is_carried_on_by_the_tick(
    session: Session, show: ShowFixture
) -> None:
    # A show that stored post's old public flag (migration 0014 unsets it): the talks it
    # held before post carry on by themselves, not only when someone touches them.
    episode = show.episodes[1]
    _stage(session, episode, "post", "command", command="upload {output}", public=True)
    _encoded(session, episode)
    assert episode.state is not None and episode.state.slug == "push to queue"
    row = session.scalar(select(ShowState).where(ShowState.show_id == episode.show_id))
    assert row is not None
    row.public = False  # what migration 0014 does
    session.flush()
    waiting = show.episodes[2]
    _encoded(session, waiting)  # post is a command now: it waits there for a worker
    assert state_moves.resume_freed(session, USER, "mp4") == [episode.id]
    assert episode.state.slug == "post"
    assert state_moves.hold_of(session, episode.id) is None
    assert state_moves.resume_freed(session, USER, "mp4") == []


def test_unknown_publishes_is_blanket_consent(session: Session, show: ShowFixture) -> None:
    from veyedesk.model import PipelineSettings

    episode = show.episodes[0]
    session.add(PipelineSettings(show_id=episode.show_id, unknown_publishes=True))
    _encoded(session, episode)
    assert episode.state is not None and episode.state.slug == "review 1"


def test_a_show_decides_which_states_are_public(session: Session, show: ShowFixture) -> None:
    episode = show.episodes[0]
    _stage(session, episode, "post", "pass", public=False)
    _stage(session, episode, "review 1", "pass", public=False)
    _stage(session, episode, "richard", "pass", public=True)
    _encoded(session, episode)
    # post is not public in this show; richard is: the unknown talk waits before it.
    assert episode.state is not None and episode.state.slug == "post"
    hold = state_moves.hold_of(session, episode.id)
    assert hold is not None and hold.state.slug == "richard"
    # Another show's rows change nothing here.
    other = show.episodes[3]
    assert other.show_id == episode.show_id


def test_a_show_s_own_command_runs_instead_of_the_global_one(
    session: Session, show: ShowFixture
) -> None:
    episode = show.episodes[0]
    episode.released = True
    get_state(session, "richard").command = "global-richard {slug}"
    _stage(session, episode, "post", "command", command="upload {output}", public=True)
    _encoded(session, episode)
    assert episode.state is not None and episode.state.slug == "post"
    job = session.scalar(
        select(EncodeJob).where(
            EncodeJob.episode_id == episode.id, EncodeJob.kind == JobKind.COMMAND
        )
    )
    assert job is not None and job.profile == "post"
    # A show that made richard a pass state skips the global command.
    _stage(session, episode, "richard", "pass")
    claims.claim(session, "w:1/0")
    claims.complete(session, job.id, "w:1/0", user=USER)
    assert episode.state.slug == "review 1"


def test_the_walk_ends_at_the_last_state(session: Session, show: ShowFixture) -> None:
    episode = show.episodes[0]
    episode.released = True
    for slug in ("review 1", "review 2"):
        _stage(session, episode, slug, "pass")
    _encoded(session, episode)
    # Every later state passes (done too): the walk stops at the last one, no loop.
    assert episode.state is not None and episode.state.slug == "done"
    assert state_moves.queue_for_state(session, episode, "mp4") is None


def test_a_person_move_into_a_pass_state_walks_on_and_a_move_drops_the_hold(
    session: Session, show: ShowFixture
) -> None:
    episode = show.episodes[0]
    state_moves.enter_state(session, episode, get_state(session, "push to queue"), USER, "mp4")
    # push to queue, post and richard pass; nothing public on the way: review 1.
    assert episode.state is not None and episode.state.slug == "review 1"
    assert state_moves.hold_of(session, episode.id) is None
    state_moves.enter_state(session, episode, get_state(session, "email"), USER, "mp4")
    state_moves.enter_state(session, episode, get_state(session, "make public"), USER, "mp4")
    assert episode.state.slug == "review 2"
    assert state_moves.hold_of(session, episode.id) is not None
    state_moves.enter_state(session, episode, get_state(session, "edit"), USER, "mp4", strict=True)
    assert episode.state.slug == "edit"
    assert state_moves.hold_of(session, episode.id) is None


def test_a_worker_approves_review_2_after_the_show_s_days_of_silence(
    db_url: str, session: Session, show: ShowFixture
) -> None:
    from datetime import datetime, timedelta

    from veyedesk.config import Settings
    from veyedesk.jobs.engine import writer_engine
    from veyedesk.jobs.worker import WorkerOptions, default_handlers, run_worker
    from veyedesk.model import PipelineSettings

    episode = show.episodes[0]
    episode.released = True
    session.add(PipelineSettings(show_id=episode.show_id, review_timeout_days=3))
    walk_into(session, episode, "review 2", USER).end = datetime.now() - timedelta(days=4)
    session.commit()
    engine = writer_engine(db_url)
    try:
        run_worker(
            engine,
            Settings(db=db_url, user=USER),
            default_handlers(),
            WorkerOptions(once=True, poll_seconds=0.1),
            name="test:1",
        )
    finally:
        engine.dispose()
    session.expire_all()
    assert episode.state is not None and episode.state.slug == "done"
    kinds = [log.kind for log in _logs(session, episode)]
    assert LogKind.TIMEOUT in kinds
