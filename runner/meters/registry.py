"""Which meters exist and which ones a run uses: the one place meters are chosen (DESIGN §6).

``select(spec)`` takes ``auto``, ``none`` or a comma list (``rapl,nvml``; ``fake`` or ``fake:12.5``)
and returns the meters to sample plus one ``Probe`` per meter considered. Meters measured together
must not overlap, since their energies are added:

* ``rapl`` (CPU packages + DRAM), ``nvml`` (discrete GPUs), ``ina3221`` (Jetson module rails) and
  ``rpi_pmic`` (Raspberry Pi 5 PMIC rails) are disjoint and may be combined;
* ``powersupply`` (a discharging battery) is the whole system: ``auto`` uses it only when none of the
  others is available, and an explicit spec must name it alone;
* ``fake`` is synthetic and must be named alone; ``auto`` never picks it.

A meter that cannot work is kept out of the list and its probe says why; an unknown name or an
impossible combination is a ``UsageError`` (nothing has run yet).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from runner.errors import UsageError, did_you_mean
from runner.meters.base import Clock, Meter, Probe
from runner.meters.base import sysfs_root as resolve_root
from runner.meters.fake import POWER_ENV, FakeMeter, power_from_env
from runner.meters.ina3221 import Ina3221Meter
from runner.meters.nvml import NvmlMeter
from runner.meters.powersupply import PowerSupplyMeter
from runner.meters.rapl import RaplMeter
from runner.meters.rpi_pmic import RpiPmicMeter
from runner.system.probe import board_model

COMBINABLE = ("rapl", "nvml", "ina3221", "rpi_pmic")
ALONE = ("powersupply", "fake")
NAMES = COMBINABLE + ALONE
HARDWARE = COMBINABLE + ("powersupply",)


def make(
    name: str,
    sysfs_root: Optional[str] = None,
    nvml: Any = None,
    clock: Optional[Clock] = None,
    arg: Optional[str] = None,
) -> Meter:
    """One backend by name, not yet probed."""
    factories: Dict[str, Callable[[], Meter]] = {
        "rapl": lambda: RaplMeter(sysfs_root, clock),
        "nvml": lambda: NvmlMeter(nvml, clock),
        "ina3221": lambda: Ina3221Meter(sysfs_root, clock),
        "rpi_pmic": lambda: RpiPmicMeter(sysfs_root, clock),
        "powersupply": lambda: PowerSupplyMeter(sysfs_root, clock),
        "fake": lambda: FakeMeter(_fake_power(arg), clock),
    }
    return factories[name]()


def _fake_power(arg: Optional[str]) -> float:
    """The fake meter's power from ``fake:<watts>`` or EDGEBENCH_FAKE_POWER_W: a finite number >= 0."""
    try:
        power = power_from_env() if arg is None else float(arg)
    except ValueError:
        power = math.nan
    if not math.isfinite(power) or power < 0:
        where = f"'{arg}'" if arg is not None else f"from {POWER_ENV}"
        raise UsageError(f"fake meter power {where} is not a finite number of watts >= 0",
                         "e.g. --meters fake:12.5 (watts)")
    return power


def safe_probe(meter: Meter) -> Probe:
    """``meter.probe()``, with an unexpected exception turned into an 'unsupported' probe."""
    try:
        return meter.probe()
    except Exception as exc:  # a meter must never stop a run
        return Probe(meter.name, False, "unsupported", f"probe failed: {type(exc).__name__}: {exc}")


def parse_spec(spec: Optional[str]) -> List[Tuple[str, Optional[str]]]:
    """``"rapl, nvml"`` -> [("rapl", None), ("nvml", None)]; ``"fake:5"`` -> [("fake", "5")]."""
    items: List[Tuple[str, Optional[str]]] = []
    for part in (spec or "auto").split(","):
        name, _, arg = part.strip().lower().partition(":")
        if not name:
            continue
        if name not in NAMES + ("auto", "none"):
            raise UsageError(f"unknown meter '{name}'", did_you_mean(name, NAMES + ("auto", "none")))
        if name not in [n for n, _ in items]:
            items.append((name, arg or None))
    names = [n for n, _ in items]
    if len(names) > 1 and ({"auto", "none"} & set(names) or set(ALONE) & set(names)):
        alone = sorted(({"auto", "none"} | set(ALONE)) & set(names))
        raise UsageError(
            f"meter '{alone[0]}' cannot be combined with others (got {', '.join(names)})",
            "powersupply and fake measure overlapping or synthetic energy: name them alone",
        )
    return items or [("auto", None)]


def select(
    spec: str = "auto", sysfs_root: Optional[str] = None, *, nvml: Any = None, clock: Optional[Clock] = None
) -> Tuple[List[Meter], List[Probe]]:
    """The meters to sample for ``spec`` and one probe per meter considered."""
    items = parse_spec(spec)
    if items[0][0] == "none":
        return [], [Probe("none", False, "disabled", "energy measurement turned off (--meters none)")]
    if items[0][0] == "auto":
        return _auto(sysfs_root, nvml, clock)
    meters, probes = [], []
    for name, arg in items:
        meter = make(name, sysfs_root, nvml, clock, arg)
        probe = safe_probe(meter)
        probes.append(probe)
        if probe.available:
            meters.append(meter)
    return meters, probes


def _auto(sysfs_root: Optional[str], nvml: Any, clock: Optional[Clock]) -> Tuple[List[Meter], List[Probe]]:
    meters, probes = [], []
    for name in COMBINABLE:
        meter = make(name, sysfs_root, nvml, clock)
        probe = safe_probe(meter)
        probes.append(probe)
        if probe.available:
            meters.append(meter)
    supply = make("powersupply", sysfs_root, nvml, clock)
    probe = safe_probe(supply)
    if probe.available and meters:
        used = "+".join(m.name for m in meters)
        probe = Probe(
            supply.name,
            False,
            "disabled",
            f"available ({probe.detail}) but not used with {used}: "
            "a battery measures the whole system and overlaps them; use --meters powersupply alone",
        )
    elif probe.available:
        meters.append(supply)
    probes.append(probe)
    if not meters:
        probes.extend(board_probes(sysfs_root))
    return meters, probes


def board_probes(root: Optional[str]) -> List[Probe]:
    """A 'no_counter' probe for boards known to have no power sensor (research/energy.md §4); the Pi 5's
    PMIC has its own meter (rpi_pmic), whose probe says why it is not used."""
    model = board_model(Path("/"), resolve_root(root)) or ""
    if "Raspberry Pi" not in model or "Raspberry Pi 5" in model:
        return []
    return [Probe("board", False, "no_counter", f"{model} has no on-board power sensor; use an external USB meter")]


def describe_meters(sysfs_root: Optional[str] = None, *, nvml: Any = None) -> List[Dict[str, Any]]:
    """Every hardware meter with availability, reason and detail (for ``edgebench env``)."""
    rows = []
    for name in HARDWARE:
        meter = make(name, sysfs_root, nvml)
        rows.append(_row(safe_probe(meter), meter))
    return rows + [_row(p, None) for p in board_probes(sysfs_root)]


def _row(p: Probe, meter: Optional[Meter]) -> Dict[str, Any]:
    used = meter if p.available else None
    return {
        "meter": p.meter,
        "available": p.available,
        "reason": p.reason,
        "detail": p.detail,
        "method": used.method if used is not None else "none",
        "domains": list(p.domains),
        "summed": list(p.summed),
        "update_period_s": used.update_period_s if used is not None else None,
    }
