"""Time to build Question 2 (sample, solve, verify) per version.

Builds the chain-rule question for a range of seeds several times and prints
the median time per version over the runs, plus the spread over seeds. What
the family keeps from one version to the next is forgotten before every run,
so a run does not profit from the versions of the one before.

    python benchmarks/chain_rule_time.py [--seeds 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from generator import speed
from generator.pipeline import build_question
from generator.questions import chain_rule, family_rng


def run(seeds: int) -> list[float]:
    times = []
    for seed in range(seeds):
        t0 = time.perf_counter()
        build_question(chain_rule, family_rng(seed, chain_rule.NAME), 2)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    build_question(chain_rule, None, 2)  # warm up imports and caches shared by every version
    per_run = []
    all_times: list[float] = []
    for _ in range(args.runs):
        speed.clear_all()
        t = run(args.seeds)
        per_run.append(sum(t) / len(t))
        all_times += t
    all_times.sort()
    p95 = all_times[int(0.95 * (len(all_times) - 1))]
    print(f"chain_rule: {args.seeds} seeds x {args.runs} runs")
    print(f"  mean per version, median over runs: {statistics.median(per_run) * 1000:.1f} ms")
    print(f"  per version over all builds: median {statistics.median(all_times) * 1000:.1f} ms, "
          f"95th percentile {p95 * 1000:.1f} ms, max {all_times[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
