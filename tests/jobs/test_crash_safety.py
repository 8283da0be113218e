"""Must-show: workers killed mid-encode 20 times; every job ends done exactly once.

Real `veyedesk worker` processes encode real clips (tiny profile) with real ffmpeg. Each
round starts a worker, waits until its ffmpeg is encoding, and SIGKILLs the worker's whole
process group (the machine dying: worker and ffmpeg together). The lease is 2 s so the
killed job comes back to the queue quickly with attempts+1.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.jobs.conftest import Rig, add_talks, attempt_of
from tests.support.waiting import wait_for
from veyedesk.media.probe import probe
from veyedesk.model import EncodeJob, Episode, Log

KILLS = 20


def ffmpegs_in_group(pgid: int) -> list[int]:
    """Live (not zombie) ffmpeg processes in process group `pgid`, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            program = (entry / "cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue  # gone meanwhile
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X") and program.endswith(b"ffmpeg"):
            found.append(int(entry.name))
    return found


TALKS = 6
LEASE = "2"


def test_twenty_sigkills_mid_encode_leave_every_job_done_exactly_once(
    rig: Rig, session: Session, raw_clip
) -> None:
    job_ids = add_talks(session, rig, raw_clip, TALKS, max_attempts=KILLS + 5)
    chance = random.Random(7)
    logs = rig.root / "workers.log"
    killed_mid_encode = rounds = 0
    for _round in range(KILLS * 3):  # a round whose encode ended before the kill is redone
        if killed_mid_encode == KILLS:
            break
        started = len(rig.encode_runs())
        rounds += 1
        worker = rig.spawn_worker("--lease-seconds", LEASE, "--poll-seconds", "0.2", log=logs)
        # Kill once its ffmpeg is running: right away, or a little into the encode.
        wait_for("the worker's ffmpeg to start", lambda n=started: len(rig.encode_runs()) > n)
        time.sleep(chance.uniform(0.0, 0.3))  # a random moment into the encode, by design
        encoding = ffmpegs_in_group(worker.pid)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        # Counted only when the kill landed while an ffmpeg of this worker was encoding,
        # and that ffmpeg died with it.
        if encoding:
            wait_for(
                "the killed worker's ffmpeg to be gone",
                lambda pid=worker.pid: not ffmpegs_in_group(pid),
            )
            killed_mid_encode += 1
    assert killed_mid_encode == KILLS

    # A healthy worker finishes the rest, including the jobs whose leases expired.
    final = rig.spawn_worker("--lease-seconds", LEASE, "--poll-seconds", "0.2", log=logs)
    try:

        def all_done() -> bool:
            session.expire_all()
            statuses = session.scalars(select(EncodeJob.status)).all()
            return all(s == "done" for s in statuses)

        wait_for("every job to be done", all_done, timeout=240)
    finally:
        final.send_signal(signal.SIGTERM)
        assert final.wait(30) == 0

    jobs = session.scalars(select(EncodeJob).order_by(EncodeJob.id)).all()
    assert [j.id for j in jobs] == job_ids  # none lost, none duplicated
    assert sum(j.attempts for j in jobs) >= 1  # leases really expired and were counted
    for job in jobs:
        episode = session.get(Episode, job.episode_id)
        assert episode is not None and episode.state is not None
        assert episode.state.slug == "review 1"  # walked on past post (not public)
        done_logs = session.scalars(
            select(Log).where(Log.episode_id == episode.id, Log.result.like("encode tiny done%"))
        ).all()
        assert len(done_logs) == 1, [log.result for log in done_logs]
        # The published file is whole: it probes with the planned size and length.
        info = probe(rig.output_root / "conf" / "conf_2026" / "tiny" / f"{episode.slug}.mp4")
        assert info.video is not None and (info.video.width, info.video.height) == (160, 90)
        assert info.duration is not None and abs(info.duration - 1.5) < 0.1
    assert rig.part_files() == []
    assert not list(rig.output_root.rglob(".*.work"))
    # Every killed run was restarted; no talk was encoded to completion twice.
    runs = Counter(rig.encoded_outputs())
    assert set(runs) == {
        str(rig.output_root / "conf" / "conf_2026" / "tiny" / f"{s}.mp4")
        for s in session.scalars(select(Episode.slug))
    }
    # One ffmpeg started per round (a round whose kill missed the encode starts one too),
    # plus one finishing run per talk: no more.
    assert sum(runs.values()) <= TALKS + rounds
    # Each attempt wrote its own .part (job id + attempt number in the name).
    attempts = Counter(attempt_of(part) for part in rig.encode_runs())
    assert max(attempts.values()) == 1, attempts
    worker_log = logs.read_text(encoding="utf-8")
    assert worker_log.count("event=done") == TALKS
    assert "event=lease-expired" in worker_log
