"""Bootstrap ratios and rank correlation against answers known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from runner.report.stats import Ratio, rankdata, ratio_from_intervals, ratio_of_medians, spearman, spearman_ci


def test_rankdata_averages_ties():
    assert rankdata([3, 1, 3, 2, 2, 2]).tolist() == [5.5, 1.0, 5.5, 3.0, 3.0, 3.0]


def test_spearman_of_monotone_and_reversed_data():
    x = [1.0, 2.0, 5.0, 9.0, 11.0]
    assert spearman(x, [v ** 3 for v in x]) == pytest.approx(1.0)
    assert spearman(x, [-v for v in x]) == pytest.approx(-1.0)
    assert np.isnan(spearman(x, [1.0] * 5))


def test_spearman_ci_brackets_the_estimate():
    rng = np.random.default_rng(0)
    x = rng.random(40)
    r = spearman_ci(x, x + 0.2 * rng.random(40))
    assert r.has_ci and r.low <= r.value <= r.high and r.low > 0.5


def test_ratio_of_medians_finds_a_doubling_and_no_change():
    rng = np.random.default_rng(1)
    a = 1e-3 * (1 + 0.05 * rng.standard_normal(500))
    doubled = ratio_of_medians(a, 2 * a)
    assert doubled.sign() == 1 and 1.9 < doubled.low <= doubled.value <= doubled.high < 2.1
    same = ratio_of_medians(a, 1e-3 * (1 + 0.05 * rng.standard_normal(500)))
    assert same.sign() == 0 and same.low < 1.02 and same.high > 0.98


def test_ratio_signs_respect_the_practical_threshold_and_the_ci():
    assert Ratio(1.01, 1.005, 1.015).sign() == 0  # significant but below 2%
    assert Ratio(1.10, 0.95, 1.30).sign() == 0  # CI includes 1
    assert Ratio(0.80, 0.75, 0.85).sign() == -1
    assert Ratio(1.5).sign() == 1 and "no CI" in Ratio(1.5).text()


def test_ratio_from_intervals_is_conservative():
    r = ratio_from_intervals(1.0, 0.9, 1.1, 2.0, 1.8, 2.2)
    assert r.value == 2.0 and r.low == 1.8 / 1.1 and r.high == 2.2 / 0.9
    assert not ratio_from_intervals(1.0, None, None, 2.0, 1.8, 2.2).has_ci
