"""Report statistics besides the configuration estimator (``runner.estimate``): rank correlation and the
bootstrap CI of a median over a few units (groups), numpy only.

Every resampling uses a fixed seed, so a report on the same data prints the same intervals.
"""

from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np

from runner.estimate import RESAMPLES, SEED

Interval = Tuple[float, float]


def rankdata(x: Sequence[float]) -> np.ndarray:
    """Ranks from 1, ties get their average rank (as scipy.stats.rankdata's default)."""
    x = np.asarray(x, dtype=float)
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    new = np.r_[True, xs[1:] != xs[:-1]]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(x)]
    ranks = np.empty(len(x))
    ranks[order] = ((starts + ends - 1) / 2.0 + 1.0)[np.cumsum(new) - 1]
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation; nan when either side is constant or there are fewer than 3 points."""
    if len(x) < 3:
        return float("nan")
    rx, ry = rankdata(x), rankdata(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def median_ci(values: Sequence[float], resamples: int = RESAMPLES, seed: int = SEED) -> Interval:
    """Percentile-bootstrap 95% CI of the median of ``values`` (units such as groups, resampled whole)."""
    x = np.asarray(values, dtype=float)
    idx = np.random.default_rng(seed).integers(0, len(x), size=(resamples, len(x)))
    low, high = np.quantile(np.median(x[idx], axis=1), [0.025, 0.975])
    return float(low), float(high)
