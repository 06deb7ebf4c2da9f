"""Time a class set end to end and a single version, several runs each.

    .venv/bin/python benchmarks/class_set.py [--students 200] [--runs 3] [--single-runs 5] [--jobs N]
                                             [--against DIR] [--memory 200,2000]

Each class-set run is `python -m generator --seed 2026 --count K` into a fresh
folder (every version solved, verified and compiled; nothing reused); each
single run is `python -m generator --seed 1`. Prints every run, the medians,
the time per student, and the class set's own breakdown by phase.

With ``--against DIR`` (another checkout, e.g. made by
``git clone . ../base && git -C ../base checkout 9a12bd4``) every measurement runs this checkout
and that one interleaved (A, B, A, B, ...), in the same time window, and
prints the ratio of the medians (this / other): fair on a shared machine.

With ``--memory`` it runs ``--count K --no-pdf`` for each K and prints the
peak resident memory of the largest process: with students streamed to disk it
stays flat as K grows.
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


def timed(args: list[str], root: Path = ROOT) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "generator", *args, "--out", out], cwd=root, check=True, capture_output=True, text=True)
        return time.perf_counter() - start, r.stdout


def peak_rss_mb(args: list[str]) -> float:
    """Peak RSS (MB) of the largest process of one run, measured in a fresh wrapper."""
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    with tempfile.TemporaryDirectory() as out:
        r = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "generator", *args, "--out", out],
                           cwd=ROOT, check=True, capture_output=True, text=True)
    return int(r.stdout.split()[-1]) / 1024


def series(label: str, args: list[str], runs: int, other: Path | None) -> None:
    roots = [("this", ROOT)] + ([("other", other)] if other else [])
    times: dict[str, list[float]] = {name: [] for name, _ in roots}
    for k in range(runs):
        for name, root in roots:
            t, out = timed(args, root)
            times[name].append(t)
            phases = next((line for line in out.splitlines() if line.startswith("time:")), "")
            print(f"{label}, {name}, run {k + 1}: {t:.2f} s {phases}", flush=True)
    for name, ts in times.items():
        print(f"{label}, {name}: median {statistics.median(ts):.2f} s over {len(ts)} runs ({' '.join(f'{t:.2f}' for t in ts)})")
    if other:
        print(f"{label}: ratio this/other of the medians {statistics.median(times['this']) / statistics.median(times['other']):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--single-runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--against", type=Path, default=None, help="another checkout to compare with, interleaved")
    ap.add_argument("--memory", default="", help="comma-separated class sizes for the --no-pdf memory check")
    args = ap.parse_args()
    extra = ["--jobs", str(args.jobs)] if args.jobs else []

    if args.runs:
        series(f"class set of {args.students}", ["--seed", "2026", "--count", str(args.students), "--quiet", *extra], args.runs, args.against)
    if args.single_runs:
        series("single version (--seed 1)", ["--seed", "1"], args.single_runs, args.against)
    for k in [int(x) for x in args.memory.split(",") if x]:
        mb = peak_rss_mb(["--seed", "2026", "--count", str(k), "--no-pdf", "--quiet", *extra])
        print(f"--count {k} --no-pdf: peak resident memory of the largest process {mb:.0f} MB")


if __name__ == "__main__":
    main()
