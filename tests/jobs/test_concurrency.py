"""Must-show: 4 real worker processes drain 40 encodes; each runs exactly once.

Runs on SQLite (one file, BEGIN IMMEDIATE claims) and on PostgreSQL (SKIP LOCKED claims).
The ffmpeg on the workers' PATH appends one line per run, so duplicates would show.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.jobs.conftest import Rig, add_talks
from veyedesk.model import EncodeJob, Episode, Log

WORKERS = 4
JOBS = 40


def test_four_workers_drain_forty_jobs_exactly_once(rig: Rig, session: Session, raw_clip) -> None:
    add_talks(session, rig, raw_clip, JOBS, rooms=4)
    logs = [rig.root / f"worker{i}.log" for i in range(WORKERS)]
    workers = [rig.spawn_worker("--once", "--poll-seconds", "0.2", log=log) for log in logs]
    codes = [w.wait(timeout=600) for w in workers]
    texts = [log.read_text(encoding="utf-8") for log in logs]
    assert codes == [0] * WORKERS, texts

    session.expire_all()
    statuses = Counter(session.scalars(select(EncodeJob.status)))
    assert statuses == {"done": JOBS}  # none lost, none stuck, none failed
    assert session.scalar(select(func.sum(EncodeJob.attempts))) == 0
    # Exactly one ffmpeg encode per talk, and one done Log per talk.
    slugs = set(session.scalars(select(Episode.slug)))
    out = rig.output_root / "conf" / "conf_2026" / "tiny"
    runs = Counter(rig.encode_runs())
    assert sorted(runs.values()) == [1] * JOBS  # every attempt had its own .part
    outputs = Counter(rig.encoded_outputs())
    assert outputs == Counter({str(out / f"{slug}.mp4"): 1 for slug in slugs})
    done_logs = Counter(
        session.scalars(select(Log.episode_id).where(Log.result.like("encode tiny done%")))
    )
    assert sorted(done_logs.values()) == [1] * JOBS
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{slug}.mp4" for slug in slugs)
    # The work really was shared: every worker claimed some, together exactly 40.
    claimed = [text.count("event=claimed") for text in texts]
    assert sum(claimed) == JOBS and all(claimed), claimed
    assert sum(text.count("event=done") for text in texts) == JOBS
