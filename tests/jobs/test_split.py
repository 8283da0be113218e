"""A split encode's rules on SQLite and PostgreSQL: it waits while its pieces are live, a
piece never moves the talk, a piece failed for good fails the encode, and retry redoes it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture, set_state
from veyedesk.jobs import claims, queue
from veyedesk.model import EncodeJob
from veyedesk.model.kinds import JobKind, JobStatus

USER = "tester@here"
PIECES = ((JobKind.CHUNK, 0), (JobKind.CHUNK, 1), (JobKind.AUDIO, 0))


def _split(session: Session, show: ShowFixture) -> EncodeJob:
    episode = show.episodes[0]
    set_state(session, episode, "encode", USER)
    job = queue.enqueue(session, episode, "mp4", max_attempts=1)
    assert claims.claim(session, "w:1/0") is job
    claims.split(session, job.id, "w:1/0", PIECES, user=USER)
    session.commit()
    return job


def test_the_encode_waits_for_its_pieces_which_never_move_the_talk(
    session: Session, show: ShowFixture
) -> None:
    parent = _split(session, show)
    assert parent.status == JobStatus.QUEUED and parent.attempts == 0
    taken = []
    while (job := claims.claim(session, f"w:{len(taken)}/0")) is not None:
        assert job.id != parent.id  # not while a piece is live
        taken.append(job)
    assert sorted((j.kind, j.chunk_index) for j in taken) == sorted(PIECES)
    for job in taken:
        claims.complete(session, job.id, job.worker_id, user=USER)
        assert show.episodes[0].state is not None
        assert show.episodes[0].state.slug == "encode"  # a piece moves nothing
    session.commit()
    assert claims.claim(session, "w:9/0") is parent  # every piece done: join
    claims.complete(session, parent.id, "w:9/0", user=USER)
    assert show.episodes[0].state is not None and show.episodes[0].state.slug != "encode"


def test_a_piece_failed_for_good_fails_the_encode_and_retry_redoes_it(
    session: Session, show: ShowFixture
) -> None:
    parent = _split(session, show)
    piece = claims.claim(session, "w:1/0")
    assert piece is not None
    claims.fail(session, piece.id, "w:1/0", "ffmpeg died", user=USER)
    session.commit()
    assert piece.status == JobStatus.FAILED
    assert parent.status == JobStatus.FAILED and "ffmpeg died" in parent.error
    assert show.episodes[0].state is not None and show.episodes[0].state.slug == "borked"

    claims.retry(session, parent.id, user=USER)
    # The other pieces are still made meanwhile; then the encode runs again, and its
    # handler finds the failed piece missing.
    while (job := claims.claim(session, "w:2/0")) is not parent:
        assert job is not None and job.parent_id == parent.id
        claims.complete(session, job.id, "w:2/0", user=USER)
    claims.split(session, parent.id, "w:2/0", [(piece.kind, piece.chunk_index or 0)], user=USER)
    session.commit()
    assert piece.status == JobStatus.QUEUED and piece.attempts == 0
    subs = session.scalars(select(EncodeJob).where(EncodeJob.parent_id == parent.id)).all()
    assert len(subs) == len(PIECES)  # queued again, never duplicated
