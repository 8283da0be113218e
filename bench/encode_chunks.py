"""One long talk on many workers: wall time of a chunked encode on 1 and 2 pinned workers.

Run: `.venv/bin/python bench/encode_chunks.py [--minutes 30] [--size 640x360]`. It
generates a talk of `--minutes` (test pattern + tone, H.264/AAC at `--size`; the encode
profile has the same size), then, in the same run:

- **single ffmpeg pass**: the talk's one-pass encode (the exact command `veyedesk encode
  --dry-run` prints), plain ffmpeg pinned to one core (`taskset -c 0`): the bare tool;
- **1 worker**: one `veyedesk worker` pinned to core 0, the talk split into
  `chunk_minutes` chunks (default 20: two chunks) plus its audio, joined by stream copy;
- **2 workers**: two `veyedesk worker` processes, pinned to cores 0 and 1.

A worker run is timed from the workers' start to the talk's encode job being done (split,
pieces, join, verification, publish). The target is 2 workers / 1 worker <= 0.6. The
audio is encoded once, by one worker, while the others make the chunks: at 426x240 its
AAC encode is almost half the video's work (x264 veryfast), which alone caps the gain
there; at the real profiles' 720p the video is many times the audio.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

VEYEDESK = shutil.which("veyedesk", path=str(Path(sys.executable).parent)) or "veyedesk"


def config_text(raw: Path, out: Path, size: str, chunk_minutes: float) -> str:
    w, h = size.split("x")
    return f"""raw_root = "{raw}"
output_root = "{out}"
title_seconds = 0
credits_seconds = 0
chunk_minutes = {chunk_minutes}
default_profile = "bench"

[profiles.bench]
ext = "mp4"
width = {w}
height = {h}
fps = 25.0
vcodec = "libx264"
acodec = "aac"
video_options = ["-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
audio_options = ["-b:a", "128k", "-ar", "48000"]
muxer_options = ["-movflags", "+faststart"]
"""


def make_talk(path: Path, minutes: float, size: str) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         "-t", str(minutes * 60), "-c:v", "libx264", "-preset", "ultrafast", "-g", "250",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ac", "2", str(path)],
        check=True,
    )  # fmt: skip


def populate(db: str, raw_root: Path, clip: Path, minutes: float) -> None:
    from veyedesk.db import make_engine, session_factory
    from veyedesk.db.migrate import upgrade
    from veyedesk.jobs.state_moves import move
    from veyedesk.media.probe import probe
    from veyedesk.model import Cut, RawFile
    from veyedesk.services import catalog
    from veyedesk.services.episodes import add_episode, get_state

    engine = make_engine(db)
    upgrade(engine)
    start = datetime(2026, 3, 1, 10, 0)
    with session_factory(engine)() as session, session.begin():
        catalog.add_client(session, "conf", "Conf")
        show = catalog.add_show(session, "conf", "conf_2026", "Conf 2026")
        room = catalog.add_room(session, show, "room1")
        filename = f"{start:%Y-%m-%d}/{start:%H_%M_%S}.mp4"
        target = raw_root / "conf" / "conf_2026" / "dv" / "room1" / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(clip)
        info = probe(clip)
        raw = RawFile(
            show=show,
            location=room,
            filename=filename,
            start=start,
            duration=info.duration,
            filesize=clip.stat().st_size,
        )
        session.add(raw)
        episode = add_episode(session, show, "A long talk", room=room, start=start)
        episode.cuts.append(Cut(raw_file=raw, sequence=1, start=0.0, end=minutes * 60))
        session.flush()
        move(session, episode, get_state(session, "encode"), "bench", "")
    engine.dispose()


def queue_encode(env: dict[str, str], db: str) -> int:
    from sqlalchemy import delete, select

    from veyedesk.db import make_engine, session_factory
    from veyedesk.jobs import queue
    from veyedesk.model import EncodeJob, Episode

    engine = make_engine(db)
    with session_factory(engine)() as session, session.begin():
        session.execute(delete(EncodeJob))
        episode = session.scalars(select(Episode)).one()
        job_id = queue.enqueue(session, episode, "bench").id
    engine.dispose()
    return job_id


def job_done(db: str, job_id: int) -> str:
    from veyedesk.db import make_engine, session_factory
    from veyedesk.model import EncodeJob

    engine = make_engine(db)
    with session_factory(engine)() as session:
        job = session.get(EncodeJob, job_id)
        status = job.status if job is not None else "gone"
    engine.dispose()
    return status


def run_workers(env: dict[str, str], db: str, cores: list[int], log: Path) -> float:
    job_id = queue_encode(env, db)
    began = time.perf_counter()
    procs = []
    with log.open("ab") as out:
        for core in cores:
            procs.append(
                subprocess.Popen(
                    ["taskset", "-c", str(core), VEYEDESK, "worker", "--poll-seconds", "0.2"],
                    env=env,
                    stdout=out,
                    stderr=out,
                    start_new_session=True,
                )
            )
    try:
        while (status := job_done(db, job_id)) in ("queued", "running"):
            time.sleep(0.5)
        seconds = time.perf_counter() - began
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(60)
    if status != "done":
        raise SystemExit(f"the encode ended {status}; see {log}")
    return seconds


def pieces(log: Path) -> str:
    """Each job's kind, chunk and seconds, from the workers' log (claimed / done lines)."""
    kinds: dict[str, str] = {}
    out = []
    for line in log.read_text(encoding="utf-8").splitlines():
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if fields.get("event") == "claimed":
            kinds[fields["job"]] = fields.get("kind", "?")
        elif fields.get("event") in ("done", "split") and "seconds" in fields:
            out.append(f"{kinds.get(fields['job'], '?')} {float(fields['seconds']):.0f} s")
        elif fields.get("event") == "split":
            out.append("split")
    return ", ".join(out)


def single_pass(env: dict[str, str]) -> float:
    printed = subprocess.run(
        [VEYEDESK, "encode", "--dry-run", "--client", "conf", "--show", "conf_2026"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    command = [shlex.split(line) for line in printed.splitlines() if not line.startswith("#")]
    assert len(command) == 1, printed
    args = command[0]
    output = Path(args[-1].removeprefix("file:"))
    output.parent.mkdir(parents=True, exist_ok=True)
    # The chapters file make_encode writes before running it (no cut comments: one chapter).
    chapters = Path(args[args.index("ffmetadata") + 4].removeprefix("file:"))
    chapters.parent.mkdir(parents=True, exist_ok=True)
    chapters.write_text(";FFMETADATA1\n", encoding="utf-8")
    began = time.perf_counter()
    subprocess.run(["taskset", "-c", "0", *args], check=True, capture_output=True)
    seconds = time.perf_counter() - began
    output.unlink()
    shutil.rmtree(chapters.parent)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--chunk-minutes", type=float, default=20.0)
    ns = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="veyedesk-chunks-") as tmp:
        root = Path(tmp)
        raw, out = root / "raw", root / "out"
        clip = root / "talk.mp4"
        made = time.perf_counter()
        make_talk(clip, ns.minutes + 0.1, ns.size)
        made = time.perf_counter() - made
        print(f"generated a {ns.minutes:g}-minute {ns.size} talk in {made:.0f} s")
        db = f"sqlite:///{root / 'bench.db'}"
        populate(db, raw, clip, ns.minutes)
        config = root / "config.toml"
        config.write_text(config_text(raw, out, ns.size, ns.chunk_minutes), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("VEYEDESK_")}
        env.update(
            VEYEDESK_CONFIG=str(config),
            VEYEDESK_DATA_DIR=str(root / "data"),
            VEYEDESK_DB=db,
            VEYEDESK_USER="bench",
        )
        single = single_pass(env)
        one = run_workers(env, db, [0], root / "one.log")
        two = run_workers(env, db, [0, 1], root / "two.log")
        print(f"1 worker, jobs in order done: {pieces(root / 'one.log')}")
        print(f"2 workers, jobs in order done: {pieces(root / 'two.log')}")
        print(f"{'single ffmpeg pass, 1 core':<30}{single:8.1f} s")
        print(f"{'chunked, 1 worker (core 0)':<30}{one:8.1f} s   {one / single:5.2f}x single")
        print(f"{'chunked, 2 workers (cores 0,1)':<30}{two:8.1f} s   {two / single:5.2f}x single")
        print(f"{'2 workers / 1 worker':<30}{two / one:8.2f}     (target <= 0.6)")


if __name__ == "__main__":
    main()
