"""Rank correlation and the group-level bootstrap against answers known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from runner.report.stats import median_ci, rankdata, spearman


def test_rankdata_averages_ties():
    assert rankdata([3, 1, 3, 2, 2, 2]).tolist() == [5.5, 1.0, 5.5, 3.0, 3.0, 3.0]


def test_spearman_of_monotone_and_reversed_data():
    x = [1.0, 2.0, 5.0, 9.0, 11.0]
    assert spearman(x, [v ** 3 for v in x]) == pytest.approx(1.0)
    assert spearman(x, [-v for v in x]) == pytest.approx(-1.0)
    assert np.isnan(spearman(x, [1.0] * 5))


def test_median_ci_brackets_the_median_and_is_reproducible():
    values = [0.2, 0.5, 0.6, 0.7, 0.9, 0.95]
    low, high = median_ci(values)
    assert low <= float(np.median(values)) <= high and (low, high) == median_ci(values)
    assert median_ci([1.0, 1.0, 1.0]) == (1.0, 1.0)


def test_median_ci_covers_the_population_median():
    rng = np.random.default_rng(2)
    hits = sum(lo <= 0.0 <= hi for lo, hi in (median_ci(rng.standard_normal(15), resamples=500) for _ in range(200)))
    assert hits / 200 >= 0.88
