"""Finding the thermal and clock sources, and sampling them in the meters' thread (DESIGN §5).

    found = discover(sysfs_root, nvml=None)     # every source probed; the run's temperature sensor
    sampler = Sampler(found.sources)            # given to runner.meters.Session(..., thermal=sampler)

The meters' session calls ``sampler.start()``, ``sampler.tick(force=True)`` at the cell's edges (before
the worker is spawned and after it exited) and ``sampler.tick()`` at every power tick in between; each
source is read when its own period (``Source.period_s``) has passed, so the cheap sysfs files are read
every 0.5 s and vcgencmd (a process per read) every 2 s, whatever the power sampling period.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from runner.thermal.base import Source, SourceProbe, ThermalSample
from runner.thermal.primary import Choice, choose
from runner.thermal.sensors import CpuFreq, Temperatures
from runner.thermal.throttle import NvmlThrottle, PiThrottle


def make_sources(sysfs_root: Optional[str] = None, nvml: Any = None) -> List[Source]:
    """Every source, not yet probed: thermal zones, hwmon, cpufreq, NVML throttle reasons, vcgencmd."""
    return [Temperatures("thermal_zone", sysfs_root), Temperatures("hwmon", sysfs_root), CpuFreq(sysfs_root),
            NvmlThrottle(nvml), PiThrottle()]


def safe_probe(source: Source) -> SourceProbe:
    try:
        return source.probe()
    except Exception as exc:  # a sensor must never stop a run
        return SourceProbe(source.name, False, f"probe failed: {type(exc).__name__}: {exc}", kind=source.kind)


@dataclass
class Discovery:
    sources: List[Source]  # the available ones
    probes: List[SourceProbe]  # one per source considered
    choice: Choice  # the temperature the cell columns report

    def has_throttle_source(self) -> bool:
        return any(s.kind == "throttle" for s in self.sources)

    def describe(self) -> List[Dict[str, Any]]:
        """One row per source (for ``edgebench env`` and the manifest)."""
        return [{"source": p.source, "kind": p.kind, "available": p.available, "detail": p.detail,
                 "sensors": list(p.sensors)} for p in self.probes]


def discover(sysfs_root: Optional[str] = None, nvml: Any = None) -> Discovery:
    sources, probes = [], []
    for source in make_sources(sysfs_root, nvml):
        probe = safe_probe(source)
        probes.append(probe)
        if probe.available:
            sources.append(source)
    return Discovery(sources, probes, choose(probes))


@dataclass
class Sampler:
    """Reads each source on its own schedule; keeps the samples between ``start()`` and the next one."""

    sources: List[Source]
    clock: Callable[[], int] = time.monotonic_ns
    samples: List[ThermalSample] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    _due: Dict[str, int] = field(default_factory=dict)

    def start(self) -> None:
        self.samples, self.errors, self._due = [], [], {}
        for s in self.sources:
            self._guard(s, s.start)

    def tick(self, force: bool = False) -> None:
        now = self.clock()
        for s in self.sources:
            if force or now >= self._due.get(s.name, 0):
                self._due[s.name] = now + int(s.period_s * 1e9)
                self.samples.extend(self._guard(s, lambda s=s: s.read(now)) or [])

    def stop(self) -> List[ThermalSample]:
        for s in self.sources:
            self._guard(s, s.stop)
        return sorted(self.samples, key=lambda x: x.t_ns)

    def _guard(self, source: Source, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as exc:  # a sensor must never take the run down; report it once
            line = f"thermal source {source.name} failed: {type(exc).__name__}: {exc}"
            if line not in self.errors:
                self.errors.append(line)
            return None
