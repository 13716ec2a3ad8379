"""The configuration estimator on synthetic repetitions with a known between-process spread."""

from __future__ import annotations

import math

import numpy as np
import pytest

from runner import estimate as est
from runner.bootstrap import welch
from runner.measure.stats import median_ci95


def process(rng: np.random.Generator, sigma_between: float, n: int = 300, sigma_within: float = 0.1,
            shift: float = 1.0, raw: bool = False) -> est.Repetition:
    """One fresh process: its p50 is drawn around ``shift`` (the true configuration median), then n latencies."""
    p50 = shift * math.exp(sigma_between * rng.standard_normal())
    lat = p50 * np.exp(sigma_within * rng.standard_normal(n))
    if raw:
        return est.Repetition(float(np.median(lat)), latencies=lat)
    lo, hi = median_ci95(lat)
    return est.Repetition(float(np.median(lat)), lo, hi)


def coverage(reps: int, sigma_between: float, trials: int = 200, raw: bool = False):
    """Share of trials whose CI (and whose bootstrap part alone) covers the true median 1.0."""
    rng = np.random.default_rng(reps * 100 + int(sigma_between * 1000))
    both = boot = 0
    for _ in range(trials):
        e = est.estimate([process(rng, sigma_between, raw=raw) for _ in range(reps)], resamples=1000)
        both += e.low <= 1.0 <= e.high
        boot += e.bootstrap[0] <= 1.0 <= e.bootstrap[1]
    return both / trials, boot / trials


@pytest.mark.parametrize("reps", [3, 5, 10])
def test_the_ci_covers_the_configuration_median_with_between_process_spread(reps):
    covered, _ = coverage(reps, 0.10)
    assert 0.90 <= covered <= 0.995


def test_a_bootstrap_over_three_processes_alone_would_undercover():
    covered, boot_only = coverage(3, 0.10)
    assert boot_only < 0.88 < covered


def test_raw_latencies_and_ci_columns_give_the_same_coverage():
    assert coverage(5, 0.05, trials=100, raw=True)[0] >= 0.88


def test_the_ci_columns_stand_in_for_the_raw_latencies():
    """The stored CI columns are median_ci95 of the stored latencies: with them the estimator needs no latencies
    (benchmarks/estimate_raw_vs_columns.py measures the difference over many trials)."""
    rng = np.random.default_rng(11)
    raw = [process(rng, 0.003, n=3000, raw=True) for _ in range(5)]  # within-process spread sets the CI
    cols = [est.Repetition(r.value, *median_ci95(r.latencies)) for r in raw]
    both = [est.Repetition(c.value, c.low, c.high, r.latencies) for c, r in zip(cols, raw)]
    e_raw, e_cols = est.estimate(raw), est.estimate(cols)
    assert est.estimate(both) == e_cols and e_raw.within_rel_ci == pytest.approx(e_cols.within_rel_ci)
    assert e_cols.t_interval[0] > e_cols.bootstrap[0]  # the bootstrap, i.e. the within-process level, sets it
    assert abs(e_raw.low - e_cols.low) < 0.005 * e_cols.value and abs(e_raw.high - e_cols.high) < 0.005 * e_cols.value


def test_one_repetition_has_no_ci_and_says_why():
    e = est.estimate([est.Repetition(1.0, 0.99, 1.01)])
    assert not e.has_ci and e.low is None and e.values == (1.0,)
    assert e.notes() == ["1 repetition: between-process variance unknown, no CI"]


def test_two_or_three_repetitions_are_approximate_and_dominance_is_quantified():
    reps = [est.Repetition(v, v * 0.995, v * 1.005) for v in (1.0, 1.3, 0.8)]
    e = est.estimate(reps)
    assert e.has_ci and e.low < 1.0 < e.high and e.value == 1.0
    assert e.between_cv == pytest.approx(np.std([1.0, 1.3, 0.8], ddof=1) / np.mean([1.0, 1.3, 0.8]))
    assert e.within_rel_ci == pytest.approx(0.005) and e.dominated and e.unstable
    notes = " ".join(e.notes())
    assert "3 repetitions: the CI is approximate" in notes and "CV 24.4%" in notes and "±0.5%" in notes
    quiet = est.estimate([est.Repetition(v, v * 0.9, v * 1.1) for v in (1.0, 1.01, 0.99, 1.0, 1.0)])
    assert not quiet.dominated and not quiet.unstable and quiet.notes() == []


def test_the_t_interval_is_the_textbook_one():
    vals = [2.0, 2.2, 1.9]
    e = est.estimate(est.values(vals))
    logs = np.log(vals)
    half = 4.302653 * logs.std(ddof=1) / math.sqrt(3)
    assert e.t_interval == pytest.approx((math.exp(logs.mean() - half), math.exp(logs.mean() + half)))


def test_a_a_ratios_rarely_exclude_one_and_a_real_change_is_found():
    rng = np.random.default_rng(3)
    false = sum(est.ratio([process(rng, 0.1) for _ in range(3)], [process(rng, 0.1) for _ in range(3)],
                          resamples=1000).direction() != 0 for _ in range(200))
    assert false / 200 <= 0.05
    slower = est.ratio([process(rng, 0.02) for _ in range(3)], [process(rng, 0.02, shift=1.15) for _ in range(3)])
    assert slower.direction() == 1 and 1.05 < slower.low < slower.value < slower.high < 1.3


def test_welch_interval_and_point_ratio_without_repetitions():
    a, b = [1.0, 1.1, 0.9], [2.0, 2.2, 1.8]
    r = est.ratio(est.values(a), est.values(b))
    assert r.value == pytest.approx(2.0) and r.low < 2.0 < r.high and r.direction() == 1
    lo, hi = welch(np.array(a), np.array(b))
    assert lo == pytest.approx(r.low, rel=0.2) or r.low <= lo
    single = est.ratio(est.values([1.0]), est.values([2.0, 2.1, 1.9]))
    assert single.value == 2.0 and not single.has_ci and single.direction() == 0
    assert est.ratio([], est.values([1.0])) is None


def test_estimates_are_reproducible():
    reps = [est.Repetition(v, v * 0.98, v * 1.02) for v in (1.0, 1.1, 0.95, 1.05)]
    assert est.estimate(reps) == est.estimate(reps)
