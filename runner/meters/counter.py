"""A wrapping hardware energy counter turned into a cumulative one: the only place wraps are handled.

RAPL's ``energy_uj`` counts from 0 to ``max_energy_range_uj`` and starts again at 0
(research/energy.md §1.3). The rule is ``delta = raw - last; if delta < 0: delta += range``, which
is right as long as at most one wrap happens between two reads (the range is 65-262 kJ: minutes at
full power, and the session reads every tick).

The file read and the update happen under one lock, so a read right after a wrap (for example the
final read in ``stop()`` racing the sampling thread) can never be counted a range short or twice.
"""

from __future__ import annotations

import threading
from typing import Callable, Optional


class WrapCounter:
    """Cumulative count since ``start()`` of a counter that wraps at ``max_range``."""

    def __init__(self, read_raw: Callable[[], int], max_range: int) -> None:
        if max_range <= 0:
            raise ValueError(f"counter range must be positive, got {max_range}")
        self._read_raw = read_raw
        self._range = max_range
        self._lock = threading.Lock()
        self._last: Optional[int] = None
        self._total = 0
        self.wraps = 0
        self.reads = 0

    def start(self) -> int:
        """Take the reference reading; the total restarts at 0. Raises OSError from the read."""
        with self._lock:
            self._last = self._read_raw()
            self._total = 0
            self.wraps = 0
            self.reads = 1
            return 0

    def sample(self) -> int:
        """Read now and return the count since ``start()``. Raises OSError from the read."""
        with self._lock:
            raw = self._read_raw()
            if self._last is None:  # not started: this read is the reference
                self._last, self.reads = raw, 1
                return 0
            delta = raw - self._last
            if delta < 0:
                delta += self._range
                self.wraps += 1
            self._total += delta
            self._last = raw
            self.reads += 1
            return self._total
