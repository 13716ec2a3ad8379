"""What the parent's energy meters ask of the worker (worker side: standard library only).

The request may carry two numbers (runner.meters.baseline.worker_window):

* ``min_steady_s``: the shortest steady window the meters can measure; the steady phase runs at least
  that long, but never past the cell's ``max_time_s`` (a window that still falls short is flagged by
  the parent, not stretched beyond the budget);
* ``active_idle_s``: after the steady phase and a settling gap (``active_idle_settle_s``, so the meters'
  late reports of the steady phase fall outside it), sleep this long with the model loaded and the
  runtime alive (GPU context included), between the marks ``active_idle_start`` and ``active_idle_end``:
  the idle power of this very process at the temperature the cell reached, for the net energy. It comes
  after the timed region, so it cannot change a measured latency.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable, Optional

from runner.cell import Budget


def steady_budget(budget: Budget, min_steady_s: Optional[float]) -> Budget:
    """``budget`` with ``min_time_s`` raised to ``min_steady_s``, capped at ``max_time_s``."""
    if not min_steady_s or min_steady_s <= budget.min_time_s:
        return budget
    return dataclasses.replace(budget, min_time_s=min(float(min_steady_s), budget.max_time_s))


def active_idle(mark: Callable[[str], None], seconds: Optional[float], settle_s: Optional[float] = None,
                sleep: Callable[[float], None] = time.sleep) -> None:
    """Wait ``settle_s``, then mark an idle window of ``seconds`` (none when 0 or absent)."""
    if not seconds or seconds <= 0:
        return
    if settle_s and settle_s > 0:
        sleep(float(settle_s))
    mark("active_idle_start")
    sleep(float(seconds))
    mark("active_idle_end")
