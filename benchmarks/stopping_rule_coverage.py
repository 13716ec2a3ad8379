"""Coverage of the stopping rule's CI of the median on synthetic streams (fake clock; no processes, no timing).

    .venv/bin/python benchmarks/stopping_rule_coverage.py [--streams 400] [--target 0.02]

For lag-1 autocorrelation ρ = 0, 0.5, 0.9 of lognormal noise around a known median, every stream runs through
``runner.measure.loop.steady`` as a worker would; the table gives how often the stored CI covers the true
median (and how often the independent-samples order-statistic interval would have), how often the cell
converged, and the median iterations. Drifting streams (latency growing per call) show how often drift
stops convergence. The unit tests (``tests/unit/test_stopping_rule.py``) assert on fewer streams.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout: the streams live in the tests

from runner.cell import Budget  # noqa: E402
from tests.unit.test_stopping_rule import coverage  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--streams", type=int, default=400)
    p.add_argument("--target", type=float, default=0.02)
    args = p.parse_args()
    budget = Budget(min_iterations=10, min_time_s=0.05, max_time_s=6.0, target_rel_ci=args.target)
    print(f"lognormal streams, sigma 0.1, median 1 ms, target ±{args.target:.0%}, max_time_s 6 (fake clock)")
    print(f"{'rho':>4} {'streams':>7} {'covered':>8} {'indep.':>7} {'converged':>9} {'drift stops':>11} {'n':>6}")
    for rho in (0.0, 0.5, 0.9):
        c = coverage(rho, count=args.streams, budget=budget, seed=1)
        print(f"{rho:4.1f} {c.streams:7d} {c.covered:8.1%} {c.covered_independent:7.1%} {c.converged:9.1%} "
              f"{c.drift_stops:11.1%} {c.median_iterations:6d}")
    short = Budget(min_iterations=10, min_time_s=0.05, max_time_s=1.0, target_rel_ci=args.target)
    print("\ndrifting streams (rho 0.5, max_time_s 1):")
    print(f"{'drift/call':>10} {'converged':>9} {'drift stops':>11} {'n':>6}")
    for drift in (1e-4, 2e-4, 5e-4):
        c = coverage(0.5, count=args.streams // 4, budget=short, drift_per_call=drift, seed=2)
        print(f"{drift:10.0e} {c.converged:9.1%} {c.drift_stops:11.1%} {c.median_iterations:6d}")


if __name__ == "__main__":
    main()
