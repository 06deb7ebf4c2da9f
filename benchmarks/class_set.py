"""Time class sets and a single version, several runs each: wall, CPU-seconds
and peak memory.

    .venv/bin/python benchmarks/class_set.py [--students 200] [--roster-students 40] [--runs 3]
                                             [--single-runs 5] [--jobs N] [--against DIR] [--memory 200,2000]

The measurements: `python -m generator --seed 2026 --count K` with PDFs, the
same with `--no-pdf`, a roster of `--roster-students` students (Latin names)
with PDFs, and `python -m generator --seed 1`; each into a fresh folder
(every version solved, verified and compiled; nothing reused). Each run is
made by a fresh wrapper process that reports, for the generator and all its
children (worker processes, TeX): the wall time, the CPU-seconds (user + sys)
and the peak resident memory of the largest single process. Prints every
run, the medians, and the class set's own breakdown by phase. On a loaded
machine the CPU-seconds are the steadier number.

With ``--against DIR`` (another checkout with its own ``.venv``, e.g. made by
``git worktree add ../base main && (cd ../base && sh scripts/setup.sh)``)
every measurement runs this checkout and that one interleaved (A, B, A, B,
...), in the same time window, and prints the ratios of the medians (this /
other): fair on a shared machine.

With ``--memory`` it runs ``--count K --no-pdf`` for each K and prints the
peak resident memory of the largest process: with students streamed to disk it
stays flat as K grows.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter: the generator as a child, then the children's
# resource usage (every descendant that was waited for: workers and TeX).
_WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "wall = time.perf_counter() - start\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'rc': r.returncode, 'wall': wall, 'cpu': u.ru_utime + u.ru_stime,\n"
    "                  'rss_mb': u.ru_maxrss / 1024, 'stdout': r.stdout, 'stderr': r.stderr[-2000:]}))\n"
)


def python_of(root: Path) -> str:
    """The checkout's own interpreter (its .venv), else this one."""
    venv = root / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def measured(args: list[str], root: Path = ROOT) -> dict[str, float | str]:
    """One run of the generator of ``root``: wall, cpu (s), rss_mb, stdout."""
    with tempfile.TemporaryDirectory() as out:
        py = python_of(root)
        r = subprocess.run([py, "-c", _WRAPPER, py, "-m", "generator", *args, "--out", out],
                           cwd=root, check=True, capture_output=True, text=True)
    result: dict[str, float | str] = json.loads(r.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"{root}: generator {' '.join(args)} failed ({result['rc']}): {result['stderr']}")
    return result


def peak_rss_mb(args: list[str]) -> float:
    """Peak RSS (MB) of the largest process of one run."""
    return float(measured(args)["rss_mb"])


def series(label: str, args: list[str], runs: int, other: Path | None) -> None:
    roots = [("this", ROOT)] + ([("other", other)] if other else [])
    keys = ("wall", "cpu", "rss_mb")
    got: dict[str, dict[str, list[float]]] = {name: {k: [] for k in keys} for name, _ in roots}
    for k in range(runs):
        for name, root in roots:
            m = measured(args, root)
            for key in keys:
                got[name][key].append(float(m[key]))
            phases = next((line for line in str(m["stdout"]).splitlines() if line.startswith("time:")), "")
            print(f"{label}, {name}, run {k + 1}: wall {float(m['wall']):.2f} s, cpu {float(m['cpu']):.2f} s, "
                  f"peak {float(m['rss_mb']):.0f} MB {phases}", flush=True)
    med = {name: {key: statistics.median(vals) for key, vals in d.items()} for name, d in got.items()}
    for name, d in got.items():
        print(f"{label}, {name}: medians over {runs} runs: wall {med[name]['wall']:.2f} s "
              f"({' '.join(f'{t:.2f}' for t in d['wall'])}), cpu {med[name]['cpu']:.2f} s "
              f"({' '.join(f'{t:.2f}' for t in d['cpu'])}), peak {med[name]['rss_mb']:.0f} MB")
    if other:
        ratios = ", ".join(f"{key} {med['this'][key] / med['other'][key]:.3f}" for key in keys)
        print(f"{label}: ratio this/other of the medians: {ratios}", flush=True)


def write_roster(folder: Path, n: int) -> Path:
    path = folder / f"roster-{n}.csv"
    given = ["Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas"]
    family = ["Lovelace", "Moreau", "Novak", "Okafor", "Petersen", "Quinn", "Rossi", "Sato"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name"])
        for k in range(n):
            w.writerow([f"S{1000 + k}", f"{given[k % len(given)]} {family[k // len(given) % len(family)]}"])
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--roster-students", type=int, default=40, help="size of the roster class set (0: none)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--single-runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--against", type=Path, default=None, help="another checkout to compare with, interleaved")
    ap.add_argument("--memory", default="", help="comma-separated class sizes for the --no-pdf memory check")
    args = ap.parse_args()
    extra = ["--jobs", str(args.jobs)] if args.jobs else []
    other = args.against.resolve() if args.against else None

    if args.runs:
        count = ["--seed", "2026", "--count", str(args.students), "--quiet", *extra]
        series(f"class set of {args.students}", count, args.runs, other)
        series(f"class set of {args.students} --no-pdf", [*count, "--no-pdf"], args.runs, other)
        if args.roster_students:
            with tempfile.TemporaryDirectory() as tmp:
                roster = write_roster(Path(tmp), args.roster_students)
                series(f"roster of {args.roster_students}", ["--seed", "2026", "--roster", str(roster), "--quiet", *extra],
                       args.runs, other)
    if args.single_runs:
        series("single version (--seed 1)", ["--seed", "1"], args.single_runs, other)
    for k in [int(x) for x in args.memory.split(",") if x]:
        mb = peak_rss_mb(["--seed", "2026", "--count", str(k), "--no-pdf", "--quiet", *extra])
        print(f"--count {k} --no-pdf: peak resident memory of the largest process {mb:.0f} MB")


if __name__ == "__main__":
    main()
