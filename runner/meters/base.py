"""The meter interface: say whether you can work and why not, then read (DESIGN §6).

A backend is constructed cheaply (nothing is read), then::

    probe()  -> Probe      available, or a machine-readable reason (REASONS) and a one-line detail
    start()                zero the counters (after a successful probe)
    read()   -> [Sample]   one sample per domain now; never raises for "no data" (returns fewer samples)
    stop()                 release handles

Two kinds of sample: counters report ``energy_j`` (cumulative since ``start()``), power-only sources
report ``power_w``. Every domain a backend can read is reported (the ``power`` table keeps them all,
names verbatim); ``summed`` names the domains that are added up into a cell's energy, chosen per
backend so that no two of them overlap.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Tuple

REASONS = ("not_found", "permission_denied", "not_installed", "no_counter", "unsupported", "disabled")
SYSFS_ENV = "EDGEBENCH_SYSFS_ROOT"
DEFAULT_PERIOD_S = 0.05  # the sampling period of the meters' thread

Clock = Callable[[], int]


@dataclass(frozen=True)
class Probe:
    meter: str
    available: bool
    reason: str = ""  # one of REASONS when not available
    detail: str = ""  # human-readable: what was looked at, what to do
    domains: Tuple[str, ...] = ()  # every domain that can be read, names verbatim
    summed: Tuple[str, ...] = ()  # the non-overlapping subset added up into the cell's energy


@dataclass(frozen=True)
class Sample:
    meter: str
    domain: str
    t_ns: int
    energy_j: Optional[float] = None  # cumulative since start() (counters)
    power_w: Optional[float] = None  # instantaneous (power-only sources)


class Meter:
    name = "base"
    method = "none"  # counter | integrated
    #: how often the sensor itself updates (s); 0 when unknown. Windows shorter than ~10 of these
    #: (or of the sampling period, whichever is longer) are flagged.
    update_period_s = 0.0
    #: what the readings leave out, when they are not the whole of what they name (a warning on every cell)
    caveat = ""

    def __init__(self, clock: Optional[Clock] = None) -> None:
        self.clock: Clock = clock or time.monotonic_ns
        self.summed: Tuple[str, ...] = ()

    def probe(self) -> Probe:
        raise NotImplementedError

    def start(self) -> None:
        pass

    def read(self) -> List[Sample]:
        """One sample per domain now; never raises for 'no data' (returns [])."""
        return []

    def stop(self) -> None:
        pass


def sysfs_root(root: Optional[str] = None) -> Path:
    """The sysfs mount to read: the argument, else env EDGEBENCH_SYSFS_ROOT, else /sys."""
    return Path(root or os.environ.get(SYSFS_ENV) or "/sys")


def read_text(path: Path) -> str:
    """A sysfs attribute, stripped. Raises OSError (PermissionError, FileNotFoundError, ...)."""
    with open(path, encoding="ascii", errors="replace") as f:
        return f.read().strip()


def read_int(path: Path) -> int:
    """An integer sysfs attribute. Raises OSError, or ValueError for a non-integer value."""
    return int(read_text(path))


def maybe_text(path: Path) -> Optional[str]:
    """A sysfs attribute, or None when it cannot be read."""
    try:
        return read_text(path)
    except OSError:
        return None


def maybe_int(path: Path) -> Optional[int]:
    """An integer sysfs attribute, or None when it cannot be read or parsed."""
    try:
        return read_int(path)
    except (OSError, ValueError):
        return None


def os_reason(exc: OSError) -> str:
    """Map an OSError from reading a sensor file to a probe reason."""
    if isinstance(exc, PermissionError):
        return "permission_denied"
    if isinstance(exc, FileNotFoundError):
        return "not_found"
    return "unsupported"
