"""Time `python -m generator --seed N` end to end (both PDFs), several runs.

    .venv/bin/python benchmarks/single_version.py [--runs 5] [--seed 1]

Prints every run, the median, and a breakdown of one in-process run by stage
(build = sample + solve + verify, render = Jinja, TeX, split = pikepdf).
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
sys.path.insert(0, str(ROOT))


def end_to_end(seed: int, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "generator", "--seed", str(seed), "--out", out], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    return times


def stages(seed: int) -> dict[str, float]:
    from generator import compile, pipeline

    t0 = time.perf_counter()
    ps = pipeline.build_problem_set(seed=seed)
    t1 = time.perf_counter()
    pipeline.render_documents(ps)
    unit = pipeline.unit_for(ps, f"seed {seed}")
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        pdf = compile.run_unit(unit, Path(out))
        t3 = time.perf_counter()
        compile.split(pdf, unit, {name: Path(out) / f"{name}.pdf" for name, _ in pipeline.DOCUMENTS})
    t4 = time.perf_counter()
    return {"build (sample, solve, verify)": t1 - t0, "render": t2 - t1, "TeX": t3 - t2, "split": t4 - t3}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    times = end_to_end(args.seed, args.runs)
    print(f"python -m generator --seed {args.seed}: runs {' '.join(f'{t:.2f}' for t in times)}")
    print(f"median {statistics.median(times):.2f} s over {len(times)} runs")
    st = stages(args.seed + 1)  # a second seed in-process: import and cache costs excluded
    print("one in-process version by stage: " + ", ".join(f"{k} {v:.3f} s" for k, v in st.items()))


if __name__ == "__main__":
    main()
