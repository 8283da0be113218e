"""Run the PostgreSQL fencing test N times and print what each round published.

    .venv/bin/python -m tests.support.fencing_rounds [ROUNDS]   (default 20)

Not part of the suite (the suite runs the test once). Each round is a fresh pytest run of
tests/jobs/test_fencing.py: worker A cut off mid-encode for longer than its lease by a
paused TCP proxy, worker B taking the job over. The test appends its figures to
$FENCING_REPORT before it asserts, so a failing round is counted too. Printed per round
and in total: published files (must be 1 each), duplicate encodes recorded (0), lost
outputs (0: the done job's file missing or not whole), attempts counted (1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TEST = "tests/jobs/test_fencing.py"


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory(prefix="fencing-") as tmp:
        report = Path(tmp) / "rounds.jsonl"
        env = {**os.environ, "FENCING_REPORT": str(report)}
        outcomes = []
        for number in range(1, rounds + 1):
            before = len(report.read_text().splitlines()) if report.exists() else 0
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider"],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            lines = report.read_text().splitlines() if report.exists() else []
            figures = json.loads(lines[-1]) if len(lines) > before else {}
            passed = proc.returncode == 0
            outcomes.append((passed, figures))
            print(f"round {number:2d}: {'pass' if passed else 'FAIL'} {figures}", flush=True)
            if not passed:
                print(proc.stdout[-3000:], flush=True)
    rows = [f for _ok, f in outcomes if f]
    print(
        f"{rounds} rounds: {sum(ok for ok, _f in outcomes)} passed; "
        f"published files {sum(r['published_files'] for r in rows)} "
        f"(rounds with exactly one: {sum(r['published_files'] == 1 for r in rows)}), "
        f"duplicates {sum(r['duplicates'] for r in rows)}, "
        f"lost outputs {sum(r['lost_outputs'] for r in rows)}, "
        f"attempts counted {sum(r['attempts'] for r in rows)}, "
        f"encode runs {sum(r['encode_runs'] for r in rows)}"
    )
    return 0 if all(ok for ok, _f in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
