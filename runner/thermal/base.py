"""What every thermal and clock source shares: the sample, the probe, the source interface.

A source is constructed cheaply (nothing is read), then::

    probe()  -> SourceProbe    available with the sensors it found, or why not (one line)
    start()                    open handles (NVML) after a successful probe
    read(t_ns) -> [ThermalSample]   one sample per sensor now; never raises for "no data"
    stop()

Each sample carries exactly one value: ``temperature_c`` (°C), ``frequency_hz`` (Hz) or
``throttle_flags`` (the source's raw bit mask). Sensor names are built from the hardware's own names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

DEFAULT_PERIOD_S = 0.5  # temperatures move over seconds; sensors update about once a second or slower


@dataclass(frozen=True)
class ThermalSample:
    source: str  # thermal_zone | hwmon | cpufreq | nvml | vcgencmd
    sensor: str
    t_ns: int
    temperature_c: Optional[float] = None
    frequency_hz: Optional[float] = None
    throttle_flags: Optional[int] = None


@dataclass(frozen=True)
class SourceProbe:
    source: str
    available: bool
    detail: str
    sensors: Tuple[str, ...] = ()
    kind: str = ""  # temperature | frequency | throttle


class Source:
    name = "base"
    kind = ""
    #: seconds between two reads of this source while a cell runs (it is also read at the cell's edges)
    period_s = DEFAULT_PERIOD_S

    def probe(self) -> SourceProbe:
        raise NotImplementedError

    def start(self) -> None:
        pass

    def read(self, t_ns: int) -> List[ThermalSample]:
        return []

    def stop(self) -> None:
        pass


def natural_key(text: str) -> List[object]:
    """``thermal_zone10`` after ``thermal_zone9``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]
