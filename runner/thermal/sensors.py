"""Temperatures and CPU clocks from sysfs, under the injectable root (``EDGEBENCH_SYSFS_ROOT``, else /sys).

* thermal zones: ``<root>/class/thermal/thermal_zone*/{type,temp}``; ``temp`` in millidegree Celsius
  (kernel ABI ``sysfs-class-thermal``). Jetson boards expose their sensors here under their own type
  names (L4T 32: ``CPU-therm``, ``GPU-therm``, ``AO-therm``...; Orin: ``cpu-thermal``, ``tj-thermal``...).
* hwmon: ``<root>/class/hwmon/hwmon*/{name,temp*_input,temp*_label}``; millidegree Celsius (kernel
  ``Documentation/hwmon/sysfs-interface``): ``coretemp`` (Intel), ``k10temp`` (AMD), ``cpu_thermal``...
* cpufreq: ``<root>/devices/system/cpu/cpu*/cpufreq/scaling_cur_freq`` (world-readable), else
  ``cpuinfo_cur_freq`` (often root-only); kHz.

Sensor names: ``thermal_zone0:x86_pkg_temp``, ``hwmon2:coretemp:Package id 0``, ``cpu3``. A value that
cannot be read at a tick is a gap, not an error; a reading outside -50..150 °C (a powered-off or
disabled sensor's placeholder) is treated as no reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from runner.meters.base import maybe_int, maybe_text, sysfs_root
from runner.thermal.base import Source, SourceProbe, ThermalSample, natural_key

PLAUSIBLE_C = (-50.0, 150.0)


@dataclass(frozen=True)
class Sensor:
    source: str
    name: str
    path: Path
    kind: str  # type (thermal zone) or "<hwmon name>:<label>"


def read_celsius(path: Path) -> Optional[float]:
    milli = maybe_int(path)
    if milli is None:
        return None
    value = milli / 1000.0
    return value if PLAUSIBLE_C[0] < value < PLAUSIBLE_C[1] else None


def thermal_zones(root: Path) -> List[Sensor]:
    zones = sorted((root / "class" / "thermal").glob("thermal_zone*"), key=lambda p: natural_key(p.name))
    out = []
    for zone in zones:
        kind = maybe_text(zone / "type") or "?"
        out.append(Sensor("thermal_zone", f"{zone.name}:{kind}", zone / "temp", kind))
    return out


def hwmon_temps(root: Path) -> List[Sensor]:
    out = []
    for hw in sorted((root / "class" / "hwmon").glob("hwmon*"), key=lambda p: natural_key(p.name)):
        chip = maybe_text(hw / "name") or "?"
        for temp in sorted(hw.glob("temp*_input"), key=lambda p: natural_key(p.name)):
            channel = temp.name[: -len("_input")]
            label = maybe_text(hw / f"{channel}_label") or channel
            out.append(Sensor("hwmon", f"{hw.name}:{chip}:{label}", temp, f"{chip}:{label}"))
    return out


class Temperatures(Source):
    """Every readable thermal zone (``name="thermal_zone"``) or hwmon temperature (``name="hwmon"``)."""

    kind = "temperature"

    def __init__(self, name: str, root: Optional[str] = None) -> None:
        self.name = name
        self.root = sysfs_root(root)
        self.sensors: List[Sensor] = []

    def _where(self) -> Path:
        return self.root / "class" / ("thermal" if self.name == "thermal_zone" else "hwmon")

    def probe(self) -> SourceProbe:
        found = thermal_zones(self.root) if self.name == "thermal_zone" else hwmon_temps(self.root)
        if not found:
            what = "thermal_zone*" if self.name == "thermal_zone" else "hwmon*/temp*_input"
            return SourceProbe(self.name, False, f"no {self._where()}/{what} (a VM, or a container without "
                               "/sys/class mounted)", kind=self.kind)
        self.sensors = [s for s in found if read_celsius(s.path) is not None]
        unreadable = [s.name for s in found if s not in self.sensors]
        if not self.sensors:
            return SourceProbe(self.name, False, f"{len(found)} sensor(s) under {self._where()}, none readable "
                               f"or plausible: {', '.join(unreadable)}", kind=self.kind)
        detail = f"{len(self.sensors)} sensor(s)" + (f"; unreadable: {', '.join(unreadable)}" if unreadable else "")
        return SourceProbe(self.name, True, detail, tuple(s.name for s in self.sensors), self.kind)

    def read(self, t_ns: int) -> List[ThermalSample]:
        out = []
        for s in self.sensors:
            value = read_celsius(s.path)
            if value is not None:
                out.append(ThermalSample(self.name, s.name, t_ns, temperature_c=value))
        return out


class CpuFreq(Source):
    """The current frequency of every CPU with cpufreq (``scaling_cur_freq``, else ``cpuinfo_cur_freq``)."""

    name = "cpufreq"
    kind = "frequency"

    def __init__(self, root: Optional[str] = None) -> None:
        self.root = sysfs_root(root)
        self.files: List[Sensor] = []

    def probe(self) -> SourceProbe:
        base = self.root / "devices" / "system" / "cpu"
        cpus = sorted(base.glob("cpu[0-9]*/cpufreq"), key=lambda p: natural_key(p.parent.name))
        if not cpus:
            return SourceProbe(self.name, False, f"no {base}/cpu*/cpufreq (no cpufreq driver: a VM, or "
                               "frequency not exposed)", kind=self.kind)
        for cpufreq in cpus:
            for attr in ("scaling_cur_freq", "cpuinfo_cur_freq"):
                if maybe_int(cpufreq / attr) is not None:
                    self.files.append(Sensor(self.name, cpufreq.parent.name, cpufreq / attr, attr))
                    break
        if not self.files:
            return SourceProbe(self.name, False, f"{len(cpus)} CPU(s) with cpufreq but neither scaling_cur_freq "
                               "nor cpuinfo_cur_freq is readable", kind=self.kind)
        attrs = sorted({f.kind for f in self.files})
        return SourceProbe(self.name, True, f"{len(self.files)} CPU(s) via {', '.join(attrs)}",
                           tuple(f.name for f in self.files), self.kind)

    def read(self, t_ns: int) -> List[ThermalSample]:
        out = []
        for f in self.files:
            khz = maybe_int(f.path)
            if khz is not None and khz > 0:
                out.append(ThermalSample(self.name, f.name, t_ns, frequency_hz=khz * 1000.0))
        return out
