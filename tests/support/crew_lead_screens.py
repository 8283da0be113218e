"""Screenshots of a new crew lead's path (issue 14), to look at.

    xvfb-run -a .venv/bin/python -m tests.support.crew_lead_screens [OUT]

Runs tests/gui/test_crew_lead_path.py (an empty SQLite database, generated DV/MP4
recordings, the sample frab schedule; every step by keys and clicks) with CREW_LEAD_SHOTS
set, so its PNGs (crew_lead_NN_<step>.png) land in OUT (default /tmp/crew-lead-shots) as
well as in tests/artifacts. The test is the script: the pictures show exactly what it
checked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TEST = Path(__file__).resolve().parents[1] / "gui" / "test_crew_lead_path.py"


def main(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CREW_LEAD_SHOTS=str(out))
    # pytest-xvfb gives the window its own screen when none is set.
    subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", str(TEST)],
        check=True,
        env=env,
    )
    return sorted(out.glob("crew_lead_*.png"))


if __name__ == "__main__":
    for path in main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/crew-lead-shots")):
        print(path)
