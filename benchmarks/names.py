"""Class sets whose names are Latin, all Arabic, or mixed scripts, side by side.

    .venv/bin/python benchmarks/names.py [--students 20,100] [--runs 3] [--jobs N] [--versions 0]

For each class size, three rosters with the same IDs (so the same versions:
a student's version depends only on the class seed and the ID) and different
names: Latin letters only (set inline by pdfLaTeX), all Arabic, and mixed
scripts (Arabic, Hebrew, Chinese, Japanese, Korean, Devanagari, Bengali,
Tamil, Thai, Greek, Cyrillic, Armenian, Georgian, Ethiopic, Latin letters T1
lacks). Every name is different, so every non-Latin student pays for a name
box. The runs are interleaved (Latin, Arabic, mixed, Latin, ...) so that they
share the machine's conditions; each is `python -m generator --seed 2026
--roster FILE --quiet` into a fresh folder. Prints every run, the medians and
the ratios to the Latin class.

With ``--versions K`` it first times the typesetting of one version alone
(name box and pdfLaTeX run, ``compile.run_unit``; the problem set is built
once) K times per kind, interleaved, with a different name each time so that
no name box is reused: short runs, less exposed to a busy machine.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LATIN_FIRST = ["Mohamed", "Ahmed", "Ali", "Omar", "Youssef", "Mariam", "Fatma", "Sara", "Nour", "Laila"]
LATIN_LAST = ["Elsayed", "Hassan", "Ibrahim", "Abdallah", "Elmasry", "Elsherif", "Soliman", "Mansour", "Khalil", "Youssef"]
ARABIC_FIRST = ["محمد", "أحمد", "علي", "عمر", "يوسف", "مريم", "فاطمة", "سارة", "نور", "ليلى"]
ARABIC_LAST = ["السيد", "حسن", "إبراهيم", "عبد الله", "المصري", "الشريف", "سليمان", "منصور", "خليل", "يوسف"]
MIXED = ["محمد السيد", "דוד כהן", "李小龍", "山田 はなこ", "김민준", "प्रियंका चोपड़ा", "রবীন্দ্রনাথ ঠাকুর",
         "சுப்பிரமணிய பாரதி", "สมชาย ใจดี", "Αλέξανδρος Παπαδόπουλος", "Иван Сидоров", "Արամ Խաչատրյան",
         "ნინო ბერიძე", "አበበ ቢቂላ", "Ħanna Ġużeppi", "Nguyễn Thị Minh Khai"]
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"


def roster_names(kind: str, n: int) -> list[str]:
    names = []
    for k in range(n):
        first, last, extra = k % 10, (k // 10) % 10, k // 100
        if kind == "latin":
            names.append(f"{LATIN_FIRST[first]} {LATIN_LAST[last]}" + (f" {extra}" if extra else ""))
        elif kind == "arabic":
            names.append(f"{ARABIC_FIRST[first]} {ARABIC_LAST[last]}" + (f" {ARABIC_DIGITS[extra % 10]}" if extra else ""))
        else:
            base = MIXED[k % len(MIXED)]
            names.append(base if k < len(MIXED) else f"{base} {k // len(MIXED)}")
    assert len(set(names)) == n
    return names


def write_roster(folder: Path, kind: str, n: int) -> Path:
    path = folder / f"{kind}-{n}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name"])
        for k, name in enumerate(roster_names(kind, n)):
            w.writerow([f"{2100000 + k}", name])
    return path


def timed(roster: Path, extra: list[str]) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "generator", "--seed", "2026", "--roster", str(roster), "--quiet", "--out", out, *extra],
                       cwd=ROOT, check=True, capture_output=True, text=True)
        return time.perf_counter() - start


def time_versions(k: int) -> None:
    sys.path.insert(0, str(ROOT))
    from generator import compile, pipeline
    from generator.model import Student

    kinds = ("latin", "arabic", "mixed")
    pool = {kind: roster_names(kind, k) for kind in kinds}
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for j in range(k):
        for kind in kinds:
            ps = pipeline.build_problem_set(seed=7, student=Student("2100000", pool[kind][j]))
            unit = pipeline.unit_for(ps, kind)
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                compile.run_unit(unit, Path(out))
                times[kind].append(time.perf_counter() - start)
    latin = statistics.median(times["latin"])
    for kind in kinds:
        med = statistics.median(times[kind])
        print(f"one version typeset, {kind} name: median {med:.3f} s over {k} runs, {med / latin:.2f} x Latin")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", default="20,100", help="comma-separated class sizes (default 20,100; empty for none)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--versions", type=int, default=0, help="also time K single versions per kind (default 0)")
    args = ap.parse_args()
    if args.versions:
        time_versions(args.versions)
    extra = ["--jobs", str(args.jobs)] if args.jobs else []
    kinds = ("latin", "arabic", "mixed")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.students.split(",") if s):
            rosters = {kind: write_roster(Path(tmp), kind, n) for kind in kinds}
            times: dict[str, list[float]] = {kind: [] for kind in kinds}
            for k in range(args.runs):
                for kind in kinds:
                    times[kind].append(timed(rosters[kind], extra))
                    print(f"{n} students, {kind}, run {k + 1}: {times[kind][-1]:.1f} s", flush=True)
            base = statistics.median(times["latin"])
            for kind in kinds:
                med = statistics.median(times[kind])
                print(f"{n} students, {kind}: median {med:.1f} s over {args.runs} runs, {med / base:.2f} x Latin")


if __name__ == "__main__":
    main()
