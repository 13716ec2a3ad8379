"""The value of a configuration and its 95% CI from its repetitions (orchestrator side; numpy only).

A configuration runs in R fresh processes (repetitions). Each process measures its own p50 precisely, but
processes differ from each other by more than that (address-space layout, page placement, clock frequency,
neighbours: 10-40% on a shared VM, 1-5% on a quiet board), so the repetition is the unit of inference::

    value   median of the repetitions' values (p50s; robust to one bad process)
    CI      the wider of two 95% intervals:
            - hierarchical bootstrap: RESAMPLES resamples (seeded); each draws R repetitions with
              replacement, then the median within each drawn repetition: from its within-process CI
              columns (a split normal through the stored 95% CI of its median) or, where a repetition has
              none (fewer than 16 iterations), from its raw latencies (the median of an iid resample of n
              values is the order statistic at a binomial rank, drawn directly, its spread widened by the
              repetition's autocorrelation factor τ); the median of the R draws; percentile interval;
            - t-interval on log values with R - 1 degrees of freedom, which keeps its coverage at R = 3,
              where a bootstrap over 3 processes covers about 75% (10 distinct resamples).

Raw latencies are read only for repetitions without CI columns: the columns are ``median_ci95`` of the very
latencies stored, so they carry the same within-process information. Measured on paired synthetic
repetitions (``benchmarks/estimate_raw_vs_columns.py``: R = 2-10, between-process spread 0.3-10%, 300 iid or
3000 autocorrelated iterations) both CIs cover the true median equally often (within two trials in 300), and
their ends differ by at most 0.74% of the value at 300 iterations and 0.15% at 3000 (median width ratio
columns/raw 0.998-1.098: the stored CI carries a t quantile). A fleet's report therefore reads no latencies
unless a cell was too short for a CI.

With one repetition there is no CI: between-process variance is unknown. With 2-3 the CI is approximate.
``ratio`` gives B/A from independent bootstraps of each side and Welch's t on log values, the wider interval.
The same code serves latencies (per-repetition p50 and its CI) and per-process values without a
within-process interval (load time, peak RSS, energy per inference). The interval arithmetic is in
``runner.bootstrap``; estimates and ratios are seeded, hence cached (a report asks for the same ones again).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from runner.bootstrap import Interval, boot_medians, draws, envelope, log_t, percentiles, welch
from runner.measure.stats import Z95, autocorr_factor

SEED = 20240213
RESAMPLES = 2000
#: Fewer repetitions than this per side: between-process variance is too poorly known to call a difference.
MIN_REPETITIONS = 3
#: A between-repetition coefficient of variation above this keeps a configuration out of verdicts.
BETWEEN_CV_MAX = 0.10
#: Between-process spread "dominates" when the repetitions' CV exceeds this many within-process CI half-widths.
DOMINANCE = 2.0
#: Estimates and ratios kept (each a few hundred bytes): a fleet's configurations and the pairs its verdicts compare.
CACHED = 16384


@dataclass(frozen=True)
class Repetition:
    """One process's value (e.g. its p50), its within-process 95% CI if known, its raw latencies if read."""

    value: float
    low: Optional[float] = None
    high: Optional[float] = None
    latencies: Optional[np.ndarray] = field(default=None, compare=False, repr=False)

    @classmethod
    def from_row(cls, row: Mapping, read: Optional[Callable[[], Optional[np.ndarray]]] = None) -> Repetition:
        """From a cells row (``latency_p50_s`` and its CI columns); ``read()`` gives its raw latencies and is
        called only when the row has no CI (see :func:`needs_latencies`)."""
        rep = cls(float(row["latency_p50_s"]), _num(row.get("latency_p50_ci95_low_s")),
                  _num(row.get("latency_p50_ci95_high_s")))
        if read is None or rep.has_ci:
            return rep
        return cls(rep.value, rep.low, rep.high, read())

    @property
    def has_ci(self) -> bool:
        """Whether the within-process CI is known (then the raw latencies add nothing to the estimate)."""
        return self.low is not None and self.high is not None

    def rel_ci(self) -> Optional[float]:
        """Half the within-process CI over the value (from the raw latencies when the CI is not known)."""
        lo, hi = self.low, self.high
        if not self.has_ci and self.latencies is not None and len(self.latencies):
            from runner.measure.stats import median_ci95

            lo, hi = median_ci95(self.latencies) or (None, None)
        return (hi - lo) / 2 / self.value if lo is not None and hi is not None and self.value > 0 else None

    def draw(self, z: np.ndarray) -> np.ndarray:
        """Bootstrap draws of this process's median for standard-normal ``z``."""
        if self.has_ci:
            spread = np.where(z < 0, self.value - self.low, self.high - self.value) / Z95
            return self.value + z * spread
        x = self.latencies
        if x is None or len(x) < 2:
            return np.full(z.shape, self.value)
        s = np.sort(x)
        n = len(s)
        tau = autocorr_factor(x) or 1.0
        rank = np.rint((n - 1) / 2 + z * math.sqrt(n * tau) / 2).astype(int)
        return s[np.clip(rank, 0, n - 1)]


def needs_latencies(row: Mapping) -> bool:
    """Whether the estimator would use this cells row's raw latencies: only when it has no within-process CI."""
    return _num(row.get("latency_p50_ci95_low_s")) is None or _num(row.get("latency_p50_ci95_high_s")) is None


def _num(x) -> Optional[float]:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


@dataclass(frozen=True)
class Estimate:
    """A configuration's value with its 95% CI (None with one repetition) and how it was obtained."""

    value: float
    low: Optional[float]
    high: Optional[float]
    values: Tuple[float, ...]  # per repetition
    between_cv: Optional[float]
    within_rel_ci: Optional[float]
    bootstrap: Optional[Interval] = None
    t_interval: Optional[Interval] = None

    @property
    def repetitions(self) -> int:
        return len(self.values)

    @property
    def has_ci(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def dominated(self) -> bool:
        """Between-process spread dominates the within-process CI (more repetitions help, longer cells do not)."""
        cv, w = self.between_cv, self.within_rel_ci
        return cv is not None and w is not None and cv > DOMINANCE * w

    @property
    def unstable(self) -> bool:
        return self.between_cv is not None and self.between_cv > BETWEEN_CV_MAX

    def notes(self) -> List[str]:
        """What a reader must know about this CI, with numbers."""
        r = self.repetitions
        out = []
        if r == 1:
            out.append("1 repetition: between-process variance unknown, no CI")
        elif r < 4:
            out.append(f"{r} repetitions: the CI is approximate")
        if self.dominated:
            out.append(f"between-process spread dominates: the repetitions vary by CV {self.between_cv:.1%} while "
                       f"each process's own 95% CI is ±{self.within_rel_ci:.1%}; more repetitions, not longer "
                       "cells, narrow the CI")
        return out


def estimate(reps: Sequence[Repetition], seed: int = SEED, resamples: int = RESAMPLES) -> Estimate:
    """The value (median of the repetitions' values) and its 95% CI (see the module docstring).

    Deterministic (seeded), so repeated calls on the same repetitions (a report aggregates, then judges) are
    answered from a cache when no repetition carries raw latencies."""
    if _hashable(reps):
        return _estimate_cached(tuple(reps), seed, resamples)
    return _estimate(reps, seed, resamples)


def _hashable(*sides: Sequence[Repetition]) -> bool:
    """Whether the repetitions are fully described by their value and CI (their equality and hash)."""
    return all(r.latencies is None for side in sides for r in side)


@functools.lru_cache(maxsize=CACHED)
def _estimate_cached(reps: Tuple[Repetition, ...], seed: int, resamples: int) -> Estimate:
    return _estimate(reps, seed, resamples)


def _estimate(reps: Sequence[Repetition], seed: int, resamples: int) -> Estimate:
    if not reps:
        raise ValueError("an estimate needs at least one repetition")
    values = np.array([r.value for r in reps], dtype=float)
    value = float(np.median(values))
    mean = float(values.mean())
    cv = float(values.std(ddof=1) / mean) if len(values) > 1 and mean > 0 else None
    within = [w for w in (r.rel_ci() for r in reps) if w is not None]
    w = float(np.median(within)) if within else None
    if len(reps) < 2:
        return Estimate(value, None, None, tuple(values), cv, w)
    (drawn,) = draws(seed, resamples, (len(reps),))
    boot = percentiles(boot_medians(reps, drawn))
    t = log_t(values)
    lo, hi = envelope(boot, t)
    return Estimate(value, min(lo, value), max(hi, value), tuple(values), cv, w, boot, t)


@dataclass(frozen=True)
class Ratio:
    """A ratio B/A with a 95% interval (``low``/``high`` None when none could be computed)."""

    value: float
    low: Optional[float] = None
    high: Optional[float] = None
    method: str = ""

    @property
    def has_ci(self) -> bool:
        return self.low is not None and self.high is not None

    def direction(self) -> int:
        """+1 the CI lies wholly above 1, -1 wholly below, 0 it contains 1 or there is no CI."""
        if not self.has_ci:
            return 0
        return 1 if self.low > 1.0 else -1 if self.high < 1.0 else 0

    def text(self) -> str:
        ci = f" (95% CI {self.low:.3f}–{self.high:.3f})" if self.has_ci else " (no CI)"
        return f"{self.value:.3f}{ci}"


def ratio(a: Sequence[Repetition], b: Sequence[Repetition], seed: int = SEED,
          resamples: int = RESAMPLES) -> Optional[Ratio]:
    """B/A of the two estimates with the wider of the bootstrap and Welch 95% intervals; None without data.

    Either side with one repetition gives the ratio without a CI (between-process variance unknown).
    Cached as :func:`estimate` is.
    """
    if _hashable(a, b):
        return _ratio_cached(tuple(a), tuple(b), seed, resamples)
    return _ratio(a, b, seed, resamples)


@functools.lru_cache(maxsize=CACHED)
def _ratio_cached(a: Tuple[Repetition, ...], b: Tuple[Repetition, ...], seed: int, resamples: int) -> Optional[Ratio]:
    return _ratio(a, b, seed, resamples)


def _ratio(a: Sequence[Repetition], b: Sequence[Repetition], seed: int, resamples: int) -> Optional[Ratio]:
    va, vb = (np.array([r.value for r in side], dtype=float) for side in (a, b))
    if not len(va) or not len(vb) or np.median(va) <= 0:
        return None
    value = float(np.median(vb) / np.median(va))
    if min(len(va), len(vb)) < 2:
        return Ratio(value, method="point (one repetition on a side: between-process variance unknown)")
    drawn_b, drawn_a = draws(seed, resamples, (len(b), len(a)))
    boot = percentiles(boot_medians(b, drawn_b) / boot_medians(a, drawn_a))
    lo, hi = envelope(boot, welch(va, vb))
    return Ratio(value, min(lo, value), max(hi, value), "hierarchical bootstrap and Welch t on log values")


def values(xs: Sequence[float]) -> List[Repetition]:
    """Per-process values without a within-process interval (load time, peak RSS, energy per inference)."""
    return [Repetition(float(x)) for x in xs if x is not None and not (isinstance(x, float) and math.isnan(x))]
