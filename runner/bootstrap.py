"""The interval arithmetic behind ``runner.estimate`` (orchestrator side; numpy only).

    draws          the seeded random numbers of a bootstrap (made once per seed and size)
    boot_medians   hierarchical bootstrap of the median of R repetitions (each redrawn within itself)
    log_t          t-interval on log values, R - 1 degrees of freedom
    welch          Welch's t-interval of a ratio of geometric means
    envelope       the smallest interval holding every given one

Repetitions are anything with ``value``, ``low``, ``high``, ``has_ci`` and ``draw(z)``
(``runner.estimate.Repetition``). Every interval is 95%.
"""

from __future__ import annotations

import functools
import math
from typing import Optional, Sequence, Tuple

import numpy as np

from runner.measure.stats import Z95, t975

Interval = Tuple[float, float]


Draws = Tuple[np.ndarray, np.ndarray]


@functools.lru_cache(maxsize=64)
def draws(seed: int, resamples: int, sizes: Tuple[int, ...]) -> Tuple[Draws, ...]:
    """The random numbers of bootstraps over ``sizes`` repetitions in turn from one seeded generator: per size,
    which repetition each resample draws (``resamples`` × R) and a standard normal for its redraw. They depend
    on nothing else, so they are made once (read-only) for the few sizes a dataset has."""
    rng = np.random.default_rng(seed)
    out = []
    for r in sizes:
        idx, z = rng.integers(0, r, size=(resamples, r)), rng.standard_normal((resamples, r))
        idx.flags.writeable = z.flags.writeable = False
        out.append((idx, z))
    return tuple(out)


def boot_medians(reps: Sequence, drawn: Draws) -> np.ndarray:
    """The medians of R repetitions drawn with replacement, each redrawn (``drawn``: from :func:`draws`): a
    repetition with a CI as a split normal through it (all at once), the others by their own ``draw``."""
    idx, z = drawn
    value = np.array([rep.value for rep in reps])
    known = np.array([rep.has_ci for rep in reps])
    down = np.array([rep.value - rep.low if rep.has_ci else 0.0 for rep in reps]) / Z95
    up = np.array([rep.high - rep.value if rep.has_ci else 0.0 for rep in reps]) / Z95
    draws = value[idx] + z * np.where(z < 0, down[idx], up[idx])
    for i in np.flatnonzero(~known):  # from their raw latencies, or their value alone
        mask = idx == i
        draws[mask] = reps[i].draw(z[mask])
    return row_medians(draws)


def row_medians(x: np.ndarray) -> np.ndarray:
    """``np.median(x, axis=1)`` (the same numbers) by sorting the rows, faster for the few columns of R draws."""
    s = np.sort(x, axis=1)
    k = s.shape[1]
    return s[:, k // 2] if k % 2 else (s[:, k // 2 - 1] + s[:, k // 2]) / 2


def percentiles(boots: np.ndarray) -> Interval:
    """The 2.5th and 97.5th percentiles of bootstrap values."""
    lo, hi = np.quantile(boots, [0.025, 0.975])
    return float(lo), float(hi)


def log_t(values: np.ndarray) -> Optional[Interval]:
    """t-interval on log values (R - 1 degrees of freedom), back-transformed; None below 2 values."""
    if len(values) < 2 or np.any(values <= 0):
        return None
    logs = np.log(values)
    half = t975(len(values) - 1) * logs.std(ddof=1) / math.sqrt(len(values))
    return math.exp(logs.mean() - half), math.exp(logs.mean() + half)


def welch(a: np.ndarray, b: np.ndarray) -> Optional[Interval]:
    """95% CI of exp(mean log b - mean log a) by Welch's t (Welch-Satterthwaite degrees of freedom, floored)."""
    if min(len(a), len(b)) < 2 or np.any(a <= 0) or np.any(b <= 0):
        return None
    la, lb = np.log(a), np.log(b)
    va, vb = la.var(ddof=1) / len(a), lb.var(ddof=1) / len(b)
    diff = float(lb.mean() - la.mean())
    if va + vb == 0:
        return math.exp(diff), math.exp(diff)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = t975(max(1, int(df))) * math.sqrt(va + vb)
    return math.exp(diff - half), math.exp(diff + half)


def envelope(*intervals: Optional[Interval]) -> Optional[Interval]:
    """The smallest interval holding every given one (None when none is given)."""
    got = [iv for iv in intervals if iv is not None]
    return (min(lo for lo, _ in got), max(hi for _, hi in got)) if got else None
