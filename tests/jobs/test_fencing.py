"""Must-show: a worker cut off from PostgreSQL past its lease stops, and publishes nothing.

Worker A reaches the database through a loopback TCP proxy (tests/support/tcp_proxy.py);
worker B connects directly. A starts encoding a talk (its ffmpeg runs no faster than real
time, so the encode is certainly still running), then the proxy is paused for longer
than the lease: A cannot renew it. A must stop its ffmpeg before the lease runs out, B
takes the job over once it has, encodes it in its own attempt's files and publishes it;
when the network comes back, A finds the job is B's and records nothing. Exactly one
published file, nothing deleted, the lost lease counted as one attempt.

`FENCING_REPORT=FILE` appends one JSON line of figures per run (published
files, duplicate encodes, lost outputs), written before the assertions, for
tests/support/fencing_rounds.py, which runs this test 20 times.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.jobs.conftest import Rig, add_talks, attempt_of, final_name
from tests.support.media import make_clip
from tests.support.postgres import PostgresServer
from tests.support.tcp_proxy import pausable_proxy
from tests.support.waiting import wait_for
from veyedesk.media.probe import MediaError, probe
from veyedesk.model import EncodeJob, Episode, Log
from veyedesk.model.kinds import JobStatus, LogKind

pytestmark = pytest.mark.postgres

LEASE = 3.0
TALK_SECONDS = 16.0  # A's realtime encode would take this long unless it is stopped


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("fencing") / "long.dv", "dv", TALK_SECONDS + 1)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):  # gone before, or while, it was read
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _whole(path: Path) -> bool:
    try:
        info = probe(path)
    except MediaError:
        return False
    return info.duration is not None and abs(info.duration - TALK_SECONDS) < 0.2


def _report(figures: dict[str, int]) -> None:
    target = os.environ.get("FENCING_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(figures) + "\n")


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_worker_cut_off_past_its_lease_stops_and_only_the_new_holder_publishes(
    rig: Rig, session: Session, long_clip: Path, pg_server: PostgresServer
) -> None:
    (job_id,) = add_talks(session, rig, long_clip, 1, seconds=TALK_SECONDS)
    database = make_url(rig.db_url).database
    socket_path = pg_server.socket_dir / f".s.PGSQL.{pg_server.port}"
    log_a, log_b = rig.root / "worker-a.log", rig.root / "worker-b.log"
    lease = ("--lease-seconds", str(LEASE), "--poll-seconds", "0.2")
    with pausable_proxy(socket_path) as proxy:
        via_proxy = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{database}"
        a = rig.spawn_worker(
            *lease, log=log_a, env={"VEYEDESK_DB": via_proxy, "PATH": rig.realtime_path()}
        )
        b = None
        try:
            wait_for("worker A's ffmpeg to start", lambda: rig.encode_runs(), timeout=60)
            (a_run,) = rig.runs.read_text(encoding="utf-8").splitlines()
            a_ffmpeg = int(a_run.split()[0])
            proxy.pause()  # A is cut off mid-encode
            b = rig.spawn_worker(*lease, log=log_b)
            # A stops its own ffmpeg, long before that encode could have ended by itself.
            wait_for(
                "worker A to stop its ffmpeg",
                lambda: not _alive(a_ffmpeg),
                timeout=TALK_SECONDS - 4,
            )
            assert proxy.paused
            assert "event=lease-unrenewed" in log_a.read_text(encoding="utf-8")

            def done() -> bool:
                session.expire_all()
                job = session.get(EncodeJob, job_id)
                return job is not None and job.status == JobStatus.DONE

            wait_for("worker B to finish the job", done, timeout=120)
            proxy.resume()  # A comes back and must find the job is B's
            wait_for(
                "worker A to give the job up",
                lambda: (
                    "event=lease-lost" in log_a.read_text(encoding="utf-8")
                    or "during=finish" in log_a.read_text(encoding="utf-8")
                ),
                timeout=60,
            )
        finally:
            proxy.resume()
            for worker in (a, b):
                if worker is not None:
                    worker.send_signal(signal.SIGTERM)
            codes = [w.wait(30) for w in (a, b) if w is not None]

    session.expire_all()
    job = session.get(EncodeJob, job_id)
    assert job is not None
    episode = session.get(Episode, job.episode_id)
    assert episode is not None
    folder = rig.output_root / "conf" / "conf_2026" / "tiny"
    final = folder / f"{episode.slug}.mp4"
    published = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    encoded_logs = session.scalar(
        select(func.count(Log.id)).where(Log.episode_id == episode.id, Log.kind == LogKind.ENCODED)
    )
    runs = rig.encode_runs()
    _report(
        {
            "published_files": sum(1 for name in published if name.endswith(".mp4")),
            "duplicates": max(0, (encoded_logs or 0) - 1),
            "lost_outputs": 0 if final.is_file() and _whole(final) else 1,
            "attempts": job.attempts,
            "encode_runs": len(runs),
        }
    )
    assert codes == [0, 0], (log_a.read_text(), log_b.read_text())
    # Exactly one published file, whole, and nothing else left in the folder.
    assert published == [final.name]
    assert _whole(final)
    info = probe(final)
    assert info.video is not None and (info.video.width, info.video.height) == (160, 90)
    # B did it, once; the lost lease was counted once; A recorded nothing.
    assert job.status == JobStatus.DONE and f":{b.pid}/" in job.worker_id
    assert job.attempts == 1
    assert encoded_logs == 1
    assert episode.state is not None and episode.state.slug == "review 1"
    text_a, text_b = log_a.read_text(encoding="utf-8"), log_b.read_text(encoding="utf-8")
    assert "event=done" not in text_a
    assert text_b.count("event=done") == 1
    # Two attempts, each in its own .part, both for the one final file.
    assert sorted(attempt_of(run) for run in runs) == [(job_id, 1), (job_id, 2)]
    assert {final_name(run) for run in runs} == {str(final)}
