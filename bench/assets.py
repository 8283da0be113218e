"""Assets benchmark: a talk's segments and proxy against the bare tools doing the same work.

One PAL DV recording of `--minutes` (default 10) with a talk cut from its middle third;
the segment is the cut ± `--margin` seconds. Prints, each beside the bare tool:

- segment: `media.segments.make_segment` (whole DIF frames copied, then probed) vs `dd`
  copying the same byte range (the disk's limit), and vs `ffmpeg -ss -t -c copy -f dv`
  (best of three each, taken in turns);
- proxy: `media.proxy.make_proxy` vs the plain ffmpeg H.264 encode of the same frames;
- sizes: segment and proxy against the raw file.

Run: .venv/bin/python bench/assets.py [--minutes 10] [--margin 60] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from veyedesk.media.proxy import PROXY_CRF, PROXY_HEIGHT, make_proxy
from veyedesk.media.segments import Span, make_segment

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"
DV_FRAME = 144000


def make_dv(path: Path, seconds: float) -> None:
    if path.is_file() and path.stat().st_size >= seconds * 25 * DV_FRAME:
        return
    subprocess.run(
        [FFMPEG, "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc=size=720x576:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
         "-target", "pal-dv", "-ac", "2", str(path)],
        check=True,
    )  # fmt: skip


def timed(run: object) -> float:
    start = time.perf_counter()
    run()  # type: ignore[operator]
    return time.perf_counter() - start


def _dd(raw: Path, work: Path, first: int, last: int) -> float:
    return timed(
        lambda: subprocess.run(
            ["dd", f"if={raw}", f"of={work / 'dd.dv'}", f"bs={DV_FRAME}", f"skip={first}",
             f"count={last - first}", "status=none", "conv=fsync"],
            check=True,
        )
    )  # fmt: skip


def _remux(raw: Path, work: Path, span: Span) -> float:
    return timed(
        lambda: subprocess.run(
            [FFMPEG, "-nostdin", "-v", "error", "-y", "-ss", f"{span.start}", "-i", str(raw),
             "-t", f"{span.seconds}", "-c", "copy", "-f", "dv", str(work / "ff.dv")],
            check=True,
        )
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--margin", type=float, default=60.0)
    parser.add_argument("--keep", type=Path, help="folder for the raw file (kept between runs)")
    ns = parser.parse_args()
    work = ns.keep or Path(tempfile.mkdtemp(prefix="veyedesk-bench-assets-"))
    work.mkdir(parents=True, exist_ok=True)
    seconds = ns.minutes * 60
    raw = work / "raw.dv"
    made = timed(lambda: make_dv(raw, seconds))
    print(f"raw DV {seconds:.0f} s, {raw.stat().st_size / 1e6:.0f} MB (made in {made:.1f} s)")
    cut_in, cut_out = seconds / 3, 2 * seconds / 3
    span = Span(max(0.0, cut_in - ns.margin), min(seconds, cut_out + ns.margin))
    first, last = round(span.start * 25), round(span.end * 25)

    def ours_segment() -> None:
        (work / "seg.dv").unlink(missing_ok=True)
        make_segment(raw, span, work / "seg")

    ours = dd = remux = float("inf")
    # Best of three, taken in turns, so no tool gets the page cache the other warmed.
    for _ in range(3):
        ours = min(ours, timed(ours_segment))
        dd = min(dd, _dd(raw, work, first, last))
        remux = min(remux, _remux(raw, work, span))
    seg = work / "seg.dv"
    share = seg.stat().st_size / raw.stat().st_size
    print(
        f"segment {span.seconds:.0f} s: ours {ours:.2f} s | dd {dd:.2f} s | "
        f"ffmpeg -c copy {remux:.2f} s | {seg.stat().st_size / 1e6:.0f} MB = {100 * share:.1f} % "
        "of the raw file"
    )

    ours_p = timed(lambda: make_proxy(raw, span, work / "px"))
    bare_p = timed(
        lambda: subprocess.run(
            [FFMPEG, "-nostdin", "-v", "error", "-y", "-ss", f"{span.start}", "-i", str(raw),
             "-frames:v", str(last - first),
             "-vf", f"bwdif=mode=send_frame,scale=trunc({PROXY_HEIGHT}*dar/2)*2:{PROXY_HEIGHT},"
             "setsar=1,format=yuv420p",
             "-c:v", "libx264", "-preset", "veryfast", "-crf", str(PROXY_CRF), "-g", "25",
             "-bf", "0", "-c:a", "aac", "-b:a", "96k", "-ac", "2",
             str(work / "bare.mp4")],
            check=True,
        )
    )  # fmt: skip
    px = work / "px.mp4"
    print(
        f"proxy {span.seconds:.0f} s: ours {ours_p:.2f} s | plain ffmpeg {bare_p:.2f} s | "
        f"{px.stat().st_size / 1e6:.1f} MB = {100 * px.stat().st_size / raw.stat().st_size:.2f} % "
        "of the raw file"
    )
    if ns.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
