"""Which temperature a cell's ``temperature_*_c`` columns report: one sensor per run, named in the row.

The CPU or SoC sensor that the device's own thermal management acts on, first match wins (type names as
the kernel drivers and the Jetson device trees spell them; compared case-insensitively):

1. ``tj-thermal`` (Jetson Orin: the junction maximum over CPU, GPU and SoC sensors);
2. ``x86_pkg_temp`` zone, hwmon ``coretemp`` "Package id 0" (Intel package);
3. hwmon ``k10temp`` / ``zenpower`` "Tdie", then "Tctl" (AMD; Tctl may carry a fan-control offset);
4. ``cpu-thermal`` / ``cpu_thermal`` (Raspberry Pi, Jetson Orin CPU, most arm64 boards), ``CPU-therm``
   (Jetson on L4T 32), ``soc-thermal`` / ``soc_thermal``;
5. ``acpitz`` (an ACPI board zone), then the first thermal zone, then the first hwmon temperature.

``EDGEBENCH_TEMP_SENSOR`` (a part of the sensor name, e.g. ``GPU-therm``) picks another sensor. Every
sensor is sampled and stored in the ``thermal`` table whichever one is chosen here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from runner.thermal.base import SourceProbe

SENSOR_ENV = "EDGEBENCH_TEMP_SENSOR"
PREFERRED: Tuple[Tuple[str, str], ...] = (
    ("thermal_zone", "tj-thermal"),
    ("thermal_zone", "x86_pkg_temp"),
    ("hwmon", "coretemp:package id 0"),
    ("hwmon", "k10temp:tdie"),
    ("hwmon", "zenpower:tdie"),
    ("hwmon", "k10temp:tctl"),
    ("thermal_zone", "cpu-thermal"),
    ("thermal_zone", "cpu_thermal"),
    ("thermal_zone", "cpu-therm"),
    ("hwmon", "cpu_thermal:temp1"),
    ("thermal_zone", "soc-thermal"),
    ("thermal_zone", "soc_thermal"),
    ("thermal_zone", "acpitz"),
)


@dataclass(frozen=True)
class Choice:
    source: Optional[str]  # thermal_zone | hwmon, None when there is no temperature sensor
    sensor: Optional[str]
    detail: str


def _kind(source: str, sensor: str) -> str:
    """``thermal_zone0:x86_pkg_temp`` -> ``x86_pkg_temp``; ``hwmon2:coretemp:Package id 0`` -> ``coretemp:...``."""
    return sensor.split(":", 1)[1].lower() if ":" in sensor else sensor.lower()


def choose(probes: Sequence[SourceProbe]) -> Choice:
    """The run's temperature sensor among the available temperature probes."""
    candidates: List[Tuple[str, str]] = [
        (p.source, s) for p in probes if p.available and p.kind == "temperature" for s in p.sensors
    ]
    if not candidates:
        return Choice(None, None, "no thermal sensors")
    wanted = os.environ.get(SENSOR_ENV, "").strip()
    note = ""
    if wanted:
        match = [c for c in candidates if wanted.lower() in c[1].lower()]
        if match:
            return Choice(match[0][0], match[0][1], f"{match[0][1]} (from {SENSOR_ENV}={wanted})")
        note = f"; {SENSOR_ENV}={wanted} matches none of {', '.join(s for _, s in candidates)}"
    for source, kind in PREFERRED:
        for c in candidates:
            if c[0] == source and _kind(*c) == kind:
                return Choice(c[0], c[1], f"{c[1]} (preferred CPU/SoC sensor){note}")
    first = next((c for c in candidates if c[0] == "thermal_zone"), candidates[0])
    return Choice(first[0], first[1], f"{first[1]} (no known CPU/SoC sensor type: first found){note}")
