"""Time `python -m generator grade` on a large class, several runs each.

    .venv/bin/python benchmarks/grade.py [--students 500] [--runs 3] [--pdf-runs 3] [--class-students 40] [--no-marks]

Makes a class of K unnamed versions (``--count K --no-pdf``, not timed), fills
a responses file with a deterministic random mix per answer (right as in the
key, right in another typed form, blank, a common mistake, wrong, and values
carried forward from the student's own wrong earlier answers) and a marks
file (a hand mark for every hand-marked answer, a TA's mark of a whole part
now and then, a comment; left out with ``--no-marks``), then times:

1. ``grade CLASS --responses R --marks M --no-pdf`` (grades.csv, the
   gradebooks and summary.csv): every run a fresh process, the median
   reported (the issue's budget: 20 s for 500);
2. the same with the feedback PDFs and the summary PDF: the median of
   ``--pdf-runs`` runs, in all and per student;
3. a class set with PDFs of ``--class-students`` students, per student; and
   prints the ratio of (2) to (3) (the budget: at most 1).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.grade import judge, run, safe  # noqa: E402


def gen(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "generator", *args], cwd=ROOT, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def _alt_number(x: float) -> str:
    return f"{x:.6f}".replace(".", ",").replace("-", "\u2212")


def responses(class_dir: Path, target: Path, seed: int = 15) -> None:
    rng = random.Random(seed)
    students, _ = run.load_class(class_dir)
    refs = run.refs_of(students)
    with target.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name"] + refs)
        for s in students:
            cells: dict[str, str] = {}
            values: dict[str, float] = {}
            for k in s.keys:
                roll = rng.random()
                text = ""
                if k.kind == "text":
                    text = "see my working" if roll < 0.8 else ""
                elif k.kind == "number":
                    wrong_deps = [d for d in k.depends_on if d in values and cells.get(d) != k.exact]
                    if k.recompute and wrong_deps and all(d in values for d in k.depends_on) and roll < 0.7:
                        env = {judge._symbol(d): values[d] for d in k.depends_on}
                        text = repr(safe.evaluate(safe.parse_trusted(k.recompute, frozenset(env)), env))
                    elif roll < 0.5:
                        text = str(k.exact)
                    elif roll < 0.65:
                        text = _alt_number(float(k.value))
                    elif roll < 0.75:
                        text = ""
                    elif roll < 0.85 and k.mistakes:
                        text = repr(float(k.mistakes[0].value))
                    else:
                        text = repr(float(k.value) + 1)
                    with contextlib.suppress(safe.Unreadable):
                        values[k.ref] = judge.read_number(text)
                elif k.kind == "vector":
                    vec = [float(x) for x in k.value]
                    text = ("(" + "; ".join(_alt_number(x) for x in vec) + ")") if roll < 0.6 else \
                        "" if roll < 0.7 else "[" + ", ".join(repr(x + 1) for x in vec) + "]"
                else:
                    exact = str(k.exact)
                    text = exact if roll < 0.5 else exact.replace("**", "^").replace("*", "\u00b7") if roll < 0.7 else \
                        "" if roll < 0.8 else f"2*({exact})"
                cells[k.ref] = text
            w.writerow([s.id, s.name or ""] + [cells.get(r, "") for r in refs])


def marks_file(class_dir: Path, target: Path, seed: int = 16) -> None:
    """The class's marks-template.csv filled in: every hand mark, a whole part now and then, a comment."""
    rng = random.Random(seed)
    with (class_dir / "marks-template.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    with target.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows[1:]:
            for n, h in enumerate(header[2:-1], start=2):
                top = float(h.rsplit("(of ", 1)[1].rstrip(")"))
                whole = " mark " in h
                row[n] = "" if whole and rng.random() > 0.05 else f"{rng.randrange(int(2 * top) + 1) / 2:g}"
            row[-1] = "good work" if rng.random() < 0.3 else ""
            w.writerow(row)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=500)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--pdf-runs", type=int, default=3)
    p.add_argument("--class-students", type=int, default=40)
    p.add_argument("--no-marks", action="store_true", help="grade the responses alone, without a marks file")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t = gen("--seed", "2026", "--count", str(args.students), "--no-pdf", "--quiet", "--out", str(out / "c"))
        class_dir = out / "c" / "class-2026"
        print(f"class of {args.students} made in {t:.1f} s (not timed below)", flush=True)
        resp = out / "responses.csv"
        responses(class_dir, resp)
        inputs = ["--responses", str(resp)]
        if not args.no_marks:
            marks_file(class_dir, out / "marks.csv")
            inputs += ["--marks", str(out / "marks.csv")]
        times = []
        for k in range(args.runs):
            times.append(gen("grade", str(class_dir), *inputs, "--no-pdf", "--quiet"))
            print(f"grade --no-pdf, run {k + 1}: {times[-1]:.2f} s", flush=True)
        median = statistics.median(times)
        print(f"grades.csv and summary for {args.students} students: median {median:.2f} s "
              f"({median / 20:.2f} of the 20 s budget)", flush=True)
        pdf_times = []
        for k in range(args.pdf_runs):
            pdf_times.append(gen("grade", str(class_dir), *inputs, "--quiet"))
            print(f"grade with PDFs, run {k + 1}: {pdf_times[-1]:.2f} s", flush=True)
        print(f"grades, gradebooks, summary and {args.students} feedback PDFs: median {statistics.median(pdf_times):.2f} s",
              flush=True)
        per_grade = statistics.median(pdf_times) / args.students
        class_times = []
        for k in range(args.pdf_runs):
            class_times.append(gen("--seed", "7", "--count", str(args.class_students), "--quiet", "--out", str(out / f"p{k}")))
            print(f"class set of {args.class_students} with PDFs, run {k + 1}: {class_times[-1]:.2f} s", flush=True)
        per_class = statistics.median(class_times) / args.class_students
        print(f"per student: grading with feedback PDFs {per_grade * 1000:.0f} ms, class set {per_class * 1000:.0f} ms; "
              f"ratio {per_grade / per_class:.2f} (budget: at most 1)")


if __name__ == "__main__":
    main()
