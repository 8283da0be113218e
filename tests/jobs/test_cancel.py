"""Must-show: a cancelled encode stops its ffmpeg within 5 s and leaves nothing behind.

Also: SIGTERM makes a worker give its running job back (no attempt counted) and exit 0.
The encode uses a deliberately slow profile (x264 medium, one thread, 720p) on a 20 s clip,
so it is certainly still running when the test acts; without lookahead, so ffmpeg has few
buffered frames to flush when it is told to stop (as with the real veryfast profiles).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.jobs.conftest import Rig, add_talks
from tests.support.media import make_clip
from tests.support.waiting import wait_for
from veyedesk.model import EncodeJob, Log

SLOW_PROFILE = """
[profiles.slow]
ext = "mp4"
width = 1280
height = 720
fps = 25.0
vcodec = "libx264"
acodec = "aac"
video_options = ["-preset", "medium", "-threads", "1", "-x264-params",
                 "rc-lookahead=0:sync-lookahead=0", "-pix_fmt", "yuv420p"]
"""
CANCEL_LIMIT_SECONDS = 5.0


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("long") / "long.mp4", "mp4", 20.0)


def _alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):  # gone before, or while, it was read
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _running_encode(rig: Rig, session: Session, job_id: int) -> int:
    """Wait until the job runs and ffmpeg has reported progress; ffmpeg's pid."""

    def progressing() -> bool:
        session.expire_all()
        job = session.get(EncodeJob, job_id)
        return job is not None and job.status == "running" and job.progress > 0

    wait_for("the encode to report progress", progressing, timeout=120)
    lines = rig.runs.read_text(encoding="utf-8").splitlines()
    # The wrapper `exec`s ffmpeg, so the pid it wrote is ffmpeg's own.
    pid = int(next(line for line in reversed(lines) if line.endswith(".part")).split()[0])
    assert _alive(pid)
    return pid


def _leftovers(rig: Rig) -> list[Path]:
    return [p for p in rig.output_root.rglob("*") if p.is_file()] + list(
        rig.output_root.rglob(".*.work")
    )


def test_cancel_stops_ffmpeg_within_five_seconds_and_leaves_nothing(
    rig: Rig, session: Session, long_clip: Path
) -> None:
    with rig.config.open("a", encoding="utf-8") as f:
        f.write(SLOW_PROFILE)
    (job_id,) = add_talks(session, rig, long_clip, 1, profile="slow", seconds=20.0)
    log = rig.root / "worker.log"
    worker = rig.spawn_worker("--lease-seconds", "4", "--poll-seconds", "0.2", log=log)
    try:
        pid = _running_encode(rig, session, job_id)
        result = rig.run("queue", "cancel", str(job_id))
        # Timed from when the cancel is in the database (the command has returned), not
        # from when Python started the command: the GUI's cancel button has no start-up.
        asked = time.monotonic()
        assert result.returncode == 0, result.stderr
        assert "stops within seconds" in result.stdout
        wait_for("ffmpeg to stop", lambda: not _alive(pid), timeout=30)
        stopped_after = time.monotonic() - asked
        assert stopped_after < CANCEL_LIMIT_SECONDS, f"ffmpeg ran {stopped_after:.1f} s on"

        def cancelled() -> bool:
            session.expire_all()
            job = session.get(EncodeJob, job_id)
            return job is not None and job.status == "cancelled"

        wait_for("the job to be marked cancelled", cancelled)
        assert _leftovers(rig) == []
        assert worker.poll() is None  # the worker carries on, ready for the next job
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
    text = log.read_text(encoding="utf-8")
    assert "event=cancel-requested" in text and "event=cancelled" in text
    logs = session.scalars(select(Log.result).where(Log.result.like("%cancelled%"))).all()
    assert logs == ["encode slow cancelled"]
    listed = rig.run("queue", "list", "--json")
    assert '"status": "cancelled"' in listed.stdout


def test_sigterm_releases_the_running_job_without_counting_an_attempt(
    rig: Rig, session: Session, long_clip: Path
) -> None:
    with rig.config.open("a", encoding="utf-8") as f:
        f.write(SLOW_PROFILE)
    (job_id,) = add_talks(session, rig, long_clip, 1, profile="slow", seconds=20.0)
    log = rig.root / "worker.log"
    worker = rig.spawn_worker("--lease-seconds", "4", "--poll-seconds", "0.2", log=log)
    pid = _running_encode(rig, session, job_id)
    os.kill(worker.pid, signal.SIGTERM)
    assert worker.wait(30) == 0
    assert not _alive(pid)
    session.expire_all()
    job = session.get(EncodeJob, job_id)
    assert job is not None
    assert (job.status, job.attempts, job.worker_id, job.progress) == ("queued", 0, "", 0.0)
    assert _leftovers(rig) == []
    text = log.read_text(encoding="utf-8")
    assert "event=stopping" in text and "signal=SIGTERM" in text and "event=released" in text
    assert "event=stopped" in text
