"""Does the estimator need raw latencies when the cells table holds each repetition's within-process CI?

    .venv/bin/python benchmarks/estimate_raw_vs_columns.py [--trials 300] [--resamples 1000]

Synthetic processes with a known configuration median (1.0): each process's p50 is drawn with a
between-process lognormal spread, then n latencies with lognormal noise (sigma 0.1) and lag-1
autocorrelation ρ (AR(1) in log space). The same repetitions are estimated twice, paired (same seed):

    raw      each repetition with its latencies (the bootstrap redraws the median as an order statistic)
    columns  each repetition with only its p50 and the stored 95% CI columns (``median_ci95`` of the same
             latencies, exactly what ``summarize`` writes), as ``report`` sees a run without reading latencies

Per scenario: coverage of the true median by each CI; how often the between-process t-interval sets both
ends of the CI (then the within-process level, and the raw latencies, cannot change it); the largest
difference between the two CIs' ends relative to the value; the CI width columns/raw; the time per estimate.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np
from synthetic_fleet import latencies  # the fixture's AR(1) lognormal latencies (benchmarks/ is on the path)

from runner import estimate as est
from runner.measure.stats import median_ci95

WITHIN_SIGMA = 0.1


def process(rng: np.random.Generator, between: float, n: int, rho: float) -> np.ndarray:
    """One process's latencies around a p50 drawn ``between`` (lognormal sigma) from 1.0."""
    return latencies(rng, math.exp(between * rng.standard_normal()), n, WITHIN_SIGMA, rho)


@dataclass
class Row:
    covered_raw: float
    covered_columns: float
    t_sets_both: float
    max_diff: float
    width_ratio: float
    ms_raw: float
    ms_columns: float


def scenario(reps: int, between: float, n: int, rho: float, trials: int, resamples: int, seed: int) -> Row:
    rng = np.random.default_rng(seed)
    cov = [0, 0]
    t_both = 0
    diffs: List[float] = []
    widths: List[float] = []
    times = [0.0, 0.0]
    for _ in range(trials):
        lats = [process(rng, between, n, rho) for _ in range(reps)]
        raw = [est.Repetition(float(np.median(x)), latencies=x) for x in lats]
        cols = [est.Repetition(float(np.median(x)), *median_ci95(x)) for x in lats]
        out: List[est.Estimate] = []
        for i, r in enumerate((raw, cols)):
            start = time.perf_counter()
            out.append(est.estimate(r, resamples=resamples))
            times[i] += time.perf_counter() - start
        er, ec = out
        cov[0] += er.low <= 1.0 <= er.high
        cov[1] += ec.low <= 1.0 <= ec.high
        t_both += ec.t_interval is not None and ec.t_interval[0] <= ec.bootstrap[0] and \
            ec.bootstrap[1] <= ec.t_interval[1]
        diffs.append(max(abs(er.low - ec.low), abs(er.high - ec.high)) / ec.value)
        widths.append((ec.high - ec.low) / (er.high - er.low))
    return Row(cov[0] / trials, cov[1] / trials, t_both / trials, max(diffs), float(np.median(widths)),
               times[0] / trials * 1e3, times[1] / trials * 1e3)


SCENARIOS: List[Tuple[int, float, int, float]] = [
    (r, b, n, rho) for r in (2, 3, 5, 10) for b in (0.003, 0.02, 0.1) for n, rho in ((300, 0.0), (3000, 0.5))
]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=300)
    p.add_argument("--resamples", type=int, default=1000)
    args = p.parse_args()
    print(f"synthetic processes, within sigma {WITHIN_SIGMA}; {args.trials} trials per row, "
          f"{args.resamples} resamples")
    print(f"{'R':>3} {'between':>7} {'n':>5} {'rho':>4} {'cov raw':>8} {'cov cols':>8} {'t sets CI':>9} "
          f"{'max |Δend|':>10} {'width c/r':>9} {'ms raw':>7} {'ms cols':>7}")
    for i, (r, b, n, rho) in enumerate(SCENARIOS):
        row = scenario(r, b, n, rho, args.trials, args.resamples, seed=i)
        print(f"{r:3d} {b:7.1%} {n:5d} {rho:4.1f} {row.covered_raw:8.1%} {row.covered_columns:8.1%} "
              f"{row.t_sets_both:9.1%} {row.max_diff:10.2%} {row.width_ratio:9.3f} {row.ms_raw:7.2f} "
              f"{row.ms_columns:7.2f}", flush=True)


if __name__ == "__main__":
    main()
