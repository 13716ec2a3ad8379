"""Thermal state around each cell, for the orchestrator: cool down before it, sample during it, columns after.

    monitor = Monitor.create(settings)                # validates options, finds sources (UsageError: exit 2)
    cols, warnings = monitor.cool_down()             # before the worker is spawned: {"cooldown_s": ...}
    session = meters.Session(meters, thermal=monitor.sampler)
    cols, warnings = monitor.cell_columns(session.thermal_samples, marks)
    monitor.manifest()                                # sources, the chosen sensor, the settings
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from runner.errors import UsageError
from runner.thermal.base import ThermalSample
from runner.thermal.columns import DEFAULT_MAX_RISE_C, thermal_columns
from runner.thermal.cooldown import DEFAULT_MAX_S, cool_down
from runner.thermal.sampler import Discovery, Sampler, discover


@dataclass(frozen=True)
class ThermalSettings:
    cooldown_to_c: Optional[float] = None  # --cooldown-to-c
    cooldown_s: float = 0.0  # --cooldown-s
    cooldown_max_s: float = DEFAULT_MAX_S  # --cooldown-max-s
    max_temp_rise_c: float = DEFAULT_MAX_RISE_C  # --max-temp-rise-c

    def validate(self) -> None:
        for name in ("cooldown_s", "cooldown_max_s", "max_temp_rise_c"):
            if not math.isfinite(getattr(self, name)) or getattr(self, name) < 0:
                raise UsageError(f"--{name.replace('_', '-')} must be >= 0 and finite, got {getattr(self, name):g}",
                                 "seconds and degrees Celsius, e.g. --cooldown-s 30 --max-temp-rise-c 10")
        if self.cooldown_to_c is not None and not -50 < self.cooldown_to_c < 150:
            raise UsageError(f"--cooldown-to-c {self.cooldown_to_c:g} is not a device temperature",
                             "degrees Celsius, e.g. --cooldown-to-c 50")


@dataclass
class Monitor:
    settings: ThermalSettings
    found: Discovery
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    sampler: Sampler = field(init=False)

    def __post_init__(self) -> None:
        self.sampler = Sampler(self.found.sources)

    @classmethod
    def create(cls, settings: ThermalSettings, sysfs_root: Optional[str] = None, nvml: Any = None) -> Monitor:
        settings.validate()
        found = discover(sysfs_root, nvml)
        if settings.cooldown_to_c is not None and found.choice.sensor is None:
            details = "; ".join(f"{p.source}: {p.detail}" for p in found.probes if p.kind == "temperature")
            raise UsageError(f"--cooldown-to-c needs a temperature sensor and this device has none ({details})",
                             "use --cooldown-s for a fixed pause instead, or check `edgebench env`")
        return cls(settings, found)

    def read_temperature(self) -> Optional[float]:
        """The chosen sensor now, °C (None without one, or when it does not answer)."""
        choice = self.found.choice
        for source in self.found.sources:
            if source.name == choice.source:
                got = [s.temperature_c for s in source.read(0) if s.sensor == choice.sensor]
                return got[0] if got else None
        return None

    def cool_down(self) -> Tuple[Dict[str, Any], List[str]]:
        s = self.settings
        if s.cooldown_to_c is None and s.cooldown_s <= 0:
            return {"cooldown_s": 0.0}, []
        result = cool_down(self.read_temperature, s.cooldown_to_c, s.cooldown_s, s.cooldown_max_s,
                           clock=self.clock, sleep=self.sleep)
        return {"cooldown_s": result.waited_s}, result.warnings(self.found.choice.sensor or "?", s.cooldown_max_s)

    def cell_columns(self, samples: Sequence[ThermalSample],
                     marks: Optional[Mapping[str, int]]) -> Tuple[Dict[str, Any], List[str]]:
        return thermal_columns(samples, marks, self.found, self.settings.max_temp_rise_c)

    def manifest(self) -> Dict[str, Any]:
        return {"sources": self.found.describe(), "temperature_sensor": self.found.choice.sensor,
                "temperature_sensor_detail": self.found.choice.detail, "settings": asdict(self.settings)}
