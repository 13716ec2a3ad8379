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


def test_constant_latency_converges_at_the_second_check_after_the_minimums():
    budget = Budget(min_iterations=10, min_time_s=0.05, max_time_s=1.0, target_rel_ci=0.01)
    result = run_steady(budget, [1_000_000] * 10_000)  # 1 ms each
    assert result.converged and result.stop == "converged"
    assert len(result.latencies_ns) == 55  # first check at 50 (min_time_s), the second 5 iterations later
    assert result.rel_ci == 0 and result.drift_rel == 0


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


def test_max_time_is_a_hard_cap_that_min_iterations_yield_to():
    budget = Budget(min_iterations=7, min_time_s=0.0, max_time_s=2.5, target_rel_ci=0.5)
    result = run_steady(budget, [10**9] * 100)  # 1 s per call
    assert len(result.latencies_ns) == 3 and not result.converged and result.stop == "min_iterations"
    text = loop.stop_warning(result.stop, 3, None, None, budget)
    assert "only 3 of min_iterations 7" in text and "max_time_s 2.5" in text


def test_min_iterations_are_kept_when_they_fit_in_the_time_cap():
    budget = Budget(min_iterations=7, min_time_s=0.0, max_time_s=100.0, target_rel_ci=0.5)
    result = run_steady(budget, [10**9] * 100)
    assert len(result.latencies_ns) >= 7 and result.converged


def test_a_single_calm_check_is_not_convergence():
    # calm long enough for the first check (at 60) to pass, then noisy: the second check (at 120) fails
    rng = np.random.default_rng(7)
    calm = [1_000_000] * 60
    noisy = (1e6 * rng.lognormal(0, 0.5, 50_000)).astype(int).tolist()
    budget = Budget(min_iterations=10, min_time_s=0.06, max_time_s=0.5, target_rel_ci=0.001)
    clock = FakeClock(calm + noisy)
    result = loop.steady(clock.step, budget, clock=clock, check_every=60)
    assert not result.converged and result.stop == "max_time" and result.rel_ci > 0.001
    clock = FakeClock(calm * 100)
    assert loop.steady(clock.step, budget, clock=clock, check_every=60).latencies_ns == calm * 2


def test_convergence_needs_two_consecutive_passing_checks():
    checks = loop._Checks(Budget(target_rel_ci=0.01))
    calm = [1_000_000 + i % 3 for i in range(200)]
    noisy = (1e6 * np.random.default_rng(10).lognormal(0, 0.5, 200)).astype(int).tolist()
    assert [checks.check(x) for x in (calm, noisy, calm, calm)] == [False, False, False, True]


def test_a_drifting_stream_never_converges_and_says_why():
    rng = np.random.default_rng(8)
    n = np.arange(200_000)
    lat = (1e6 * (1 + 1e-2 * n) * (1 + 0.01 * rng.standard_normal(len(n)))).astype(int).tolist()
    budget = Budget(min_iterations=10, min_time_s=0.05, max_time_s=2.0, target_rel_ci=0.05)
    result = run_steady(budget, lat)
    assert not result.converged and result.stop == "drift" and result.drift_rel > 0.05
    assert "drifted +" in loop.stop_warning(result.stop, 10, result.rel_ci, result.drift_rel, budget)


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


def test_median_ci_brackets_the_median_and_needs_sixteen_values():
    assert stats.median_ci95(list(range(stats.MIN_CI_N - 1))) is None
    values = np.random.default_rng(4).normal(10, 1, 400).tolist()
    lo, hi = stats.median_ci95(values)
    assert lo < float(np.median(values)) < hi
    assert hi - lo < 0.5


def test_median_ci_covers_the_true_median_of_independent_skewed_data():
    rng = np.random.default_rng(5)
    covered = 0
    for _ in range(400):
        lo, hi = stats.median_ci95(rng.exponential(size=60).tolist())
        covered += lo <= math.log(2) <= hi
    assert 0.93 <= covered / 400 <= 1.0


def test_median_ci_widens_with_autocorrelation():
    rng = np.random.default_rng(6)
    iid = rng.standard_normal(2000)
    ar = np.empty(2000)
    ar[0] = iid[0]
    for i in range(1, 2000):
        ar[i] = 0.9 * ar[i - 1] + math.sqrt(1 - 0.81) * iid[i]
    width = lambda x: np.subtract(*stats.median_ci95(x)[::-1])  # noqa: E731
    assert stats.autocorr_factor(iid) < 2 < 5 < stats.autocorr_factor(ar)
    assert width(ar) > 2 * width(iid)
    assert stats.lag1(ar) == pytest.approx(0.9, abs=0.05) and abs(stats.lag1(iid)) < 0.1


def test_t_quantiles_match_the_tables():
    assert stats.t975(2) == pytest.approx(4.303, abs=1e-3) and stats.t975(19) == pytest.approx(2.093, abs=1e-3)
    assert stats.t975(40) == pytest.approx(2.021, abs=2e-3) and stats.t975(120) == pytest.approx(1.980, abs=2e-3)
    assert stats.t975(10**6) == pytest.approx(1.960, abs=1e-3)


def test_drift_is_significant_only_beyond_noise_and_the_practical_threshold():
    rng = np.random.default_rng(9)
    flat = 1 + 0.05 * rng.standard_normal(1000)
    ramp = flat * np.linspace(1.0, 1.2, 1000)
    assert not stats.drift(flat).significant(0.01)
    d = stats.drift(ramp)
    assert d.significant(0.01) and 0.05 < d.rel < 0.15 and not d.significant(0.5)


def test_summarize():
    s = stats.summarize([0.001, 0.002, 0.003, 0.004], batch_size=8)
    assert s["iterations"] == 4
    assert s["latency_mean_s"] == pytest.approx(0.0025)
    assert s["latency_p50_s"] == pytest.approx(0.0025)
    assert s["throughput_items_per_s"] == pytest.approx(3200)
    assert s["latency_std_s"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 1000)
    assert s["latency_p50_ci95_low_s"] is None
    assert s["latency_p90_s"] is None and s["latency_p99_s"] is None  # too few values for the tails


@pytest.mark.parametrize("n, p90, p99", [(99, False, False), (100, True, False), (999, True, False),
                                         (1000, True, True)])
def test_tail_percentiles_need_enough_iterations(n, p90, p99):
    s = stats.summarize([0.001 * (1 + i % 7) for i in range(n)])
    assert (s["latency_p90_s"] is not None, s["latency_p99_s"] is not None) == (p90, p99)
    assert s["iterations"] == n and s["latency_lag1_autocorr"] is not None
