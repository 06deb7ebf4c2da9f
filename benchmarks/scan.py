"""Time ``python -m generator scan`` on a pile of 300-dpi scans: pages per
second, wall and CPU time, and the peak memory of the largest process.

    .venv/bin/python benchmarks/scan.py [--students 200] [--runs 3] [--jobs 2] [--class-dir DIR] [--memory 50,200] [--work DIR]

Makes a class set of ``--students`` students with PDFs (or uses
``--class-dir``, one made before), prints every answer-sheet page at 300 dpi,
fills it as a TA and students would (tests/scansynth.py: score bubbles, part
rows, writing in the boxes) and scans it (a rotation of 0, 90, 180 or 270
degrees, up to 2 degrees of skew, some blur and noise), written as PNG in a
shuffled order. Making the pile is not timed. Then each run reads the whole
pile into a fresh ``scans/`` (nothing read before) in a fresh process, and
the medians are printed. With ``--memory`` it reads the first K students'
pages for each K and prints the peak memory: it stays flat as the pile grows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import scansynth as ss  # noqa: E402

DPI = 300


def make_class(students: int, where: Path) -> Path:
    r = subprocess.run([sys.executable, "-m", "generator", "--seed", "2026", "--count", str(students), "--quiet",
                        "--out", str(where)], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(r.stderr)
    return where / "class-2026"


def make_pile(class_dir: Path, pile: Path, rng: np.random.Generator) -> list[tuple[str, Path]]:
    """The sheet pages of every student, filled and scanned: (folder, file) in the pile's order."""
    pile.mkdir(parents=True, exist_ok=True)
    jobs = []
    for folder in ss.student_folders(class_dir):
        layout = json.loads((folder / "sheet.json").read_text(encoding="utf-8"))
        jobs += [(folder, page) for page in layout["pages"]]
    order = rng.permutation(len(jobs))
    out = []
    for n, k in enumerate(order, 1):
        folder, page = jobs[int(k)]
        clean = ss.render_page(folder / "assignment.pdf", page["page"], DPI)
        filled, _ = ss.fill_sheet_page(clean, page, DPI, rng)
        scan = ss.degrade(filled, rng, rotate=int(rng.choice([0, 90, 180, 270])), skew_deg=float(rng.uniform(-2, 2)),
                          blur_sigma=float(rng.uniform(0, 0.8)), noise_sigma=float(rng.uniform(0, 3)))
        f = pile / f"scan-{n:04d}.png"
        ss.write_image(scan, f, dpi=DPI)
        out.append((folder.name, f))
    return out


def run_scan(class_dir: Path, inputs: list[Path], jobs: int) -> tuple[float, float, int]:
    """(wall s, CPU s, peak RSS of the largest process in MB) of one scan in a fresh process."""
    shutil.rmtree(class_dir / "scans", ignore_errors=True)
    code = ("import resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
            "wall = time.perf_counter() - t\n"
            "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "print(wall, u.ru_utime + u.ru_stime, u.ru_maxrss, r.returncode)\n")
    r = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "generator", "scan", str(class_dir),
                        *map(str, inputs), "--jobs", str(jobs), "--quiet"], cwd=ROOT, capture_output=True, text=True)
    wall, cpu, rss, rc = r.stdout.split()[-4:]
    if rc != "0":
        sys.exit(r.stderr)
    return float(wall), float(cpu), int(rss) // 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=200)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--class-dir", type=Path)
    p.add_argument("--memory", type=str, default="", help="comma-separated student counts to read for the memory curve")
    p.add_argument("--work", type=Path, help="keep the class and the pile in this folder, and use them when there")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        saved = work / "pile.txt"
        if args.work and saved.exists():
            class_dir = work / "class-2026"
            pile = [(line.split("\t")[0], Path(line.split("\t")[1])) for line in saved.read_text(encoding="utf-8").splitlines()]
            print(f"using the class and the pile of {len(pile)} pages in {work}", flush=True)
        elif args.class_dir:
            class_dir = work / "class-2026"
            shutil.copytree(args.class_dir, class_dir, ignore=shutil.ignore_patterns("scans", "grading"))
        else:
            start = time.perf_counter()
            class_dir = make_class(args.students, work)
            print(f"class set of {args.students} students made in {time.perf_counter() - start:.0f} s", flush=True)
        if not (args.work and saved.exists()):
            start = time.perf_counter()
            pile = make_pile(class_dir, work / "pile", np.random.default_rng(2026))
            saved.write_text("".join(f"{f}\t{p}\n" for f, p in pile), encoding="utf-8")
            print(f"pile of {len(pile)} pages at {DPI} dpi made in {time.perf_counter() - start:.0f} s (not timed)", flush=True)
        runs = []
        for k in range(args.runs):
            wall, cpu, rss = run_scan(class_dir, [work / "pile"], args.jobs)
            runs.append((wall, cpu, rss))
            print(f"run {k + 1}: {wall:.1f} s wall, {cpu:.1f} CPU-s, {len(pile) / wall:.1f} pages/s, peak {rss} MB", flush=True)
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"median of {args.runs}: {wall:.1f} s wall ({len(pile) / wall:.1f} pages/s, {1000 * wall / len(pile):.0f} ms a page), "
              f"{cpu:.1f} CPU-s ({1000 * cpu / len(pile):.0f} ms a page), peak {statistics.median(r[2] for r in runs):.0f} MB; "
              f"--jobs {args.jobs} on {os.cpu_count()} cores")
        if args.memory:
            for count in (int(c) for c in args.memory.split(",")):
                part = work / f"part-{count}"
                shutil.rmtree(part, ignore_errors=True)
                part.mkdir()
                folders = sorted({f for f, _ in pile})[:count]
                for folder, f in pile:
                    if folder in folders:
                        os.link(f, part / f.name)
                n = sum(1 for _ in part.iterdir())
                _, _, rss = run_scan(class_dir, [part], args.jobs)
                print(f"memory: {count} students ({n} pages): peak {rss} MB")


if __name__ == "__main__":
    main()
