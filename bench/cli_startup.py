"""CLI start-up benchmark: `veyedesk --help` and the read-only listings, beside bare Python.

    .venv/bin/python bench/cli_startup.py [--runs 15] [--repo DIR]

Prints the median, the spread (min-max) and the ratio to `import sqlalchemy.orm` of
`--runs` process starts for each command, beside the bare references in the same run:
`python -c pass`, `python -c "import sqlalchemy"` and `python -c "import sqlalchemy.orm"`
(the least a listing can cost, since it reads the database through the ORM; target: each
listing <= 1.5x that). The runs are interleaved, so a load spike hits every row alike.
`--repo DIR` times another checkout's veyedesk (e.g. an older commit) with the same
interpreter, for a before/after.
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


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return (time.perf_counter() - t0) * 1000


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
    # Bytecode cached for every module, ours and the libraries', as on any user's machine
    # (the warm-up run writes it): with PYTHONDONTWRITEBYTECODE set, as on our CI machines,
    # veyedesk's modules were compiled from source on every start while the libraries'
    # came compiled from their wheels.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    db = ["--db", f"sqlite:///{tmp / 'cli.db'}"]
    veyedesk = [sys.executable, "-m", "veyedesk"]
    for setup in (
        ["client", "add", "--client", "pyconf"],
        ["show", "add", "--client", "pyconf", "--show", "pyconf_2026"],
    ):
        subprocess.run(
            [*veyedesk, *db, *setup], env=env, cwd=tmp, check=True, stdout=subprocess.DEVNULL
        )
    show = ["--client", "pyconf", "--show", "pyconf_2026"]
    orm = 'python -c "import sqlalchemy.orm" (bare)'
    rows = [
        ("python -c pass (bare)", [sys.executable, "-c", "pass"]),
        ('python -c "import sqlalchemy" (bare)', [sys.executable, "-c", "import sqlalchemy"]),
        (orm, [sys.executable, "-c", "import sqlalchemy.orm"]),
        ("veyedesk --help", [*veyedesk, "--help"]),
        ("veyedesk episodes (SQLite)", [*veyedesk, *db, "episodes", *show]),
        ("veyedesk pipeline (SQLite)", [*veyedesk, *db, "pipeline", *show]),
        ("veyedesk queue list (SQLite)", [*veyedesk, *db, "queue", "list"]),
        ("veyedesk room list (SQLite)", [*veyedesk, *db, "room", "list", *show]),
    ]
    for _label, argv in rows:  # warm the file cache once, not timed
        timed(argv, env, tmp)
    times: dict[str, list[float]] = {label: [] for label, _argv in rows}
    for _ in range(args.runs):
        for label, argv in rows:
            # Run from the scratch folder: `python -m` puts the working folder first on the path.
            times[label].append(timed(argv, env, tmp))
    load = os.getloadavg()
    print(
        f"veyedesk CLI start-up ({args.repo}), {args.runs} runs each; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    bare = statistics.median(times[orm])
    for label, _argv in rows:
        ts = times[label]
        median = statistics.median(ts)
        target = "  target <= 1.50x" if "(SQLite)" in label else ""
        print(
            f"  {label:<40} median {median:7.1f} ms   spread {min(ts):7.1f}-{max(ts):7.1f} ms"
            f"   {median / bare:5.2f}x orm{target}"
        )


if __name__ == "__main__":
    main()
