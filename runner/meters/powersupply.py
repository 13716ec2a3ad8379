"""Linux power-supply class: batteries of laptops, phones and boards (research/energy.md §5).

``<root>/class/power_supply/<name>/`` with ``type`` (Battery, Mains, USB, ...), ``status``
(Charging, Discharging, Full, ...) and either ``power_now`` (µW) or ``voltage_now`` (µV) and
``current_now`` (µA). A battery measures the whole system only while it powers it, so only
batteries whose ``status`` is ``Discharging`` are used; a sample is skipped whenever the status is
anything else (charger plugged in mid-run shows up as a gap, never as charging power).

Sign: the ABI documents negative values for a discharging battery (since 2020); older vendor kernels
report positive values. Since only discharging batteries are read, the magnitude is the power drawn.
Some old vendor kernels report mA/mV instead of µA/µV; this backend assumes the documented units.
Fuel gauges update slowly (seconds) and smooth: use long windows. The value is system-wide and
overlaps every other meter, so ``select("auto")`` uses it only when nothing else is available.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from runner.meters.base import Clock, Meter, Probe, Sample, maybe_text, read_int, sysfs_root

UPDATE_PERIOD_S = 1.0  # fuel gauges update every second or slower (§5)


@dataclass(frozen=True)
class Supply:
    name: str
    path: Path

    def discharging(self) -> bool:
        return (maybe_text(self.path / "status") or "").lower() == "discharging"

    def read_w(self) -> float:
        """Power drawn now (W, magnitude). Raises OSError or ValueError when it cannot be read."""
        if (self.path / "power_now").exists():
            return abs(read_int(self.path / "power_now")) / 1e6
        return abs(read_int(self.path / "voltage_now") * read_int(self.path / "current_now")) / 1e12


def batteries(supplies_dir: Path) -> Tuple[List[Supply], List[str]]:
    """Battery supplies that report power (directly or as V·I), and the other supplies' names."""
    found, others = [], []
    for path in sorted(supplies_dir.iterdir()):
        kind = maybe_text(path / "type") or "?"
        has_power = (path / "power_now").exists() or (
            (path / "voltage_now").exists() and (path / "current_now").exists()
        )
        if kind == "Battery" and has_power:
            found.append(Supply(path.name, path))
        else:
            others.append(f"{path.name} ({kind})")
    return found, others


class PowerSupplyMeter(Meter):
    name = "powersupply"
    method = "integrated"
    update_period_s = UPDATE_PERIOD_S

    def __init__(self, sysfs_root_path: Optional[str] = None, clock: Optional[Clock] = None) -> None:
        super().__init__(clock)
        self.root = sysfs_root(sysfs_root_path)
        self.supplies: List[Supply] = []

    def probe(self) -> Probe:
        supplies_dir = self.root / "class" / "power_supply"
        if not supplies_dir.is_dir():
            return Probe(self.name, False, "not_found", f"{supplies_dir} does not exist")
        found, others = batteries(supplies_dir)
        if not found:
            seen = f" (found {', '.join(others)})" if others else ""
            return Probe(self.name, False, "not_found", f"no battery reporting power under {supplies_dir}{seen}")
        using = [s for s in found if s.discharging()]
        if not using:
            states = ", ".join(f"{s.name} {maybe_text(s.path / 'status') or 'unknown'}" for s in found)
            return Probe(
                self.name,
                False,
                "unsupported",
                f"{states}: a battery measures system power only while discharging; unplug the charger",
            )
        return self._accept(using)

    def _accept(self, using: List[Supply]) -> Probe:
        try:
            for s in using:
                s.read_w()
        except PermissionError as exc:
            return Probe(self.name, False, "permission_denied", str(exc))
        except (OSError, ValueError) as exc:
            return Probe(self.name, False, "unsupported", f"cannot read battery power: {exc}")
        self.supplies = using
        self.summed = tuple(s.name for s in using)
        detail = (
            f"discharging battery {' + '.join(self.summed)} (whole system, "
            f"fuel gauge updates every ~{UPDATE_PERIOD_S:g} s or slower)"
        )
        return Probe(self.name, True, "", detail, self.summed, self.summed)

    def read(self) -> List[Sample]:
        samples = []
        for s in self.supplies:
            if not s.discharging():
                continue
            try:
                watts = s.read_w()
            except (OSError, ValueError):
                continue
            samples.append(Sample(self.name, s.name, self.clock(), power_w=watts))
        return samples
