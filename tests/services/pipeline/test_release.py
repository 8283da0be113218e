"""services.release and services.pipeline: released gates publishing; admins change pipelines."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture, walk_into
from veyedesk.config import Settings
from veyedesk.jobs import state_moves
from veyedesk.jobs.review_timeout import approve_silent_reviews
from veyedesk.model import Episode, Log
from veyedesk.model.kinds import LogKind
from veyedesk.services.editing import open_save as editing
from veyedesk.services.episodes import get_state
from veyedesk.services.errors import InvalidInput, PermissionDenied
from veyedesk.services.identity import Identity
from veyedesk.services.pipeline import release, states as pipeline

ED = Identity("ed@laptop", "editor")
BOSS = Identity("boss", "admin", authenticated=True)
RITA = Identity("rita", "reviewer", authenticated=True)


@pytest.fixture
def settings(engine: Engine) -> Settings:
    return Settings(db=str(engine.url))


def _held(session: Session, episode: Episode) -> None:
    """The talk as a reviewer's approval of review 2 leaves it: stopped before make public.

    Moved by the real rule (`enter_state`): email passes on to review 2, and the approval
    of review 2 stops before make public while `released` is not Yes.
    """
    for slug in ("email", "make public"):
        state_moves.enter_state(session, episode, get_state(session, slug), "w", "mp4")
    session.commit()
    assert episode.state is not None and episode.state.slug == "review 2"


def _last(session: Session, episode: Episode) -> Log:
    return session.scalars(
        select(Log).where(Log.episode_id == episode.id).order_by(Log.id.desc()).limit(1)
    ).one()


def test_saving_released_yes_in_the_form_carries_a_held_talk_on(
    session: Session, show: ShowFixture, settings: Settings
) -> None:
    episode = show.episodes[0]
    _held(session, episode)
    assert release.release_status(session, episode.id) == release.ReleaseStatus(
        release.HoldReason.WAITING, "make public"
    )
    opened = editing.open_for_edit(session, episode.id, ED, settings)
    draft = opened.draft.copy()
    draft.fields["released"] = True
    saved = editing.save_episode(session, draft, opened.draft, ED, settings)
    session.commit()
    # The form's new base says where the talk is now (no commands here: all pass on).
    assert saved.draft.fields["state"] == "done"
    assert episode.state is not None and episode.state.slug == "done"
    assert release.release_status(session, episode.id) is None


def test_set_released_goes_through_the_form_s_path_and_no_is_shown(
    session: Session, show: ShowFixture, settings: Settings
) -> None:
    episode = show.episodes[0]
    _held(session, episode)
    status = release.set_released(session, episode.id, False, ED, settings)
    session.commit()
    assert (
        status is not None and status.describe() == "speaker refused release (before make public)"
    )
    assert _last(session, episode).kind == LogKind.RELEASE
    assert release.show_holds(session, episode.show_id)[episode.id] == status
    assert episode.locked_by == ""  # the lock it took to save is given back
    with pytest.raises(PermissionDenied):
        release.set_released(session, episode.id, True, RITA, settings)
    assert release.set_released(session, episode.id, True, ED, settings) is None
    assert episode.state is not None and episode.state.slug == "done"
    assert release.parse_released("Unknown") is None
    with pytest.raises(InvalidInput, match="yes, no or unknown"):
        release.parse_released("maybe")


def test_a_person_cannot_move_a_refused_talk_into_a_public_state(
    session: Session, show: ShowFixture
) -> None:
    episode = show.episodes[0]
    episode.released = False
    with pytest.raises(InvalidInput, match="cannot enter 'make public': speaker refused release"):
        editing.change_state(session, episode, "make public", ED, "mp4")
    # post uploads unlisted: not public, so picking it is no release question.
    editing.change_state(session, episode, "post", ED, "mp4")
    assert episode.state is not None and episode.state.slug == "review 1"
    editing.change_state(session, episode, "edit", ED, "mp4")
    assert episode.state is not None and episode.state.slug == "edit"


def test_only_admins_change_a_show_s_pipeline(session: Session, show: ShowFixture) -> None:
    s = show.show
    with pytest.raises(PermissionDenied):
        pipeline.set_stage(session, s, "post", "pass", ED)
    with pytest.raises(InvalidInput, match="person, pass, command or publish"):
        pipeline.set_stage(session, s, "post", "encode", BOSS)
    with pytest.raises(InvalidInput, match="encode state"):
        pipeline.set_stage(session, s, "encode", "pass", BOSS)
    with pytest.raises(InvalidInput, match="needs its template"):
        pipeline.set_stage(session, s, "post", "command", BOSS)
    with pytest.raises(InvalidInput, match="only a command state"):
        pipeline.set_stage(session, s, "post", "person", BOSS, "true")
    with pytest.raises(Exception, match="outptu"):
        pipeline.set_stage(session, s, "post", "command", BOSS, "rsync {outptu} h:")
    pipeline.set_stage(session, s, "post", "command", BOSS, "upload {output}")
    view = pipeline.show_pipeline(session, s.id)
    post = next(r for r in view.stages if r.state == "post")
    assert (post.kind, post.command, post.public, post.customised) == (
        "command",
        "upload {output}",
        False,  # post uploads unlisted: not public by default (issue 19)
        True,
    )
    edit = next(r for r in view.stages if r.state == "edit")
    assert edit.talks == len(show.episodes) and edit.kind == "person"
    assert [r.state for r in view.stages][:3] == ["borked", "edit", "encode"]


def test_settings_unknown_publishes_and_public_flags_free_held_talks(
    session: Session, show: ShowFixture
) -> None:
    first, second = show.episodes[0], show.episodes[1]
    _held(session, first)
    second.released = False
    _held(session, second)
    with pytest.raises(PermissionDenied):
        pipeline.set_release_rules(session, show.show, ED, default_profile="mp4")
    pipeline.set_release_rules(
        session, show.show, BOSS, default_profile="mp4", unknown_publishes=True
    )
    # Blanket consent frees the unknown one only; No stays No.
    assert first.state is not None and first.state.slug == "done"
    assert second.state is not None and second.state.slug == "review 2"
    pipeline.set_public(session, show.show, "make public", False, BOSS, default_profile="mp4")
    # make public is not public now: it passes on, and stops before tweet, which still is.
    assert second.state.slug == "make public"
    assert release.release_status(session, second.id) == release.ReleaseStatus(
        release.HoldReason.REFUSED, "tweet"
    )
    view = pipeline.show_pipeline(session, show.show.id)
    assert view.unknown_publishes is True
    with pytest.raises(InvalidInput, match="number of days"):
        pipeline.set_release_rules(
            session, show.show, BOSS, default_profile="mp4", review_timeout_days=-1
        )


def test_review_2_approved_by_mail_records_the_mail_s_date(
    session: Session, show: ShowFixture
) -> None:
    episode = show.episodes[0]
    episode.released = True
    walk_into(session, episode, "review 2")
    with pytest.raises(InvalidInput, match="in the future"):
        release.approve_by_mail(session, episode.id, RITA, date.today() + timedelta(days=2), "mp4")
    now_in = release.approve_by_mail(session, episode.id, RITA, date(2026, 11, 28), "mp4")
    assert now_in == "done"  # make public … conf have no command: they pass
    by_mail = session.scalars(
        select(Log).where(Log.episode_id == episode.id, Log.kind == LogKind.BY_MAIL)
    ).one()
    assert by_mail.start == datetime(2026, 11, 28)
    assert by_mail.user == "rita"
    assert by_mail.result == "approved on behalf of the speaker (by mail of 2026-11-28)"
    with pytest.raises(InvalidInput, match="not 'review 2'"):
        release.approve_by_mail(session, episode.id, RITA, date(2026, 11, 28), "mp4")


def test_review_2_times_out_after_the_show_s_days_of_silence(
    session: Session, show: ShowFixture
) -> None:
    quiet, recent, other = show.episodes[0], show.episodes[1], show.episodes[2]
    for episode in (quiet, recent, other):
        episode.released = True
    pipeline.set_release_rules(
        session, show.show, BOSS, default_profile="mp4", review_timeout_days=7
    )
    now = datetime(2026, 12, 1, 12, 0)
    walk_into(session, quiet, "review 2").end = now - timedelta(days=7, minutes=1)
    walk_into(session, recent, "review 2").end = now - timedelta(days=6)
    walk_into(session, other, "review 1").end = now - timedelta(days=30)
    session.flush()
    assert approve_silent_reviews(session, "worker@x", "mp4", now=now) == [quiet.id]
    assert quiet.state is not None and quiet.state.slug == "done"
    assert recent.state is not None and recent.state.slug == "review 2"
    assert other.state is not None and other.state.slug == "review 1"
    timeout = session.scalars(
        select(Log).where(Log.episode_id == quiet.id, Log.kind == LogKind.TIMEOUT)
    ).one()
    assert timeout.result.startswith("review 2 approved itself after 7 days of silence")
    # Ticking again changes nothing; a show without a timeout never times out.
    assert approve_silent_reviews(session, "worker@x", "mp4", now=now) == []
    pipeline.set_release_rules(
        session, show.show, BOSS, default_profile="mp4", review_timeout_days=0
    )
    assert approve_silent_reviews(session, "w", "mp4", now=now + timedelta(days=99)) == []
