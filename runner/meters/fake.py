"""A synthetic meter for tests and harness checks: constant power, reported as a counter.

Reachable from the real CLI as ``--meters fake`` (power from ``EDGEBENCH_FAKE_POWER_W``, default
10 W) or ``--meters fake:12.5``. Its ``energy_source`` is always ``fake`` and every cell measured with it
carries a warning, so it cannot be mistaken for a measurement. It is never picked by ``auto``.
"""

from __future__ import annotations

import os
from typing import List, Optional

from runner.meters.base import Clock, Meter, Probe, Sample

POWER_ENV = "EDGEBENCH_FAKE_POWER_W"
DEFAULT_POWER_W = 10.0


def power_from_env() -> float:
    """The fake meter's power: env EDGEBENCH_FAKE_POWER_W, else 10 W. Raises ValueError if malformed."""
    raw = os.environ.get(POWER_ENV, "")
    return float(raw) if raw.strip() else DEFAULT_POWER_W


class FakeMeter(Meter):
    name = "fake"
    method = "counter"
    domain = "fake"

    def __init__(self, power_w: Optional[float] = None, clock: Optional[Clock] = None) -> None:
        super().__init__(clock)
        self.power_w = power_from_env() if power_w is None else float(power_w)
        if self.power_w < 0:
            raise ValueError(f"fake meter power must be >= 0 W, got {self.power_w}")
        self._t0: Optional[int] = None
        self.summed = (self.domain,)

    def probe(self) -> Probe:
        return Probe(
            self.name,
            True,
            "",
            f"synthetic constant {self.power_w:g} W: not a measurement",
            (self.domain,),
            (self.domain,),
        )

    def start(self) -> None:
        self._t0 = self.clock()

    def read(self) -> List[Sample]:
        if self._t0 is None:
            return []
        t = self.clock()
        return [Sample(self.name, self.domain, t, energy_j=self.power_w * (t - self._t0) / 1e9)]
