"""Review on a real encode: parts and seams, open-before-approve, approve and reject."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.support.encoded import encoded_episode
from veyedesk.jobs.queue import list_jobs
from veyedesk.services.episodes import get_episode, get_state
from veyedesk.services.errors import InvalidInput, PermissionDenied
from veyedesk.services.identity import Identity
from veyedesk.services.pipeline.review import (
    OPENED,
    approve,
    load_review,
    mark_opened,
    reject,
    review_items,
)
from veyedesk.services.pipeline.states import set_stage

REVIEWER = Identity("rita", "reviewer", authenticated=True)
PROFILE = "mp4"


def test_the_encodes_parts_and_seams(session: Session, tmp_path: Path) -> None:
    episode_id, settings = encoded_episode(session, tmp_path)
    package = load_review(session, episode_id, settings)
    assert package.exists and not package.problem
    labels = [p.label for p in package.parts]
    assert labels[0] == "Title" and labels[-1] == "Credits"
    assert labels[1].startswith("Cut 1 (2026-02-01/09_00_00.dv")
    assert package.seams == pytest.approx([1.0, 3.0, 4.48])
    assert package.expected_duration == pytest.approx(5.48)
    assert package.duration_error is not None and abs(package.duration_error) <= 1 / 25 + 1e-6
    assert package.size > 0 and package.encode_log.startswith("encoded small:")
    # Encode time 3.5 s is 0.5 s into cut 2, which starts at 0.52 s in the second file.
    _raw_id, offset = package.part_at(3.5).raw_position(3.5)  # type: ignore[union-attr]
    assert offset == pytest.approx(1.02)
    assert package.part_at(0.5).raw_position(0.5) is None  # type: ignore[union-attr]
    show_id = get_episode(session, episode_id).show_id
    assert [i.episode_id for i in review_items(session, show_id)] == [episode_id]


def test_approval_needs_the_encode_opened_first(session: Session, tmp_path: Path) -> None:
    episode_id, _ = encoded_episode(session, tmp_path)
    # email waits for a person here (a new show passes it): approval lands the talk in it.
    show = get_episode(session, episode_id).show
    set_stage(session, show, "email", "person", Identity("ada", "admin", authenticated=True))
    with pytest.raises(PermissionDenied, match="open the encode"):
        approve(session, episode_id, REVIEWER, PROFILE)
    mark_opened(session, episode_id, REVIEWER)
    assert approve(session, episode_id, REVIEWER, PROFILE) == "email"
    session.commit()
    episode = get_episode(session, episode_id)
    assert episode.state is not None and episode.state.slug == "email"
    assert [log.result for log in episode.logs][-2:] == [
        OPENED,
        "approved; state review 1 -> email",
    ]
    with pytest.raises(InvalidInput, match="not waiting for review"):
        approve(session, episode_id, REVIEWER, PROFILE)


def test_reject_needs_a_comment_and_sends_back_to_edit(session: Session, tmp_path: Path) -> None:
    episode_id, _ = encoded_episode(session, tmp_path)
    with pytest.raises(InvalidInput, match="needs a comment"):
        reject(session, episode_id, REVIEWER, "   ", PROFILE)
    reject(session, episode_id, REVIEWER, "Cut 2 starts mid-sentence; start 2 s earlier", PROFILE)
    session.commit()
    episode = get_episode(session, episode_id)
    assert episode.state is not None and episode.state.slug == "edit"
    assert episode.logs[-1].result == (
        "rejected: Cut 2 starts mid-sentence; start 2 s earlier; state review 1 -> edit"
    )
    assert "review 1 rejected by rita" in episode.comment
    assert episode.comment.endswith("Cut 2 starts mid-sentence; start 2 s earlier")


def test_an_editor_may_review_but_not_without_the_role(session: Session, tmp_path: Path) -> None:
    episode_id, settings = encoded_episode(session, tmp_path)
    with pytest.raises(PermissionDenied):
        mark_opened(session, episode_id, Identity("x", "nobody"))
    load_review(session, episode_id, settings)
    missing = load_review(session, episode_id, settings, profile="webm")
    assert not missing.exists and "encode the episode first" in missing.problem


def test_approval_queues_the_next_states_command(session: Session, tmp_path: Path) -> None:
    """Approve is a state change like any other: entering a command state queues its job."""
    episode_id, _ = encoded_episode(session, tmp_path)
    get_state(session, "email").command = "true {emails}"
    mark_opened(session, episode_id, REVIEWER)
    assert approve(session, episode_id, REVIEWER, PROFILE) == "email"
    session.commit()
    jobs = [(j.kind, j.profile, j.status) for j in list_jobs(session)]
    assert ("command", "email", "queued") in jobs


def test_a_reviewer_cannot_approve_a_talk_out_of_edit(session: Session, tmp_path: Path) -> None:
    episode_id, _ = encoded_episode(session, tmp_path)
    reject(session, episode_id, REVIEWER, "redo", PROFILE)
    with pytest.raises(InvalidInput, match="not waiting for review"):
        approve(session, episode_id, REVIEWER, PROFILE)
