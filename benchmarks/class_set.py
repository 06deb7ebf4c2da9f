"""Time a class set end to end and a single version, several runs each.

    .venv/bin/python benchmarks/class_set.py [--students 200] [--runs 3] [--single-runs 5] [--jobs N]

Each class-set run is `python -m generator --seed 2026 --count K` into a fresh
folder (every version solved, verified and compiled; nothing reused); each
single run is `python -m generator --seed 1`. Prints every run, the medians,
the time per student, and the class set's own breakdown by phase.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str]) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "generator", *args, "--out", out], cwd=ROOT, check=True, capture_output=True, text=True)
        return time.perf_counter() - start, r.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--single-runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    extra = ["--jobs", str(args.jobs)] if args.jobs else []

    class_times = []
    for k in range(args.runs):
        t, out = timed(["--seed", "2026", "--count", str(args.students), "--quiet", *extra])
        class_times.append(t)
        phases = next((line for line in out.splitlines() if line.startswith("time:")), "")
        print(f"class set of {args.students}, run {k + 1}: {t:.1f} s ({phases})", flush=True)
    median = statistics.median(class_times)
    print(f"class set median: {median:.1f} s over {len(class_times)} runs, {median / args.students:.3f} s per student (handout and key)")

    single = [timed(["--seed", "1"])[0] for _ in range(args.single_runs)]
    print("single version (--seed 1): runs " + " ".join(f"{t:.2f}" for t in single))
    print(f"single version median: {statistics.median(single):.2f} s over {len(single)} runs")


if __name__ == "__main__":
    main()
