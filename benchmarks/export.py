"""What the LMS exports add to a class set: their time as a share of the class set's own.

    .venv/bin/python benchmarks/export.py [--students 200] [--runs 3] [--repeat 5] [--no-pdf]

Each run is `python -m generator --seed 2026 --count K --export moodle --export canvas`
into a fresh folder (every version solved, verified, compiled and exported;
nothing reused); the class set's summary line gives its total time and the
time of its "export" phase. Then, on the last run's folder, the export alone
(both formats, read back from the students' folders, written and checked) is
timed ``--repeat`` more times in this process. Prints every measurement, the
medians and the ratio export / (class set without export), which the issue
caps at 10 %.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-pdf", action="store_true", help="class sets without TeX (a harder budget: the class set is faster)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from generator.export import export_folders

    totals: list[float] = []
    phases: list[float] = []
    with tempfile.TemporaryDirectory() as keep:
        for k in range(args.runs):
            out = Path(keep) / f"run-{k}"
            cmd = [sys.executable, "-m", "generator", "--seed", "2026", "--count", str(args.students),
                   "--export", "moodle", "--export", "canvas", "--quiet", "--out", str(out)] + (["--no-pdf"] if args.no_pdf else [])
            start = time.perf_counter()
            r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"class set run {k + 1} failed (exit {r.returncode}):\n{r.stdout}\n{r.stderr}")
            wall = time.perf_counter() - start
            m = re.search(r"export ([\d.]+) s", r.stdout)
            if m is None:
                raise SystemExit(f"no export phase in the summary:\n{r.stdout}")
            export_s = float(m.group(1))
            totals.append(wall)
            phases.append(export_s)
            print(f"class set run {k + 1}: {wall:.1f} s in all, export phase {export_s:.2f} s "
                  f"({100 * export_s / (wall - export_s):.1f} % of the rest)", flush=True)
            if k < args.runs - 1:
                subprocess.run(["rm", "-rf", str(out)], check=True)
        class_dir = out / "class-2026"
        folders = sorted((p for p in class_dir.iterdir() if p.is_dir()), key=lambda p: int(p.name))
        alone: list[float] = []
        with tempfile.TemporaryDirectory() as target:
            for k in range(args.repeat):
                start = time.perf_counter()
                export_folders(folders, ["moodle", "canvas"], Path(target))
                alone.append(time.perf_counter() - start)
                print(f"export alone, run {k + 1}: {alone[-1]:.2f} s", flush=True)
            sizes = {p.name: p.stat().st_size for p in Path(target).iterdir()}
    rest = statistics.median(t - e for t, e in zip(totals, phases))
    print(f"\n{args.students} versions{' (no PDF)' if args.no_pdf else ''}: class set without export, median {rest:.1f} s; "
          f"export phase median {statistics.median(phases):.2f} s; export alone median {statistics.median(alone):.2f} s")
    print(f"ratio export / class set: {statistics.median(phases) / rest:.3f} (phase), "
          f"{statistics.median(alone) / rest:.3f} (alone); budget 0.10")
    print("files: " + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sorted(sizes.items())))


if __name__ == "__main__":
    main()
