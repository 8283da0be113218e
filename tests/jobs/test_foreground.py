"""`veyedesk encode` in the foreground is a job like a worker's: a talk is encoded once.

It takes the talk's queued job (or queues one), holds its lease, and finishes it the way
a worker does, so the state advances and no worker encodes the talk again; two foreground
encodes of one talk, or one beside a worker, never both encode it. The encodes that must
overlap run no faster than real time (Rig.realtime_path), so the second one certainly
starts while the first is encoding.
"""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.jobs.conftest import Rig, add_talks
from tests.support.media import make_clip
from tests.support.waiting import wait_for
from veyedesk.model import EncodeJob, Episode, Log
from veyedesk.model.kinds import JobStatus, LogKind

TALK_SECONDS = 8.0
SHOW = ("--client", "conf", "--show", "conf_2026")


@pytest.fixture(scope="module")
def talk_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("fg") / "talk.dv", "dv", TALK_SECONDS + 1)


def _published(rig: Rig) -> list[str]:
    folder = rig.output_root / "conf" / "conf_2026" / "tiny"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _encoded_logs(session: Session, episode_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Log.id)).where(
                Log.episode_id == episode_id, Log.kind == LogKind.ENCODED
            )
        )
        or 0
    )


def test_a_foreground_encode_finishes_the_queued_job_and_advances_the_talk(
    rig: Rig, session: Session, raw_clip: Path
) -> None:
    (job_id,) = add_talks(session, rig, raw_clip, 1)
    result = rig.run("encode", *SHOW)
    assert result.returncode == 0, result.stderr
    session.expire_all()
    jobs = session.scalars(select(EncodeJob)).all()
    assert [(j.id, j.status, j.attempts) for j in jobs] == [(job_id, JobStatus.DONE, 0)]
    episode = session.get(Episode, jobs[0].episode_id)
    assert episode is not None and episode.state is not None
    assert episode.state.slug == "review 1"  # moved on as a worker's encode would
    assert f"episode {episode.id} ({episode.slug}): encoded tiny:" in result.stdout
    # A worker finds nothing left to do: the talk is not encoded a second time.
    worker = rig.run("worker", "--once", "--poll-seconds", "0.1")
    assert worker.returncode == 0, worker.stderr
    assert "event=claimed" not in worker.stderr
    assert len(rig.encode_runs()) == 1
    assert _encoded_logs(session, episode.id) == 1


def test_a_forced_encode_of_a_talk_without_a_job_queues_one_and_completes_it(
    rig: Rig, session: Session, raw_clip: Path
) -> None:
    (job_id,) = add_talks(session, rig, raw_clip, 1)
    episode_id = session.get(EncodeJob, job_id).episode_id  # type: ignore[union-attr]
    assert rig.run("encode", *SHOW).returncode == 0  # done; the talk is in review 1 now
    again = rig.run("encode", *SHOW, "--force", str(episode_id))
    assert again.returncode == 0, again.stderr
    session.expire_all()
    statuses = [j.status for j in session.scalars(select(EncodeJob).order_by(EncodeJob.id))]
    assert statuses == [JobStatus.DONE, JobStatus.DONE]  # a second job, recorded like the first
    episode = session.get(Episode, episode_id)
    assert episode is not None and episode.state is not None
    assert episode.state.slug == "review 1"  # a re-encode does not move the talk
    assert _encoded_logs(session, episode_id) == 2


@pytest.mark.parametrize("first", ["encode", "worker"])
def test_a_second_encode_of_a_talk_being_encoded_is_refused(
    rig: Rig, session: Session, talk_clip: Path, first: str
) -> None:
    (job_id,) = add_talks(session, rig, talk_clip, 1, seconds=TALK_SECONDS)
    episode_id = session.get(EncodeJob, job_id).episode_id  # type: ignore[union-attr]
    slow = {"PATH": rig.realtime_path()}
    log = rig.root / "first.log"
    if first == "encode":
        running = rig.spawn("encode", *SHOW, "--force", str(episode_id), log=log, env=slow)
    else:
        running = rig.spawn_worker("--once", "--poll-seconds", "0.2", log=log, env=slow)
    try:
        wait_for("the first encode's ffmpeg to start", rig.encode_runs, timeout=60)
        second = rig.run("encode", *SHOW, "--force", str(episode_id))
        assert running.wait(120) == 0, log.read_text(encoding="utf-8")
    finally:
        if running.poll() is None:
            running.send_signal(signal.SIGTERM)
            running.wait(30)
    assert second.returncode == 1
    assert f"is being encoded with tiny by {socket.gethostname()}:" in second.stderr, second.stderr
    assert f"veyedesk queue cancel {job_id}" in second.stderr
    session.expire_all()
    jobs = session.scalars(select(EncodeJob)).all()
    assert [(j.id, j.status, j.attempts) for j in jobs] == [(job_id, JobStatus.DONE, 0)]
    assert len(rig.encode_runs()) == 1  # one ffmpeg encode, nothing collided
    episode = session.get(Episode, episode_id)
    assert episode is not None
    assert _published(rig) == [f"{episode.slug}.mp4"]
    assert _encoded_logs(session, episode_id) == 1


def test_encode_refuses_a_talk_held_by_an_editor_or_a_venue_copy_and_force_is_logged(
    rig: Rig, session: Session, raw_clip: Path
) -> None:
    """Issue 19: a talk checked out to a laptop, or open in another editor, was encoded."""
    from veyedesk.services.editing.locks import take_lock, take_venue_locks, venue_holder
    from veyedesk.services.identity import Identity

    checked_out, open_elsewhere = (
        session.get(EncodeJob, j).episode_id  # type: ignore[union-attr]
        for j in add_talks(session, rig, raw_clip, 2)
    )
    holder = venue_holder("laptop-a", "alice", "0123456789abcdef")
    assert take_venue_locks(session, [checked_out], holder) == [checked_out]
    take_lock(session, open_elsewhere, Identity("ed@laptop", "editor"), 120)
    session.commit()

    refused = rig.run("encode", *SHOW)
    assert refused.returncode == 1
    assert "checked out to laptop laptop-a (alice)" in refused.stderr
    assert "locked by ed@laptop" in refused.stderr
    assert "--force" in refused.stderr
    assert rig.encode_runs() == []  # nothing was encoded
    session.expire_all()
    for episode_id in (checked_out, open_elsewhere):
        episode = session.get(Episode, episode_id)
        assert episode is not None and episode.state is not None
        assert episode.state.slug == "encode"

    forced = rig.run("encode", *SHOW, str(checked_out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "encoding past the lock: checked out to laptop laptop-a (alice)" in forced.stdout
    session.expire_all()
    episode = session.get(Episode, checked_out)
    assert episode is not None and episode.state is not None
    assert episode.state.slug != "encode"  # encoded and moved on
    log = session.scalars(
        select(Log).where(Log.episode_id == checked_out, Log.kind == LogKind.LOCK)
    ).one()
    assert log.user == "encoder@rig"
    assert log.result.startswith(f"encoder@rig forced past the lock of {holder} to encode it")
