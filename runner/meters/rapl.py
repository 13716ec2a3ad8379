"""Intel and AMD RAPL through the powercap sysfs tree (research/energy.md §1).

Layout: ``<root>/class/powercap/intel-rapl:<pkg>[:<sub>]`` (MSR interface) and, on newer Intel
clients, ``intel-rapl-mmio:<n>``; each entry is a symlink into ``/sys/devices/virtual/powercap``.
Every zone has ``name``, ``energy_uj`` (µJ, wraps at ``max_energy_range_uj``, root-only since
Linux 5.10) and ``max_energy_range_uj``. AMD Zen uses the same driver and names, with only
``package`` and ``core`` zones (§1.2).

Domains are named from the zone ``name`` (never the index): ``package-0``, ``package-1-die-0``,
``psys``, sub-zones as ``<parent>/<name>`` (``package-0/dram``, ``package-0/core``). All are read and
stored; only a non-overlapping set is summed into a cell's energy (§1.1):

* every top-level ``package-*`` zone (one per socket or die), plus every ``dram`` zone;
* never ``core`` or ``uncore`` (subsets of their package);
* never ``psys`` on top of a package (it is a superset: the platform); psys is summed alone only on a
  machine that has no package zone;
* ``intel-rapl-mmio`` zones whose name duplicates an MSR zone are dropped (the same counter).

Wraparound is handled in one locked place, :class:`runner.meters.counter.WrapCounter`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from runner.meters.base import Clock, Meter, Probe, Sample, os_reason, read_int, read_text, sysfs_root
from runner.meters.counter import WrapCounter

CONTROL_TYPES = ("intel-rapl", "intel-rapl-mmio")
_ZONE_RE = re.compile(r"^(intel-rapl(?:-mmio)?):(\d+(?::\d+)*)$")
PERMISSION_HINT = (
    "energy_uj (and on some kernels max_energy_range_uj) is root-only since Linux 5.10 (CVE-2020-8694): "
    "run as root (uid 0, no user-namespace remapping), or relax the host's permissions "
    "(chmod, sysfsutils or a udev rule; see the Energy section of README.md)"
)
MASKED_HINT = (
    "Docker masks /sys/devices/virtual/powercap: mount both /sys/class/powercap and "
    "/sys/devices/virtual/powercap read-only under /host/sys and set EDGEBENCH_SYSFS_ROOT=/host/sys"
)


@dataclass(frozen=True)
class Zone:
    zone_id: str  # intel-rapl:0:1
    path: Path
    name: str  # verbatim zone name: package-0, dram, core, psys
    domain: str  # package-0/dram
    kind: str  # package | dram | core | uncore | psys | other
    top_level: bool


def zone_kind(name: str) -> str:
    if name.startswith("package"):
        return "package"
    return name if name in ("dram", "core", "uncore", "psys") else "other"


def _zone_key(zone_id: str) -> Tuple[int, Tuple[int, ...]]:
    m = _ZONE_RE.match(zone_id)
    assert m is not None
    return CONTROL_TYPES.index(m.group(1)), tuple(int(i) for i in m.group(2).split(":"))


def discover(powercap: Path) -> Tuple[List[Zone], List[str], List[str]]:
    """Zones under ``powercap`` (MSR before MMIO), dangling entries, and dropped duplicates."""
    ids = sorted((p.name for p in powercap.iterdir() if _ZONE_RE.match(p.name)), key=_zone_key)
    names: Dict[str, str] = {}
    dangling: List[str] = []
    for zid in ids:
        try:
            names[zid] = read_text(powercap / zid / "name")
        except OSError:
            dangling.append(zid)
    zones: List[Zone] = []
    seen: Dict[str, str] = {}
    dropped: List[str] = []
    for zid, name in names.items():
        parent = zid.rsplit(":", 1)[0]
        top = parent in CONTROL_TYPES
        domain = name if top else f"{names.get(parent, parent)}/{name}"
        if domain in seen:
            dropped.append(f"{zid} (duplicate of {seen[domain]})")
            continue
        seen[domain] = zid
        zones.append(Zone(zid, powercap / zid, name, domain, zone_kind(name), top))
    return zones, dangling, dropped


def choose_summed(zones: List[Zone]) -> Tuple[str, ...]:
    """The non-overlapping domains to add up: packages + dram, else psys alone."""
    packages = [z for z in zones if z.kind == "package" and z.top_level]
    if packages:
        return tuple(z.domain for z in zones if (z.kind == "package" and z.top_level) or z.kind == "dram")
    return tuple(z.domain for z in zones if z.kind == "psys")[:1]


class RaplMeter(Meter):
    name = "rapl"
    method = "counter"
    update_period_s = 0.001  # ~1 ms (research/energy.md §1.7)

    def __init__(self, sysfs_root_path: Optional[str] = None, clock: Optional[Clock] = None) -> None:
        super().__init__(clock)
        self.root = sysfs_root(sysfs_root_path)
        self._zones: List[Zone] = []
        self._counters: Dict[str, WrapCounter] = {}

    def probe(self) -> Probe:
        powercap = self.root / "class" / "powercap"
        if not powercap.is_dir():
            return Probe(
                self.name,
                False,
                "not_found",
                f"{powercap} does not exist (no RAPL driver, "
                "a VM, or not mounted into the container; see the Energy section of README.md)",
            )
        zones, dangling, dropped = discover(powercap)
        if not zones:
            if dangling:
                return Probe(
                    self.name,
                    False,
                    "not_found",
                    f"{', '.join(dangling)} under {powercap} cannot be read (dangling links?); {MASKED_HINT}",
                )
            return Probe(self.name, False, "not_found", f"no intel-rapl:* zones under {powercap}")
        readable, failures = self._check(zones)
        if not readable:
            zone, exc = failures[0]
            where = exc.filename or zone.path / "energy_uj"
            detail = f"{where}: {exc.strerror or exc} (uid {os.getuid()})"
            if isinstance(exc, PermissionError):
                detail += f"; {PERMISSION_HINT}"
            return Probe(self.name, False, os_reason(exc), detail)
        return self._accept(readable, failures, dropped)

    def _check(self, zones: List[Zone]) -> Tuple[List[Zone], List[Tuple[Zone, OSError]]]:
        readable, failures = [], []
        for z in zones:
            try:
                read_int(z.path / "energy_uj")
                read_int(z.path / "max_energy_range_uj")
                readable.append(z)
            except OSError as exc:
                failures.append((z, exc))
            except ValueError as exc:
                failures.append((z, OSError(0, f"unreadable value: {exc}")))
        return readable, failures

    def _accept(self, zones: List[Zone], failures: List[Tuple[Zone, OSError]], dropped: List[str]) -> Probe:
        summed = choose_summed(zones)
        domains = tuple(z.domain for z in zones)
        if not summed:
            return Probe(
                self.name,
                False,
                "unsupported",
                f"zones {', '.join(domains)} include no package, dram or psys zone",
                domains,
            )
        self._zones, self.summed = zones, summed
        notes = [f"summing {' + '.join(summed)}"]
        skipped = [d for d in domains if d not in summed]
        if skipped:
            notes.append(f"stored, not summed (overlap): {', '.join(skipped)}")
        if dropped:
            notes.append(f"dropped {', '.join(dropped)}")
        if failures:
            notes.append(f"unreadable: {', '.join(z.domain for z, _ in failures)}")
        return Probe(self.name, True, "", f"{self.root}: " + "; ".join(notes), domains, summed)

    def start(self) -> None:
        self._counters = {}
        for z in self._zones:
            try:
                counter = WrapCounter(partial(read_int, z.path / "energy_uj"), read_int(z.path / "max_energy_range_uj"))
                counter.start()
            except (OSError, ValueError):
                continue
            self._counters[z.domain] = counter

    def read(self) -> List[Sample]:
        samples = []
        for domain, counter in self._counters.items():
            try:
                total_uj = counter.sample()
            except (OSError, ValueError):
                continue
            samples.append(Sample(self.name, domain, self.clock(), energy_j=total_uj / 1e6))
        return samples

    def wraps(self) -> Dict[str, int]:
        """Wraps seen per domain since start() (diagnostics)."""
        return {d: c.wraps for d, c in self._counters.items()}
