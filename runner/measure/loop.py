"""Warm-up and the steady-state stopping rule, with an injectable clock (worker side).

Steady state runs at least ``min_iterations`` and ``min_time_s``; then it continues until, at two
consecutive checks, the 95% CI of the median (robust to autocorrelation, see ``stats.median_ci95``) is
within ``± target_rel_ci`` of the median *and* the median of the second half of the data does not differ
from the first half's by more than the target and its own uncertainty (no drift): then ``converged``.
``max_time_s`` is a hard cap: when it runs out the data measured so far are returned with
``converged=False``, even before ``min_iterations`` (the reason says so), so a slow cell never runs into
its process timeout and loses everything.

Checks happen at geometrically spaced iteration counts (every 10% more, at least every ``check_every``),
so the per-iteration cost stays two clock reads and an append even at 100,000 calls a second.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, List, Optional

from runner.cell import Budget
from runner.measure.stats import drift, relative_ci_halfwidth

Clock = Callable[[], int]  # nanoseconds, monotonic

#: Why the steady phase ended (the worker reports it; the orchestrator turns it into a warning).
STOPS = {
    "converged": "the CI of the median was within the target at two consecutive checks, without drift",
    "max_time": "max_time_s ran out before the CI of the median reached the target at two consecutive checks",
    "drift": "max_time_s ran out while the median was drifting between the first and second half",
    "min_iterations": "max_time_s ran out before min_iterations were reached (the time cap wins)",
}


@dataclass
class SteadyResult:
    latencies_ns: List[int]
    converged: bool
    rel_ci: float
    stop: str = "max_time"
    drift_rel: Optional[float] = None


def warmup(step: Callable[[], None], budget: Budget, clock: Clock = time.perf_counter_ns) -> int:
    """Run ``step`` until both the warm-up count and time are reached; return the count."""
    start = clock()
    n = 0
    while n < budget.warmup_iterations or (clock() - start) < budget.warmup_s * 1e9:
        step()
        n += 1
    return n


class _Checks:
    """The convergence criterion, evaluated at each check; converged after two consecutive passes."""

    def __init__(self, budget: Budget) -> None:
        self.target = budget.target_rel_ci
        self.streak = 0
        self.rel_ci = math.inf
        self.drifting = False
        self.drift_rel: Optional[float] = None

    def check(self, latencies: List[int]) -> bool:
        self.rel_ci = relative_ci_halfwidth(latencies)
        d = drift(latencies)
        self.drift_rel = d.rel if d else None
        self.drifting = d is not None and d.significant(self.target)
        passed = self.rel_ci <= self.target and not self.drifting
        self.streak = self.streak + 1 if passed else 0
        return self.streak >= 2

    def result(self, latencies: List[int], stop: str) -> SteadyResult:
        return SteadyResult(latencies, stop == "converged", self.rel_ci, stop, self.drift_rel)


def steady(step: Callable[[], None], budget: Budget, clock: Clock = time.perf_counter_ns,
           check_every: int = 5, on_check: Optional[Callable[[int, float], None]] = None) -> SteadyResult:
    """Time ``step`` repeatedly under the stopping rule of ``budget``; ``on_check(iterations, rel_ci)`` is
    called after each check (never per iteration), e.g. to report progress."""
    latencies: List[int] = []
    append = latencies.append
    checks = _Checks(budget)
    next_check = 0
    min_ns, max_ns = budget.min_time_s * 1e9, budget.max_time_s * 1e9
    start = clock()
    while True:
        t0 = clock()
        step()
        t1 = clock()
        append(t1 - t0)
        elapsed = t1 - start
        n = len(latencies)
        capped = elapsed >= max_ns
        if n < budget.min_iterations:
            if capped:
                checks.check(latencies)
                return checks.result(latencies, "min_iterations")
            continue
        if elapsed < min_ns or (n < next_check and not capped):
            continue
        converged = checks.check(latencies)
        if on_check is not None:
            on_check(n, checks.rel_ci)
        if converged:
            return checks.result(latencies, "converged")
        next_check = max(n + check_every, int(n * 1.1))
        if capped:
            return checks.result(latencies, "drift" if checks.drifting else "max_time")


def stop_warning(stop: Optional[str], iterations: Optional[int], rel_ci: Optional[float],
                 drift_rel: Optional[float], budget: Budget) -> Optional[str]:
    """The trust warning for a steady phase that did not converge, with its numbers and the next step."""
    if stop in (None, "converged"):
        return None
    ci = f"±{100 * rel_ci:.1f}%" if rel_ci is not None else "not computable"
    target = f"target ±{100 * budget.target_rel_ci:g}%"
    if stop == "min_iterations":
        return (f"not converged: only {iterations} of min_iterations {budget.min_iterations} iterations fit in "
                f"max_time_s {budget.max_time_s:g} s (the time cap wins); raise --max-time-s or lower "
                "--min-iterations")
    if stop == "drift" and drift_rel is not None:
        return (f"not converged: latency drifted {100 * drift_rel:+.1f}% from the first to the second half of "
                f"the steady phase (p50 95% CI {ci}, {target}); let the device cool or stop other load")
    return (f"not converged: p50 95% CI {ci} after {iterations} iterations ({target}), raise --max-time-s "
            "or --repetitions")
