"""Statistics for reports, numpy only: bootstrap CIs of a ratio of medians, Spearman's rank correlation.

Every resampling uses a fixed seed, so a report on the same data prints the same intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

SEED = 20240213
RESAMPLES = 2000
#: Samples per side kept for the bootstrap (a random subset beyond this; the CI only gets wider).
SAMPLE_CAP = 4000
#: A change smaller than this fraction is "no practical difference", whatever its CI.
PRACTICAL_THRESHOLD = 0.02


@dataclass(frozen=True)
class Ratio:
    """A ratio B/A with a 95% interval (``low``/``high`` are None when no interval could be computed)."""

    value: float
    low: Optional[float] = None
    high: Optional[float] = None
    method: str = ""

    @property
    def has_ci(self) -> bool:
        return self.low is not None and self.high is not None

    def sign(self, threshold: float = PRACTICAL_THRESHOLD) -> int:
        """-1 when B is clearly smaller than A, +1 when clearly larger, 0 when not distinguishable."""
        if abs(self.value - 1.0) < threshold:
            return 0
        if self.has_ci and self.low <= 1.0 <= self.high:
            return 0
        return -1 if self.value < 1.0 else 1

    def text(self) -> str:
        ci = f" (95% CI {self.low:.3f}–{self.high:.3f})" if self.has_ci else " (no CI)"
        return f"{self.value:.3f}{ci}"


def _cap(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(x, SAMPLE_CAP, replace=False) if len(x) > SAMPLE_CAP else x


def boot_medians(x: np.ndarray, rng: np.random.Generator, resamples: int = RESAMPLES) -> np.ndarray:
    """Medians of ``resamples`` bootstrap resamples of ``x`` (vectorised, in chunks to bound memory)."""
    x = _cap(np.asarray(x, dtype=float), rng)
    rows = max(1, 2_000_000 // max(len(x), 1))
    out = [np.median(x[rng.integers(0, len(x), size=(min(rows, resamples - i), len(x)))], axis=1)
           for i in range(0, resamples, rows)]
    return np.concatenate(out)


def ratio_of_medians(a: Sequence[float], b: Sequence[float], resamples: int = RESAMPLES) -> Optional[Ratio]:
    """median(b)/median(a) with a percentile-bootstrap 95% CI (each side resampled); None without data."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) == 0 or len(b) == 0 or np.median(a) <= 0:
        return None
    value = float(np.median(b) / np.median(a))
    if len(a) < 2 or len(b) < 2:
        return Ratio(value, method="point")
    rng = np.random.default_rng(SEED)
    ratios = boot_medians(b, rng, resamples) / boot_medians(a, rng, resamples)
    low, high = np.quantile(ratios, [0.025, 0.975])
    return Ratio(value, float(low), float(high), "bootstrap")


def ratio_from_intervals(a: float, a_lo: Optional[float], a_hi: Optional[float], b: float,
                         b_lo: Optional[float], b_hi: Optional[float]) -> Ratio:
    """b/a with the conservative interval [b_lo/a_hi, b_hi/a_lo] when both sides have intervals."""
    if None in (a_lo, a_hi, b_lo, b_hi) or any(map(_nan, (a_lo, a_hi, b_lo, b_hi))) or not a_lo:
        return Ratio(b / a, method="point")
    return Ratio(b / a, b_lo / a_hi, b_hi / a_lo, "p50 CI columns")


def _nan(x: Optional[float]) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


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


def _ranks2d(x: np.ndarray) -> np.ndarray:
    """Average ranks (from 1) of each row of ``x``; ties share their mean rank."""
    n = x.shape[1]
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    pos = np.arange(n)
    new = np.ones_like(xs, dtype=bool)
    new[:, 1:] = xs[:, 1:] != xs[:, :-1]
    last = np.ones_like(xs, dtype=bool)
    last[:, :-1] = new[:, 1:]
    start = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
    end = np.minimum.accumulate(np.where(last, pos, n - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty(x.shape)
    np.put_along_axis(ranks, order, (start + end) / 2.0 + 1.0, axis=1)
    return ranks


def _rowwise_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (a * b).sum(axis=1) / den, np.nan)


def spearman_ci(x: Sequence[float], y: Sequence[float], resamples: int = RESAMPLES) -> Ratio:
    """ρ with a percentile-bootstrap 95% CI over the pairs (``Ratio`` reused as value + interval)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rho = spearman(x, y)
    rng = np.random.default_rng(SEED)
    idx = rng.integers(0, len(x), size=(resamples, len(x)))
    rows = max(1, 2_000_000 // max(len(x), 1))
    boots = np.concatenate([_rowwise_pearson(_ranks2d(x[idx[i:i + rows]]), _ranks2d(y[idx[i:i + rows]]))
                            for i in range(0, resamples, rows)])
    boots = boots[~np.isnan(boots)]
    if math.isnan(rho) or len(boots) < resamples // 2:
        return Ratio(rho, method="spearman")
    low, high = np.quantile(boots, [0.025, 0.975])
    return Ratio(rho, float(low), float(high), "spearman bootstrap")
