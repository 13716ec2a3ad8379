"""Coverage of the stopping rule's CI of the median on synthetic latency streams, with a fake clock.

Streams are lognormal around a known median (1 ms) with AR(1) noise of lag-1 autocorrelation ρ; every stream
runs through ``loop.steady`` exactly as a worker would, and the stored CI (``stats.median_ci95`` of the
returned latencies) is checked against the true median. The same streams judged with the order-statistic
interval that assumes independent samples show why the dependence correction is needed.
``benchmarks/stopping_rule_coverage.py`` prints the full table with more streams.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import List

import numpy as np
import pytest

from runner.cell import Budget
from runner.measure import loop, stats

MEDIAN_NS = 1_000_000
BUDGET = Budget(min_iterations=10, min_time_s=0.05, max_time_s=6.0, target_rel_ci=0.02)


def streams(count: int, n: int, rho: float, sigma: float = 0.1, drift_per_call: float = 0.0,
            seed: int = 0) -> np.ndarray:
    """``count`` latency streams (ns) of length ``n``: median 1 ms × exp(σ · AR(1)) × (1 + drift · i)."""
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((n, count))
    x = np.empty((n, count))
    x[0] = e[0]
    scale = math.sqrt(1.0 - rho * rho)
    for i in range(1, n):
        x[i] = rho * x[i - 1] + scale * e[i]
    growth = 1.0 + drift_per_call * np.arange(n)[:, None]
    return (MEDIAN_NS * np.exp(sigma * x) * growth).astype(np.int64).T


class FakeClock:
    """Advances by the next planned latency each time a step runs."""

    def __init__(self, latencies_ns: List[int]) -> None:
        self.now = 0
        self.latencies = iter(latencies_ns)

    def __call__(self) -> int:
        return self.now

    def step(self) -> None:
        self.now += next(self.latencies)


def independent_ci(values) -> tuple:
    """The order-statistic interval that assumes independent samples (the rule this one replaced)."""
    s = np.sort(values)
    n = len(s)
    half = stats.Z95 * math.sqrt(n) / 2
    return s[max(int(math.floor(n / 2 - half)), 0)], s[min(int(math.ceil(n / 2 + half)), n - 1)]


@dataclass
class Coverage:
    streams: int
    covered: float  # share of stored CIs that contain the true median
    covered_independent: float  # the same with the independent-samples interval
    converged: float
    drift_stops: float
    median_iterations: int


@functools.cache
def coverage(rho: float, count: int = 150, budget: Budget = BUDGET, drift_per_call: float = 0.0,
             seed: int = 0) -> Coverage:
    """Run ``count`` streams through the stopping rule; how often the stored CI covers the true median."""
    data = streams(count, int(budget.max_time_s * 1e3 * 1.2), rho, drift_per_call=drift_per_call, seed=seed)
    hits = hits_iid = conv = drifts = 0
    ns = []
    for row in data:
        clock = FakeClock(row.tolist())
        result = loop.steady(clock.step, budget, clock=clock)
        lo, hi = stats.median_ci95(result.latencies_ns)
        ilo, ihi = independent_ci(result.latencies_ns)
        hits += lo <= MEDIAN_NS <= hi
        hits_iid += ilo <= MEDIAN_NS <= ihi
        conv += result.converged
        drifts += result.stop == "drift"
        ns.append(len(result.latencies_ns))
    return Coverage(count, hits / count, hits_iid / count, conv / count, drifts / count, int(np.median(ns)))


@pytest.mark.parametrize("rho, at_least", [(0.0, 0.92), (0.5, 0.90), (0.9, 0.82)])
def test_the_stored_ci_covers_the_true_median_under_autocorrelation(rho, at_least):
    c = coverage(rho)
    assert c.covered >= at_least, c
    assert c.converged >= 0.9, c
    assert c.drift_stops <= 0.05, c  # stationary streams are rarely mistaken for drift


def test_the_independent_samples_interval_fails_where_this_one_holds():
    c = coverage(0.9)
    assert c.covered_independent < 0.6 < c.covered, c


def test_drifting_streams_do_not_converge():
    # +0.05% per call: +25% over 500 calls, the halves' medians 12% apart against a ±2% target
    c = coverage(0.5, count=60, budget=Budget(min_iterations=10, min_time_s=0.05, max_time_s=1.0,
                                             target_rel_ci=0.02), drift_per_call=5e-4)
    assert c.converged <= 0.1 and c.drift_stops >= 0.85, c
