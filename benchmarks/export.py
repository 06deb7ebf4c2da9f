"""What the LMS exports add to a class set: their time as a share of the class set's own.

    .venv/bin/python benchmarks/export.py [--students 200] [--runs 3] [--no-pdf]

Each run is `python -m generator --seed 2026 --count K` into a fresh folder,
once with `--export moodle --export canvas` and once without, interleaved
(every version solved, verified, compiled; nothing reused). Each version's
share of the exports is rendered by the worker that makes the version, so
the exports' cost is the difference between the two runs (the "export" phase
of the summary line is only the writing and checking at the end). Prints
every measurement, the medians and the ratios export / class set without
export, which the issue caps at 10 %.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(out: Path, students: int, pdf: bool, export: bool) -> tuple[float, float, dict[str, int]]:
    """(wall seconds, export phase seconds, export file sizes) of one class set."""
    cmd = [sys.executable, "-m", "generator", "--seed", "2026", "--count", str(students), "--quiet", "--out", str(out)]
    cmd += (["--export", "moodle", "--export", "canvas"] if export else []) + ([] if pdf else ["--no-pdf"])
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"class set failed (exit {r.returncode}):\n{r.stdout}\n{r.stderr}")
    phase = 0.0
    sizes: dict[str, int] = {}
    if export:
        m = re.search(r"export ([\d.]+) s", r.stdout)
        if m is None:
            raise SystemExit(f"no export phase in the summary:\n{r.stdout}")
        phase = float(m.group(1))
        sizes = {p.name: p.stat().st_size for p in (out / "class-2026").iterdir() if p.name in ("moodle.xml", "canvas-qti.zip")}
    subprocess.run(["rm", "-rf", str(out)], check=True)
    return wall, phase, sizes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-pdf", action="store_true", help="class sets without TeX (a harder budget: the class set is faster)")
    args = ap.parse_args()
    with_export: list[float] = []
    without: list[float] = []
    phases: list[float] = []
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as keep:
        for k in range(args.runs):
            wall, phase, sizes = _run(Path(keep) / f"with-{k}", args.students, not args.no_pdf, True)
            with_export.append(wall)
            phases.append(phase)
            plain, _, _ = _run(Path(keep) / f"without-{k}", args.students, not args.no_pdf, False)
            without.append(plain)
            print(f"run {k + 1}: {wall:.1f} s with the exports (export phase {phase:.2f} s), {plain:.1f} s without", flush=True)
    rest = statistics.median(without)
    added = statistics.median(w - p for w, p in zip(with_export, without))
    print(f"\n{args.students} versions{' (no PDF)' if args.no_pdf else ''}: class set without export, median {rest:.1f} s; "
          f"with, median {statistics.median(with_export):.1f} s; export phase median {statistics.median(phases):.2f} s")
    print(f"ratio export / class set: {added / rest:.3f} (the difference), {statistics.median(phases) / rest:.3f} "
          f"(the phase alone); budget 0.10")
    print("files: " + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sorted(sizes.items())))


if __name__ == "__main__":
    main()
