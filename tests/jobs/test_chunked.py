"""A long talk on many workers: its encode splits into chunk and audio sub-jobs, a worker
killed mid-chunk costs only that chunk, and the joined file is published once.

Real `veyedesk worker` processes, real ffmpeg, a 6-second talk with a chunk length of
1.8 s (4 chunks). The first worker encodes at real-time speed (`-re`), so it is surely
in the middle of its third chunk when it is killed (with its ffmpeg: the process group).
"""

from __future__ import annotations

import os
import re
import signal
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.jobs.conftest import Rig, add_talks, final_name
from tests.support.media import make_clip
from tests.support.waiting import wait_for
from veyedesk.media.probe import probe
from veyedesk.model import EncodeJob, Episode
from veyedesk.model.kinds import JobKind, JobStatus

pytestmark = pytest.mark.media
LEASE = "2"
CHUNK = re.compile(r"/video(\d{4})\.[0-9a-f]{12}\.mp4$")


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("raw") / "long.dv", "dv", 6.5)


def chunk_runs(rig: Rig) -> Counter[int]:
    """How many ffmpeg runs made each video chunk (killed ones included)."""
    found = (CHUNK.search(final_name(part)) for part in rig.encode_runs())
    return Counter(int(m.group(1)) for m in found if m)


def test_a_worker_killed_mid_chunk_redoes_only_that_chunk(
    rig: Rig, session: Session, long_clip: Path
) -> None:
    # Split past 3.6 s into 1.8-second chunks (a top-level key: before [profiles]).
    text = rig.config.read_text(encoding="utf-8")
    rig.config.write_text("chunk_minutes = 0.06\n" + text, encoding="utf-8")
    [parent_id] = add_talks(session, rig, long_clip, 1, seconds=6.0)
    logs = rig.root / "workers.log"
    args = ("--lease-seconds", LEASE, "--poll-seconds", "0.2")
    slow = rig.spawn_worker(*args, log=logs, env={"PATH": rig.realtime_path()})
    try:
        wait_for("the third chunk to start", lambda: len(chunk_runs(rig)) >= 3, timeout=120)
        folder = next(rig.output_root.rglob(".*.chunks"))
        kept = sorted(p.name for p in folder.glob("video*.mp4"))
    finally:
        os.killpg(slow.pid, signal.SIGKILL)
        slow.wait()
    killed = max(chunk_runs(rig))
    assert len(kept) == killed  # the chunks before the killed one were published

    healthy = rig.spawn_worker(*args, log=logs)
    try:

        def joined() -> bool:
            session.expire_all()
            parent = session.get(EncodeJob, parent_id)
            return parent is not None and parent.status == JobStatus.DONE

        wait_for("the talk's encode to be joined and done", joined, timeout=240)
    finally:
        healthy.send_signal(signal.SIGTERM)
        assert healthy.wait(30) == 0

    runs = chunk_runs(rig)
    assert sorted(runs) == [0, 1, 2, 3]
    assert runs[killed] == 2  # made again after the kill
    assert all(n == 1 for i, n in runs.items() if i != killed)  # the others were kept
    subs = session.scalars(select(EncodeJob).where(EncodeJob.parent_id == parent_id)).all()
    assert sorted((j.kind, j.chunk_index) for j in subs) == [
        (JobKind.AUDIO, 0),
        *((JobKind.CHUNK, i) for i in range(4)),
    ]
    assert all(j.status == JobStatus.DONE for j in subs)
    redone = next(j for j in subs if j.chunk_index == killed and j.kind == JobKind.CHUNK)
    assert redone.attempts == 1  # its lease ran out with the killed worker: counted once
    parent = session.get(EncodeJob, parent_id)
    assert parent is not None and parent.attempts == 0  # splitting and joining count none
    episode = session.get(Episode, parent.episode_id)
    assert episode is not None and episode.state is not None
    assert episode.state.slug == "review 1"
    info = probe(rig.output_root / "conf" / "conf_2026" / "tiny" / f"{episode.slug}.mp4")
    assert info.duration is not None and abs(info.duration - 6.0) < 0.05
    assert rig.part_files() == []
    assert not list(rig.output_root.rglob(".*.chunks"))  # pieces removed once published
