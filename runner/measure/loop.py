"""Warm-up and the steady-state stopping rule, with an injectable clock (worker side).

Steady state runs at least ``min_iterations`` and ``min_time_s``; then it continues until the 95% CI of
the median is within ``± target_rel_ci`` of the median (``converged``), or until ``max_time_s``. The CI is
checked at geometrically spaced iteration counts (every 10% more, at least every ``check_every``), so the
per-iteration cost stays two clock reads and an append even for models that run 100,000 times a second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, List

from runner.cell import Budget
from runner.measure.stats import relative_ci_halfwidth

Clock = Callable[[], int]  # nanoseconds, monotonic


@dataclass
class SteadyResult:
    latencies_ns: List[int]
    converged: bool
    rel_ci: float


def warmup(step: Callable[[], None], budget: Budget, clock: Clock = time.perf_counter_ns) -> int:
    """Run ``step`` until both the warm-up count and time are reached; return the count."""
    start = clock()
    n = 0
    while n < budget.warmup_iterations or (clock() - start) < budget.warmup_s * 1e9:
        step()
        n += 1
    return n


def steady(step: Callable[[], None], budget: Budget, clock: Clock = time.perf_counter_ns,
           check_every: int = 5) -> SteadyResult:
    """Time ``step`` repeatedly under the stopping rule of ``budget``."""
    latencies: List[int] = []
    rel_ci = float("inf")
    next_check = 0
    min_ns, max_ns = budget.min_time_s * 1e9, budget.max_time_s * 1e9
    start = clock()
    while True:
        t0 = clock()
        step()
        t1 = clock()
        latencies.append(t1 - t0)
        elapsed = t1 - start
        n = len(latencies)
        if n < budget.min_iterations or elapsed < min_ns:
            continue
        if n >= next_check or elapsed >= max_ns:
            rel_ci = relative_ci_halfwidth(sorted(latencies))
            if rel_ci <= budget.target_rel_ci:
                return SteadyResult(latencies, True, rel_ci)
            next_check = max(n + check_every, int(n * 1.1))
        if elapsed >= max_ns:
            return SteadyResult(latencies, False, rel_ci)
