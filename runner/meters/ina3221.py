"""NVIDIA Jetson on-module INA3221 power monitors, both driver layouts (research/energy.md §3.1).

* L4T 32 (JetPack 4: TX2, Nano, Xavier), NVIDIA's IIO driver ``ina3221x``:
  ``<root>/bus/i2c/drivers/ina3221x/<bus>-<addr>/iio:device<N>/rail_name_<ch>`` with
  ``in_power<ch>_input`` (mW), ``in_voltage<ch>_input`` (mV), ``in_current<ch>_input`` (mA), ch 0..2.
* L4T 35/36 (JetPack 5/6: Xavier on JP5, Orin), the mainline hwmon driver ``ina3221``:
  ``<root>/bus/i2c/drivers/ina3221/<bus>-<addr>/hwmon/hwmon<K>/in<ch>_label`` with ``in<ch>_input``
  (bus mV) and ``curr<ch>_input`` (mA), ch 1..3; power = V·I. ``in4..6`` (shunt) and ``in7`` ("sum of
  shunt voltages") have no current file and are skipped; ``update_interval`` (ms) is recorded.

Rail names are kept verbatim; ``NC`` channels are skipped; combined rails (``VDD_CPU_GPU_CV``) keep
their names. What is summed: the **module input** rail where the board has one (``VDD_IN`` on TX2,
Xavier NX, Orin Nano/NX; ``POM_5V_IN`` on Nano) -- every other rail is a subset of it. Boards with no
input rail (AGX Xavier, AGX Orin) get the sum of all rails, labelled ``sum_of_rails`` (not a module
total). The carrier board is never measured. Readings are power only: integrated (trapezoid).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from runner.meters.base import (
    Clock,
    Meter,
    Probe,
    Sample,
    maybe_int,
    maybe_text,
    os_reason,
    read_int,
    sysfs_root,
)

INPUT_RAILS = ("VDD_IN", "POM_5V_IN")
SKIPPED_LABELS = ("NC",)


@dataclass(frozen=True)
class Rail:
    name: str  # verbatim rail label (may get "@<bus-addr>" if two monitors share a label)
    device: str  # i2c device, e.g. 1-0040
    power: Optional[Path] = None  # mW (iio layout)
    voltage: Optional[Path] = None  # mV
    current: Optional[Path] = None  # mA

    def read_w(self) -> float:
        """Power now in W. Raises OSError or ValueError when the channel cannot be read."""
        if self.power is not None:
            return read_int(self.power) / 1e3
        assert self.voltage is not None and self.current is not None
        return read_int(self.voltage) * read_int(self.current) / 1e6


def _channel(path: Path, pattern: str) -> int:
    m = re.search(pattern, path.name)
    return int(m.group(1)) if m else -1


def iio_rails(drivers: Path) -> List[Rail]:
    """Rails of the L4T 32 ``ina3221x`` IIO driver."""
    rails = []
    for dev in sorted((drivers / "ina3221x").glob("*/iio:device*")):
        for f in sorted(dev.glob("rail_name_*"), key=lambda p: _channel(p, r"_(\d+)$")):
            ch, label = _channel(f, r"_(\d+)$"), maybe_text(f)
            if not label or label in SKIPPED_LABELS:
                continue
            power = dev / f"in_power{ch}_input"
            if power.exists():
                rails.append(Rail(label, dev.parent.name, power=power))
            else:
                rails.append(
                    Rail(
                        label,
                        dev.parent.name,
                        None,
                        dev / f"in_voltage{ch}_input",
                        dev / f"in_current{ch}_input",
                    )
                )
    return rails


def hwmon_rails(drivers: Path) -> Tuple[List[Rail], Optional[float]]:
    """Rails of the mainline ``ina3221`` hwmon driver, and its update interval (s) if exposed."""
    rails, interval = [], None
    for hw in sorted((drivers / "ina3221").glob("*/hwmon/hwmon*")):
        ms = maybe_int(hw / "update_interval")
        if ms is not None:
            interval = max(interval or 0.0, ms / 1e3)
        for f in sorted(hw.glob("in*_label"), key=lambda p: _channel(p, r"^in(\d+)_")):
            ch, label = _channel(f, r"^in(\d+)_"), maybe_text(f)
            current = hw / f"curr{ch}_input"
            if not label or label in SKIPPED_LABELS or "sum of shunt" in label.lower() or not current.exists():
                continue
            rails.append(Rail(label, hw.parent.parent.name, None, hw / f"in{ch}_input", current))
    return rails, interval


def _unique(rails: List[Rail]) -> List[Rail]:
    names = [r.name for r in rails]
    return [
        Rail(f"{r.name}@{r.device}", r.device, r.power, r.voltage, r.current) if names.count(r.name) > 1 else r
        for r in rails
    ]


class Ina3221Meter(Meter):
    name = "ina3221"
    method = "integrated"

    def __init__(self, sysfs_root_path: Optional[str] = None, clock: Optional[Clock] = None) -> None:
        super().__init__(clock)
        self.root = sysfs_root(sysfs_root_path)
        self.rails: List[Rail] = []
        self.scope = ""  # module_input | sum_of_rails

    def probe(self) -> Probe:
        drivers = self.root / "bus" / "i2c" / "drivers"
        if not (drivers / "ina3221x").is_dir() and not (drivers / "ina3221").is_dir():
            return Probe(
                self.name,
                False,
                "not_found",
                f"no {drivers}/ina3221x or {drivers}/ina3221 (not a Jetson module)",
            )
        hw, interval = hwmon_rails(drivers)
        rails = _unique(iio_rails(drivers) + hw)
        if not rails:
            return Probe(self.name, False, "not_found", f"INA3221 driver under {drivers} but no labelled rail")
        readable, failures = [], []
        for r in rails:
            try:
                r.read_w()
                readable.append(r)
            except (OSError, ValueError) as exc:
                failures.append((r, exc))
        if not readable:
            rail, exc = failures[0]
            reason = os_reason(exc) if isinstance(exc, OSError) else "unsupported"
            return Probe(self.name, False, reason, f"rail {rail.name} on {rail.device}: {exc}")
        self.update_period_s = interval or 0.0
        return self._accept(readable, [r.name for r, _ in failures])

    def _accept(self, rails: List[Rail], unreadable: List[str]) -> Probe:
        self.rails = rails
        names = tuple(r.name for r in rails)
        inputs = [n for n in names if n in INPUT_RAILS]
        if inputs:
            self.scope, self.summed = "module_input", (inputs[0],)
            detail = f"module input rail {inputs[0]} (other rails are subsets of it: stored, not summed)"
        else:
            self.scope, self.summed = "sum_of_rails", names
            detail = f"no module input rail on this board: sum_of_rails {' + '.join(names)} (not a module total)"
        if unreadable:
            detail += f"; unreadable: {', '.join(unreadable)}"
        return Probe(self.name, True, "", detail + "; carrier board not measured", names, self.summed)

    def read(self) -> List[Sample]:
        samples = []
        for r in self.rails:
            try:
                watts = r.read_w()
            except (OSError, ValueError):
                continue
            samples.append(Sample(self.name, r.name, self.clock(), power_w=watts))
        return samples
