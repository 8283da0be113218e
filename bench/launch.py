"""Launch benchmark: `veyedesk` (the editor) until its window is shown, beside a bare Qt window.

    .venv/bin/python bench/launch.py [--runs 7] [--talks 2000] [--repo DIR]

Each case is a fresh process, started `--runs` times; the figure is the time from starting
the process to its window's first expose event (the process prints a marker line then and
exits at once: `VEYEDESK_BENCH_EXIT=shown`, read only by this bench). Printed side by side
in the same run, median and spread (min-max):
- bare: `python -c` making a QApplication and a QMainWindow and showing it (the least a
  PySide6 window can cost with this interpreter); target: the editor <= 1.5x this;
- the editor on a SQLite database with one show of `--talks` talks, to its window shown,
  and to its episode list complete (`VEYEDESK_BENCH_EXIT=listed`; a figure, no target).
`--repo DIR` times another checkout's veyedesk with the same interpreter (a before/after).
Runs under Xvfb when there is no display.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # as a script, bench/ comes first on the path: the repository instead

if not os.environ.get("DISPLAY") and shutil.which("xvfb-run") and not os.environ.get("_BENCH_X"):
    os.environ["_BENCH_X"] = "1"
    os.execvp(
        "xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", sys.executable, *sys.argv]
    )

MARKER = "veyedesk-bench:"

# The bare reference: the same marker on the same event (the window's first expose).
BARE = f"""
import os, sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow
class Exposed(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Expose and obj.isExposed():
            print("{MARKER}shown", flush=True)
            os._exit(0)
        return False
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1600, 960)
window.show()
watch = Exposed()
window.windowHandle().installEventFilter(watch)
app.exec()
"""


def time_to_marker(argv: list[str], env: dict[str, str], cwd: Path, timeout: float) -> float:
    """Milliseconds from starting the process to its marker line (then it is ended)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(MARKER):
                return (time.perf_counter() - t0) * 1000
        raise RuntimeError(f"{argv[-1]}: exited with {proc.wait()} before its marker")
    finally:
        proc.kill()
        proc.wait(timeout)


def make_database(url: str, talks: int) -> None:
    from tests.support.factory import make_show
    from veyedesk.db import make_engine, session_factory
    from veyedesk.db.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        rooms = 4
        make_show(session, rooms=rooms, talks_per_room=max(1, talks // rooms), with_cuts=False)
        session.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--talks", type=int, default=2000)
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout whose veyedesk to time")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="veyedesk-bench-launch-"))
    url = f"sqlite:///{tmp / 'launch.db'}"
    make_database(url, args.talks)
    env = {
        **os.environ,
        "PYTHONPATH": str(args.repo),
        "VEYEDESK_DATA_DIR": str(tmp / "data"),
        "VEYEDESK_CONFIG": str(tmp / "config.toml"),
        "XDG_CONFIG_HOME": str(tmp / "xdg"),  # QSettings: no layout from a real session
    }
    # Bytecode cached for every module, ours and the libraries', as on any user's machine
    # (the warm-up run writes it): with PYTHONDONTWRITEBYTECODE set, as on our CI machines,
    # veyedesk's modules were compiled from source on every start while the libraries'
    # came compiled from their wheels.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    editor = [sys.executable, "-m", "veyedesk", "--db", url]
    cases = [
        ("bare PySide6 QMainWindow shown", [sys.executable, "-c", BARE], {}),
        ("veyedesk editor: window shown", editor, {"VEYEDESK_BENCH_EXIT": "shown"}),
        (f"veyedesk editor: {args.talks} talks listed", editor, {"VEYEDESK_BENCH_EXIT": "listed"}),
    ]
    for _label, argv, extra in cases:  # warm the file cache once, not timed
        time_to_marker(argv, {**env, **extra}, tmp, args.timeout)
    times: dict[str, list[float]] = {label: [] for label, _argv, _extra in cases}
    for _ in range(args.runs):  # interleaved, so a load spike hits every case alike
        for label, argv, extra in cases:
            times[label].append(time_to_marker(argv, {**env, **extra}, tmp, args.timeout))
    load = os.getloadavg()
    print(
        f"veyedesk launch ({args.repo}), {args.runs} runs each, fresh processes; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    bare = statistics.median(times[cases[0][0]])
    for label, _argv, _extra in cases:
        ts = times[label]
        median = statistics.median(ts)
        target = "  target <= 1.50x" if "window shown" in label else ""
        print(
            f"  {label:<40} median {median:7.1f} ms   spread {min(ts):7.1f}-{max(ts):7.1f} ms"
            f"   {median / bare:5.2f}x bare{target}"
        )


if __name__ == "__main__":
    main()
