"""Latency statistics and the confidence interval of the stopping rule (worker side: stdlib + numpy, Python 3.9).

Latencies within one process are autocorrelated (caches, clock frequency, neighbours, heat), so the 95% CI
of the median must not assume independent samples. It is the order-statistic interval, widened by the
dependence of the data::

    ranks  n/2 ± t(k-1) · sqrt(n · τ) / 2   of the sorted values

where ``τ`` is the integrated autocorrelation time of the indicator series ``1{x_i <= median}`` (how many
correlated samples count as one independent sample), estimated by batch means over ``k = max(4, √n / 2)``
contiguous batches and never taken below 1. For independent samples this is the classical distribution-free
interval; under autocorrelation it widens as the data demand. The t quantile with ``k - 1`` degrees of freedom
pays for estimating ``τ`` from few batches. Measured coverage is in ``tests/unit/test_stopping_rule.py``.

``drift`` compares the medians of the first and second halves of the series, each with this interval, so a
slow trend (heat, a neighbour starting up) is told apart from the wandering of autocorrelated noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

Z95 = 1.959964
CV_WARN = 0.10  # a coefficient of variation above this is flagged as high variance (run and report)
MIN_CI_N = 16  # fewer values than this give no CI: four batches of four are the least that estimate τ
#: Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (beyond: Cornish-Fisher expansion).
_T975 = (12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
         2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
         2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272)


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (df >= 1)."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    if df <= len(_T975):
        return _T975[df - 1]
    z = Z95
    terms = ((z ** 3 + z) / 4, (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96,
             (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384)
    return z + sum(g / df ** (i + 1) for i, g in enumerate(terms))


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); ``q`` in [0, 100]."""
    if len(sorted_values) == 0:
        raise ValueError("percentile of an empty sequence")
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(sorted_values) - 1)
    return float(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo))


def batches(n: int) -> int:
    """How many contiguous batches the dependence estimate uses for ``n`` values."""
    return max(4, int(round(math.sqrt(n) / 2)))


def autocorr_factor(values: Sequence[float]) -> Optional[float]:
    """τ >= 1 of the indicator series below the median, from batch means (None below MIN_CI_N values)."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n < MIN_CI_N:
        return None
    k = batches(n)
    m = n // k
    below = (x[: m * k] <= np.median(x)).astype(float).reshape(k, m).mean(axis=1)
    return max(1.0, m * float(below.var(ddof=1)) / 0.25)


def median_ci95(values: Sequence[float], tau: Optional[float] = None) -> Optional[Tuple[float, float]]:
    """95% CI of the median of ``values`` (in time order), robust to autocorrelation; None when n < MIN_CI_N."""
    tau = autocorr_factor(values) if tau is None else tau
    if tau is None:
        return None
    s = np.sort(np.asarray(values, dtype=float))
    n = len(s)
    half = t975(batches(n) - 1) * math.sqrt(n * tau) / 2.0
    lo = max(int(math.floor(n / 2.0 - half)), 0)
    hi = min(int(math.ceil(n / 2.0 + half)), n - 1)
    return float(s[lo]), float(s[hi])


def relative_ci_halfwidth(values: Sequence[float]) -> float:
    """Half the CI width divided by the median (inf when it cannot be computed yet)."""
    ci = median_ci95(values)
    med = float(np.median(values)) if len(values) else 0.0
    if ci is None or med <= 0:
        return math.inf
    return (ci[1] - ci[0]) / 2.0 / med


def lag1(values: Sequence[float]) -> Optional[float]:
    """Lag-1 autocorrelation of the series (None with fewer than 3 values or no variance)."""
    x = np.asarray(values, dtype=float)
    if len(x) < 3:
        return None
    d = x - x.mean()
    den = float(np.dot(d, d))
    return float(np.dot(d[:-1], d[1:]) / den) if den > 0 else None


@dataclass(frozen=True)
class Drift:
    """Median of the second half relative to the first: ``rel`` = (m2 - m1) / median, with its standard error."""

    rel: float
    se: Optional[float]

    def significant(self, practical: float) -> bool:
        """Larger than ``practical`` and than its own 95% uncertainty (unknown uncertainty: never)."""
        return self.se is not None and abs(self.rel) > max(practical, Z95 * self.se)


def drift(values: Sequence[float]) -> Optional[Drift]:
    """The first-half vs second-half change of the median (None with fewer than 4 values)."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    med = float(np.median(x)) if n else 0.0
    if n < 4 or med <= 0:
        return None
    first, second = x[: n // 2], x[n // 2:]
    rel = (float(np.median(second)) - float(np.median(first))) / med
    cis = [median_ci95(first), median_ci95(second)]
    if None in cis:
        return Drift(rel, None)
    se = math.sqrt(sum(((hi - lo) / (2 * Z95)) ** 2 for lo, hi in cis)) / med
    return Drift(rel, se)


def enough_for(q: float, n: int) -> bool:
    """Whether ``n`` values support a ``q``-th percentile (n >= 10 / (1 - q/100)): p90 needs 100, p99 1000."""
    return n >= 10.0 / (1.0 - q / 100.0) - 1e-9


def summarize(values: Sequence[float], batch_size: int = 1) -> Dict[str, Optional[float]]:
    """The steady-state columns of the cells table from latencies in seconds, in time order."""
    x = np.asarray(values, dtype=float)
    s = np.sort(x)
    n = len(s)
    mean = float(s.mean())
    std = float(s.std(ddof=1)) if n > 1 else 0.0
    ci = median_ci95(x)
    d = drift(x)
    return {
        "iterations": n,
        "latency_mean_s": mean,
        "latency_std_s": std,
        "latency_min_s": float(s[0]),
        "latency_p50_s": percentile(s, 50),
        "latency_p90_s": percentile(s, 90) if enough_for(90, n) else None,
        "latency_p99_s": percentile(s, 99) if enough_for(99, n) else None,
        "latency_max_s": float(s[-1]),
        "latency_p50_ci95_low_s": ci[0] if ci else None,
        "latency_p50_ci95_high_s": ci[1] if ci else None,
        "latency_cv": std / mean if mean > 0 else None,
        "throughput_items_per_s": batch_size / mean if mean > 0 else None,
        "latency_lag1_autocorr": lag1(x),
        "latency_drift_rel": d.rel if d else None,
    }
