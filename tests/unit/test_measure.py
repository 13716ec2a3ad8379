"""The stopping rule (with a fake clock) and the latency statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from runner.cell import Budget
from runner.measure import loop, stats


class FakeClock:
    """A clock that advances by the next planned latency each time a step runs."""

    def __init__(self, latencies_ns):
        self.now = 0
        self.latencies = iter(latencies_ns)

    def __call__(self) -> int:
        return self.now

    def step(self) -> None:
        self.now += next(self.latencies)


def run_steady(budget, latencies):
    clock = FakeClock(latencies)
    return loop.steady(clock.step, budget, clock=clock)


def test_constant_latency_converges_once_minimums_are_met():
    budget = Budget(min_iterations=10, min_time_s=0.05, max_time_s=1.0, target_rel_ci=0.01)
    result = run_steady(budget, [1_000_000] * 10_000)  # 1 ms each
    assert result.converged
    assert len(result.latencies_ns) == 50  # min_time_s dominates: 50 x 1 ms
    assert result.rel_ci == 0


def test_noisy_latency_stops_at_the_time_budget_unconverged():
    rng = np.random.default_rng(1)
    lat = (rng.lognormal(0, 1.0, 100_000) * 1e6).astype(int)
    budget = Budget(min_iterations=5, min_time_s=0.01, max_time_s=0.2, target_rel_ci=0.001)
    result = run_steady(budget, lat)
    assert not result.converged
    assert sum(result.latencies_ns) >= 0.2e9
    assert sum(result.latencies_ns[:-1]) < 0.2e9 + max(result.latencies_ns)


def test_moderate_noise_converges_before_the_budget():
    rng = np.random.default_rng(2)
    lat = (1e6 * (1 + 0.05 * rng.standard_normal(100_000))).astype(int)
    budget = Budget(min_iterations=10, min_time_s=0.01, max_time_s=100.0, target_rel_ci=0.01)
    result = run_steady(budget, lat)
    assert result.converged and result.rel_ci <= 0.01
    assert len(result.latencies_ns) < 2000


def test_min_iterations_dominate_slow_models():
    budget = Budget(min_iterations=7, min_time_s=0.0, max_time_s=0.0, target_rel_ci=0.5)
    assert len(run_steady(budget, [10**9] * 100).latencies_ns) == 7


def test_warmup_runs_count_and_time():
    clock = FakeClock([1_000_000] * 1000)
    n = loop.warmup(clock.step, Budget(warmup_iterations=3, warmup_s=0.010), clock=clock)
    assert n == 10
    clock = FakeClock([1_000_000] * 1000)
    assert loop.warmup(clock.step, Budget(warmup_iterations=3, warmup_s=0.0), clock=clock) == 3


@pytest.mark.parametrize("q", [0, 1, 37.5, 50, 90, 99, 100])
def test_percentile_matches_numpy(q):
    values = sorted(np.random.default_rng(3).exponential(size=101).tolist())
    assert stats.percentile(values, q) == pytest.approx(np.percentile(values, q))


def test_median_ci_brackets_the_median_and_needs_six_values():
    assert stats.median_ci95([1, 2, 3, 4, 5]) is None
    values = sorted(np.random.default_rng(4).normal(10, 1, 400).tolist())
    lo, hi = stats.median_ci95(values)
    assert lo < stats.percentile(values, 50) < hi
    assert hi - lo < 0.5


def test_median_ci_covers_the_true_median_about_95_percent_of_the_time():
    rng = np.random.default_rng(5)
    covered = 0
    for _ in range(400):
        lo, hi = stats.median_ci95(sorted(rng.exponential(size=60).tolist()))
        covered += lo <= math.log(2) <= hi
    assert 0.90 <= covered / 400 <= 0.99


def test_summarize():
    s = stats.summarize([0.001, 0.002, 0.003, 0.004], batch_size=8)
    assert s["iterations"] == 4
    assert s["latency_mean_s"] == pytest.approx(0.0025)
    assert s["latency_p50_s"] == pytest.approx(0.0025)
    assert s["throughput_items_per_s"] == pytest.approx(3200)
    assert s["latency_std_s"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 1000)
    assert s["latency_p50_ci95_low_s"] is None
