"""CLI start-up benchmark: `veyedesk --help` and `veyedesk episodes` on SQLite, beside bare Python.

    .venv/bin/python bench/cli_startup.py [--runs 15] [--repo DIR]

Prints the median and the best of `--runs` process starts for each command, beside the
bare references in the same run: `python -c pass` and `python -c "import sqlalchemy"`
(the least `episodes` can cost, since it opens the database). `--repo DIR` times another
checkout's veyedesk (e.g. an older commit) with the same interpreter, for a before/after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(argv: list[str], env: dict[str, str], runs: int, cwd: Path) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout whose veyedesk to time")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="veyedesk-bench-cli-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(args.repo),
        "VEYEDESK_DATA_DIR": str(tmp / "data"),
        "VEYEDESK_CONFIG": str(tmp / "config.toml"),
    }
    db = ["--db", f"sqlite:///{tmp / 'cli.db'}"]
    veyedesk = [sys.executable, "-m", "veyedesk"]
    for setup in (
        ["client", "add", "--client", "pyconf"],
        ["show", "add", "--client", "pyconf", "--show", "pyconf_2026"],
    ):
        subprocess.run(
            [*veyedesk, *db, *setup], env=env, cwd=tmp, check=True, stdout=subprocess.DEVNULL
        )
    rows = [
        ("python -c pass (bare)", [sys.executable, "-c", "pass"]),
        ('python -c "import sqlalchemy" (bare)', [sys.executable, "-c", "import sqlalchemy"]),
        ("veyedesk --help", [*veyedesk, "--help"]),
        (
            "veyedesk episodes (SQLite)",
            [*veyedesk, *db, "episodes", "--client", "pyconf", "--show", "pyconf_2026"],
        ),
    ]
    print(f"veyedesk CLI start-up ({args.repo}), {args.runs} runs each; target < 350 ms")
    for label, argv in rows:
        # Run from the scratch folder: `python -m` puts the working folder first on the path.
        median, best = timed(argv, env, args.runs, tmp)
        print(f"  {label:<40} median {median:7.1f} ms   best {best:7.1f} ms")


if __name__ == "__main__":
    main()
