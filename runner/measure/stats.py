"""Summary statistics of latencies (standard library only, Python >= 3.9).

The 95% confidence interval of the median is distribution-free: the order statistics at ranks
``n/2 ± 1.96·sqrt(n)/2`` (normal approximation to the binomial), so it needs no assumption about the shape
of the latency distribution (which is usually skewed with a long right tail).
"""

from __future__ import annotations

import math
from typing import Dict, Optional, Sequence, Tuple

Z95 = 1.959964
CV_WARN = 0.10  # a coefficient of variation above this is flagged as high variance (run and report)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); ``q`` in [0, 100]."""
    if not sorted_values:
        raise ValueError("percentile of an empty sequence")
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def median_ci95(sorted_values: Sequence[float]) -> Optional[Tuple[float, float]]:
    """Distribution-free 95% CI of the median, or None when there are too few values (n < 6)."""
    n = len(sorted_values)
    if n < 6:
        return None
    half = Z95 * math.sqrt(n) / 2.0
    lo = max(int(math.floor(n / 2.0 - half)), 0)
    hi = min(int(math.ceil(n / 2.0 + half)), n - 1)
    return sorted_values[lo], sorted_values[hi]


def relative_ci_halfwidth(sorted_values: Sequence[float]) -> float:
    """Half the CI width divided by the median (inf when it cannot be computed yet)."""
    ci = median_ci95(sorted_values)
    med = percentile(sorted_values, 50) if sorted_values else 0.0
    if ci is None or med <= 0:
        return math.inf
    return (ci[1] - ci[0]) / 2.0 / med


def summarize(values: Sequence[float], batch_size: int = 1) -> Dict[str, Optional[float]]:
    """The steady-state columns of the cells table from latencies in seconds."""
    s = sorted(values)
    n = len(s)
    mean = sum(s) / n
    std = math.sqrt(sum((x - mean) ** 2 for x in s) / (n - 1)) if n > 1 else 0.0
    ci = median_ci95(s)
    return {
        "iterations": n,
        "latency_mean_s": mean,
        "latency_std_s": std,
        "latency_min_s": s[0],
        "latency_p50_s": percentile(s, 50),
        "latency_p90_s": percentile(s, 90),
        "latency_p99_s": percentile(s, 99),
        "latency_max_s": s[-1],
        "latency_p50_ci95_low_s": ci[0] if ci else None,
        "latency_p50_ci95_high_s": ci[1] if ci else None,
        "latency_cv": std / mean if mean > 0 else None,
        "throughput_items_per_s": batch_size / mean if mean > 0 else None,
    }
