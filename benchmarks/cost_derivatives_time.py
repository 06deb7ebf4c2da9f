"""Time to build Question 3 (sample, solve, verify, present) per version.

Builds the cost-derivatives question for a range of seeds several times and
prints the median over the runs of the mean time per version, the spread over
seeds, and where the time goes. SymPy's cache, and what the family keeps from
one version to the next, are cleared before every run (and before the stages
are timed again), so a run does not profit from the expressions of the one before.

    python benchmarks/cost_derivatives_time.py [--seeds 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sympy.core.cache import clear_cache

from generator import speed
from generator.pipeline import build_question
from generator.questions import cost_derivatives as cd
from generator.questions import family_rng


def run(seeds: int) -> tuple[list[float], dict[str, float]]:
    times = []
    phases = {"sample": 0.0, "solve": 0.0, "verify": 0.0}
    for seed in range(seeds):
        t0 = time.perf_counter()
        build_question(cd, family_rng(seed, cd.NAME), 3)
        times.append(time.perf_counter() - t0)
    clear_cache()
    speed.clear_all()
    for seed in range(seeds):  # the same builds again, stage by stage
        t0 = time.perf_counter()
        params = cd.sample(family_rng(seed, cd.NAME))
        t1 = time.perf_counter()
        solution = cd.solve(params)
        t2 = time.perf_counter()
        cd.verify(params, solution)
        t3 = time.perf_counter()
        phases["sample"] += t1 - t0
        phases["solve"] += t2 - t1
        phases["verify"] += t3 - t2
    return times, {k: v / seeds for k, v in phases.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    build_question(cd, None, 3)  # warm up imports
    per_run, all_times, phase_runs = [], [], []
    for _ in range(args.runs):
        clear_cache()
        speed.clear_all()
        t, phases = run(args.seeds)
        per_run.append(sum(t) / len(t))
        all_times += t
        phase_runs.append(phases)
    all_times.sort()
    p95 = all_times[int(0.95 * (len(all_times) - 1))]
    print(f"cost_derivatives: {args.seeds} seeds x {args.runs} runs")
    print(f"  mean per version, median over runs: {statistics.median(per_run) * 1000:.1f} ms")
    print(f"  per version over all builds: median {statistics.median(all_times) * 1000:.1f} ms, "
          f"95th percentile {p95 * 1000:.1f} ms, max {all_times[-1] * 1000:.1f} ms")
    stages = ", ".join(f"{k} {statistics.median(r[k] for r in phase_runs) * 1000:.1f} ms" for k in phase_runs[0])
    print(f"  by stage (medians over runs of the mean per version): {stages}")


if __name__ == "__main__":
    main()
