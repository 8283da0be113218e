"""Title proof benchmark: the proof sheet of a 100-talk show vs the bare SVG renderer.

Builds a show of `--talks` (default 100) talks on a throwaway SQLite database (titles of
every length, some too long for the slide, names with accents, RTL and emoji), then times:

- `veyedesk titles … -o proof.png` and `… -o proof.pdf` end to end (process start, database
  read, every slide filled and rasterised in parallel, the sheet composed and written);
- the bare renderers on the very same filled SVGs (written once beforehand, so only the
  rasterising is timed): `rsvg-convert` when installed, and `ffmpeg -i slide.svg` (what
  veyedesk calls, via its librsvg decoder), each run with as many at once as cores, which
  is the floor for any tool that draws these slides with librsvg.

Target: the 100-talk sheet in under 20 s on 2 cores.

Run: .venv/bin/python bench/titles.py [--talks 100]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from veyedesk.db import make_engine, session_factory
from veyedesk.db.migrate import upgrade
from veyedesk.encode import titles
from veyedesk.encode.proofs import PROOF_HEIGHT, PROOF_WIDTH
from veyedesk.services import catalog
from veyedesk.services.encoding import slides
from veyedesk.services.episodes import Selection, add_episode, select_episodes

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"
RSVG = shutil.which("rsvg-convert")
VEYEDESK = shutil.which("veyedesk", path=str(Path(sys.executable).parent)) or "veyedesk"
PHRASE = (
    "distributed consensus in practice async Python packaging type hints at scale "
    "what the papers leave out Zoë’s “quoted” talk on observability 🎉 שלום עולם"
)
WORDS = PHRASE.split()


def make_show(url: str, talks: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        catalog.add_client(session, "bench", "Bench Conf")
        show = catalog.add_show(session, "bench", "bench_2026", "Bench Conf 2026")
        rooms = [catalog.add_room(session, show, f"room_{i}", f"Room {i}") for i in range(4)]
        at = datetime(2026, 2, 1, 9, 0)
        for n in range(talks):
            length = 3 + (n * 7) % 30  # 3 to 32 words: some titles must be shrunk or cut
            title = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(length)).capitalize()
            add_episode(
                session,
                show,
                title,
                room=rooms[n % len(rooms)],
                start=at + timedelta(minutes=30 * (n // len(rooms))),
                duration=1800.0,
                authors=f"Speaker {n}, Ann Example",
                license="CC BY-SA",
            )
        session.commit()
    engine.dispose()


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return time.monotonic() - started, done.stdout


def bare(svgs: list[Path], command: list[str], workers: int) -> float:
    """Seconds to rasterise every SVG with `command` (SVG and PNG appended), `workers` at once."""

    def one(svg: Path) -> None:
        png = svg.with_suffix(f".{Path(command[0]).name}.png")
        subprocess.run([*command, str(svg), str(png)], check=True, capture_output=True)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, svgs))
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=100)
    ns = parser.parse_args()
    cores = os.cpu_count() or 2
    with tempfile.TemporaryDirectory(prefix="veyedesk-bench-titles-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'bench.db'}"
        make_show(url, ns.talks)
        env = {**os.environ, "VEYEDESK_DB": url, "VEYEDESK_CONFIG": str(work / "none.toml")}
        sel = ["--client", "bench", "--show", "bench_2026"]
        print(f"{ns.talks} talks, {cores} cores, slides {PROOF_WIDTH}x{PROOF_HEIGHT}")
        png_s, out = timed([VEYEDESK, "titles", *sel, "-o", str(work / "proof.png")], env)
        print(f"veyedesk titles -o proof.png   {png_s:6.2f} s   ({out.splitlines()[0]})")
        pdf_s, _ = timed([VEYEDESK, "titles", *sel, "-o", str(work / "proof.pdf")], env)
        print(f"veyedesk titles -o proof.pdf   {pdf_s:6.2f} s")

        # The same filled slides, written once, for the bare renderers.
        engine = make_engine(url)
        svgs = []
        with session_factory(engine)() as session:
            for episode in select_episodes(session, Selection("bench", "bench_2026")):
                svg = work / "svg" / f"{episode.id}.svg"
                svg.parent.mkdir(exist_ok=True)
                text = slides.slide_text(episode)
                svg.write_text(
                    titles.fill_template(titles.TITLE_TEMPLATE, text, PROOF_WIDTH, PROOF_HEIGHT),
                    encoding="utf-8",
                )
                svgs.append(svg)
        engine.dispose()
        ffmpeg_cmd = [FFMPEG, "-nostdin", "-loglevel", "error", "-y", "-i"]
        ff_s = bare(svgs, ffmpeg_cmd, cores)
        print(f"bare ffmpeg -i slide.svg x{len(svgs)} ({cores} at once)  {ff_s:6.2f} s")
        if RSVG:
            rsvg_cmd = [RSVG, "-w", str(PROOF_WIDTH), "-h", str(PROOF_HEIGHT), "-o"]

            def rsvg_one(svg: Path) -> None:
                png = svg.with_suffix(".rsvg.png")
                subprocess.run([*rsvg_cmd, str(png), str(svg)], check=True, capture_output=True)

            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=cores) as pool:
                list(pool.map(rsvg_one, svgs))
            rsvg_s = time.monotonic() - started
            print(f"bare rsvg-convert x{len(svgs)} ({cores} at once)   {rsvg_s:6.2f} s")
        else:
            print("rsvg-convert not installed (apt-get install librsvg2-bin): skipped")
        verdict = "met" if max(png_s, pdf_s) < 20 else "MISSED"
        print(f"target < 20 s for the sheet: {verdict}")


if __name__ == "__main__":
    main()
