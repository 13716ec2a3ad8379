"""Waiting before a cell: a fixed pause, then until the device is cool enough, bounded (statistics.md §6).

    result = cool_down(read_c, target_c=50, pause_s=0, max_s=300)

``pause_s`` (``--cooldown-s``) is waited first; then, with a ``target_c`` (``--cooldown-to-c``), the
temperature is read every ``poll_s`` until it is at or below the target, for at most ``max_s`` seconds
in all (``--cooldown-max-s``). The time actually waited is the ``cooldown_s`` column; a target not
reached (or a sensor that stopped answering) is a warning on the cell, with the numbers. Clock and sleep
are injectable, so tests check what is recorded, not how long it took.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, List, Optional

POLL_S = 1.0
DEFAULT_MAX_S = 300.0  # passive boards need minutes to shed 20-30 °C; a run should not stall for longer


@dataclass(frozen=True)
class Cooldown:
    waited_s: float
    target_c: Optional[float]
    temperature_c: Optional[float]  # the last reading (None without a target or a reading)
    reached: Optional[bool]  # None without a target

    def warnings(self, sensor: str, max_s: float) -> List[str]:
        if self.reached is not False:
            return []
        now = "no reading" if self.temperature_c is None else f"still {self.temperature_c:.1f} °C"
        return [f"cool-down: {sensor} {now} > {self.target_c:g} °C after {self.waited_s:.0f} s "
                f"(--cooldown-max-s {max_s:g}): the cell started hot; raise --cooldown-max-s or improve cooling"]


def cool_down(read_c: Callable[[], Optional[float]], target_c: Optional[float], pause_s: float = 0.0,
              max_s: float = DEFAULT_MAX_S, poll_s: float = POLL_S,
              clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> Cooldown:
    """Wait ``pause_s``, then until ``read_c() <= target_c`` or ``max_s`` in all; what was waited and seen."""
    start = clock()
    if pause_s > 0:
        sleep(pause_s)
    if target_c is None:
        return Cooldown(clock() - start, None, None, None)
    while True:
        now_c = read_c()
        if now_c is not None and now_c <= target_c:
            return Cooldown(clock() - start, target_c, now_c, True)
        left = max_s - (clock() - start)
        if left <= 0:
            return Cooldown(clock() - start, target_c, now_c, False)
        sleep(min(poll_s, left))
