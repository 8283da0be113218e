"""Publish benchmark: our uploaders beside the bare tools sending the same file to the same place.

PeerTube half: a `--mb` (default 200) file of random bytes goes to the PeerTube stand-in
of the test suite (tests/support/standins/peertube.py: a real HTTP server on 127.0.0.1,
speaking the resumable upload, writing what it receives to a file), once through
`veyedesk.publish.peertube` (find, open the session, chunks, read back and compare) and once
through `curl` into a session opened beforehand (untimed for curl; timed for ours). curl
cannot send a byte range of a file, so for the chunked figure the file is split into
chunk files first (untimed; they sit in the page cache, which favours curl) and one curl
process sends them as one PUT each (`-T chunk -H "Content-Range: bytes a-b/n"`, chained
with `--next`, so the connection is reused as ours is). The one-PUT figure sends the whole
file with `Content-Range: bytes 0-(n-1)/n` from both (ours with `chunk_mb` = the file).
`Expect: 100-continue` is turned off for curl (ours never sends it).

rclone half: the same file copied into a local folder by our rclone publisher
(`veyedesk.publish.rclone`, through `publisher_for`: names the object, copies with
`rclone copyto`, reads size and hash back) beside bare `rclone copyto`. If the rclone
publisher is not on this branch yet the figure says so and the bare one still prints.

Each figure is the best and the median of `--runs` (default 5) alternating runs, in MB/s
(10^6 bytes), with the client's CPU seconds (ours: this process; curl, rclone: the child;
the stand-in's own process never counts). The machine's other work shares the cores and
moves the wall-clock figures a lot: read the best-of ratio and the CPU, and run it twice.

Run: .venv/bin/python bench/publish.py [--mb 200] [--runs 3] [--chunk-mb 8] [--skip-rclone]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.support

from tests.support.standins.peertube import serving  # noqa: E402
from veyedesk.publish import peertube  # noqa: E402
from veyedesk.publish.base import (  # noqa: E402
    Metadata,
    Privacy,
    TargetConfig,
    TargetKind,
    UploadState,
    publisher_for,
)

CURL = shutil.which("curl") or "curl"
RCLONE = shutil.which("rclone") or "rclone"


class MemorySecrets:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    def get(self, target: str, key: str) -> str | None:
        return self.values.get((target, key))

    def set(self, target: str, key: str, value: str) -> None:
        self.values[(target, key)] = value


def make_file(path: Path, mb: int) -> Path:
    block = 8 << 20
    left = mb * 1_000_000
    with path.open("wb") as out:
        while left > 0:
            out.write(os.urandom(min(block, left)))
            left -= block
    return path


def talk() -> Metadata:
    return Metadata(
        title="Benchmark talk",
        description="bytes",
        speakers=("Bench",),
        show="Bench",
        uuid=str(uuid.uuid4()),
        slug="benchmark_talk",
    )


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # the client's CPU seconds: ours (this process) or curl/rclone (the child)


def _cpu() -> float:
    # This process plus its finished children (curl, rclone); the stand-in's process is
    # still running, so its CPU never counts.
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(action: Callable[[], object]) -> Sample:
    cpu, started = _cpu(), time.perf_counter()
    action()
    return Sample(time.perf_counter() - started, _cpu() - cpu)


@dataclass(frozen=True)
class StandIn:
    """The stand-in running in a child process (its own interpreter: no GIL shared with ours)."""

    base_url: str
    username: str
    password: str
    folder: Path


def _serve(folder: Path, ready: Any, stop: Any) -> None:
    with serving(folder) as standin:
        standin.probe_duration = False  # ffprobe of random bytes is not upload time
        ready.put((standin.base_url, standin.username, standin.password))
        stop.wait()


@contextmanager
def standin_process(folder: Path) -> Iterator[StandIn]:
    context = multiprocessing.get_context("fork")
    ready, stop = context.Queue(), context.Event()
    child = context.Process(target=_serve, args=(folder, ready, stop), daemon=True)
    child.start()
    try:
        base_url, username, password = ready.get(timeout=60)
        yield StandIn(base_url, username, password, folder)
    finally:
        stop.set()
        child.join(timeout=30)


def clean(standin: StandIn) -> None:
    """Drop what the stand-in received (a few hundred MB per run)."""
    for stored in standin.folder.iterdir():
        stored.unlink()


def ours_peertube(standin: StandIn, secrets: MemorySecrets, path: Path, chunk_mb: float) -> Sample:
    config = TargetConfig(
        "bench",
        TargetKind.PEERTUBE,
        {
            "url": standin.base_url,
            "channel": "conference",
            "username": standin.username,
            "chunk_mb": str(chunk_mb),
        },
    )
    publisher = publisher_for(config, secrets)
    assert isinstance(publisher, peertube.PeerTube)
    sample = timed(lambda: publisher.upload(path, talk(), Privacy.UNLISTED, UploadState()))
    publisher.close()
    return sample


def open_session(standin: StandIn, token: str, name: str, size: int) -> str:
    response = httpx.post(
        f"{standin.base_url}/api/v1/videos/upload-resumable",
        json={"name": "curl upload", "channelId": 7, "filename": name, "privacy": 2},
        headers={
            "Authorization": f"Bearer {token}",
            "X-Upload-Content-Length": str(size),
            "X-Upload-Content-Type": "video/mp4",
        },
    )
    response.raise_for_status()
    return "http:" + response.headers["Location"]


def curl_peertube(
    standin: StandIn, token: str, pieces: list[tuple[Path, int, int]], size: int
) -> Sample:
    url = open_session(standin, token, "talk.mp4", size)
    args = [CURL, "-sS"]
    for n, (piece, start, length) in enumerate(pieces):
        if n:
            args.append("--next")
        args += [
            "-o",
            "/dev/null",
            "-T",
            str(piece),
            "-H",
            f"Authorization: Bearer {token}",
            "-H",
            f"Content-Range: bytes {start}-{start + length - 1}/{size}",
            "-H",
            "Content-Type: application/octet-stream",
            "-H",
            "Expect:",
            url,
        ]
    sample = timed(lambda: subprocess.run(args, check=True))
    held = {f.name: f.stat().st_size for f in standin.folder.iterdir()}
    assert sum(held.values()) == size, held
    return sample


def split(path: Path, folder: Path, chunk: int) -> list[tuple[Path, int, int]]:
    pieces = []
    with path.open("rb") as source:
        start = 0
        while block := source.read(chunk):
            piece = folder / f"piece-{start:012d}"
            piece.write_bytes(block)
            pieces.append((piece, start, len(block)))
            start += len(block)
    return pieces


def rate(size: int, samples: list[Sample]) -> str:
    walls = [s.wall for s in samples]
    best, middle = min(walls), statistics.median(walls)
    cpu = statistics.median(s.cpu for s in samples)
    return (
        f"best {size / best / 1e6:7.1f} MB/s, median {size / middle / 1e6:7.1f} MB/s "
        f"({middle:5.2f} s), client CPU {cpu:5.2f} s"
    )


def ratio(ours: list[Sample], theirs: list[Sample]) -> str:
    best = min(s.wall for s in theirs) / min(s.wall for s in ours)
    middle = statistics.median(s.wall for s in theirs) / statistics.median(s.wall for s in ours)
    return f"best {best:.3f}x, median {middle:.3f}x"


def bench_peertube(path: Path, scratch: Path, ns: argparse.Namespace) -> None:
    size = path.stat().st_size
    chunk = int(ns.chunk_mb * (1 << 20))
    chunks = scratch / "chunks"
    chunks.mkdir()
    pieces = split(path, chunks, chunk)
    whole = [(path, 0, size)]
    received = scratch / "standin"
    received.mkdir()
    figures: dict[str, list[Sample]] = {k: [] for k in ("ours", "curl", "ours1", "curl1")}
    with standin_process(received) as standin:
        secrets = MemorySecrets()
        config = TargetConfig(
            "bench",
            TargetKind.PEERTUBE,
            {"url": standin.base_url, "channel": "conference", "username": standin.username},
        )
        peertube.login(config, secrets, lambda _q: standin.password)
        token = secrets.get("bench", "access_token") or ""
        for _ in range(ns.runs):
            figures["ours"].append(ours_peertube(standin, secrets, path, ns.chunk_mb))
            clean(standin)
            figures["curl"].append(curl_peertube(standin, token, pieces, size))
            clean(standin)
            figures["curl1"].append(curl_peertube(standin, token, whole, size))
            clean(standin)
            figures["ours1"].append(ours_peertube(standin, secrets, path, size / (1 << 20) + 1))
            clean(standin)
    shutil.rmtree(chunks)
    print(f"PeerTube stand-in, {len(pieces)} chunks of {ns.chunk_mb:g} MiB, {ns.runs} runs:")
    print(f"  ours (veyedesk.publish.peertube): {rate(size, figures['ours'])}")
    print(f"  curl (-T per chunk, --next):      {rate(size, figures['curl'])}")
    print(f"  ours/curl: {ratio(figures['ours'], figures['curl'])}")
    print("PeerTube stand-in, the whole file in one PUT:")
    print(f"  ours (chunk_mb = file):           {rate(size, figures['ours1'])}")
    print(f"  curl (-T file):                   {rate(size, figures['curl1'])}")
    print(f"  ours/curl: {ratio(figures['ours1'], figures['curl1'])}")


def bench_rclone(path: Path, scratch: Path, ns: argparse.Namespace) -> None:
    size = path.stat().st_size
    dest = scratch / "rclone-dest"
    dest.mkdir()
    bare: list[Sample] = []
    ours: list[Sample] = []
    config = TargetConfig("bench-rclone", TargetKind.RCLONE, {"remote": str(dest)})
    try:
        publisher = publisher_for(config, MemorySecrets())
    except ModuleNotFoundError:
        publisher = None
    for n in range(ns.runs):
        target = dest / f"bare-{n}.bin"
        command = [RCLONE, "copyto", str(path), str(target)]
        bare.append(timed(lambda: subprocess.run(command, check=True)))  # noqa: B023
        target.unlink()
        if publisher is not None:
            upload = publisher.upload  # type: ignore[union-attr]
            meta = talk()
            ours.append(timed(lambda: upload(path, meta, Privacy.UNLISTED, UploadState())))  # noqa: B023
            for stored in dest.iterdir():
                stored.unlink()
    print("rclone to a local folder:")
    if ours:
        print(f"  ours (veyedesk.publish.rclone):   {rate(size, ours)}")
    else:
        print("  ours: veyedesk.publish.rclone is not on this branch yet")
    print(f"  bare rclone copyto:               {rate(size, bare)}")
    if ours:
        print(f"  ours/bare: {ratio(ours, bare)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="file size in MB (10^6 bytes)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chunk-mb", type=float, default=peertube.DEFAULT_CHUNK_MB)
    parser.add_argument("--skip-rclone", action="store_true")
    parser.add_argument("--skip-peertube", action="store_true")
    ns = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as folder:
        scratch = Path(folder)
        path = make_file(scratch / "talk.mp4", ns.mb)
        print(f"file: {ns.mb} MB of random bytes in {scratch}")
        if not ns.skip_peertube:
            bench_peertube(path, scratch, ns)
        if not ns.skip_rclone:
            bench_rclone(path, scratch, ns)
    print(f"machine load average at end: {os.getloadavg()[0]:.2f} (other work shares the cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
