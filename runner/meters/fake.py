"""A synthetic meter for tests and harness checks: constant power, reported as a counter.

Reachable from the real CLI as ``--meters fake`` (power from ``EDGEBENCH_FAKE_POWER_W``, default
10 W) or ``--meters fake:12.5``. ``EDGEBENCH_FAKE_UPDATE_PERIOD_S`` (default 0) declares how often the
synthetic sensor "updates", i.e. how long a window it needs (tests of window lengthening and flagging).
Its ``energy_source`` is always ``fake`` and every cell measured with it carries a warning, so it
cannot be mistaken for a measurement. It is never picked by ``auto``.
"""

from __future__ import annotations

import os
from typing import List, Optional

from runner.meters.base import Clock, Meter, Probe, Sample

POWER_ENV = "EDGEBENCH_FAKE_POWER_W"
PERIOD_ENV = "EDGEBENCH_FAKE_UPDATE_PERIOD_S"
DEFAULT_POWER_W = 10.0


def power_from_env() -> float:
    """The fake meter's power: env EDGEBENCH_FAKE_POWER_W, else 10 W. Raises ValueError if malformed."""
    raw = os.environ.get(POWER_ENV, "")
    return float(raw) if raw.strip() else DEFAULT_POWER_W


def period_from_env() -> float:
    """The fake sensor's declared update period: env EDGEBENCH_FAKE_UPDATE_PERIOD_S, else 0 (s)."""
    raw = os.environ.get(PERIOD_ENV, "")
    period = float(raw) if raw.strip() else 0.0
    if period < 0:
        raise ValueError(f"{PERIOD_ENV} must be >= 0 s, got {period}")
    return period


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
        self.update_period_s = period_from_env()

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
