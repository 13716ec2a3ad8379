"""The CPUs this process may use: what ``threads = "all"`` means (DESIGN §5).

Two limits, the smaller wins: the CPUs in the scheduler affinity mask (``sched_getaffinity``: ``taskset``,
``docker --cpuset-cpus``, a Kubernetes static CPU manager) and the cgroup CPU quota (``docker --cpus``,
Kubernetes CPU limits), cgroup v2 ``cpu.max`` or v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``, the
smallest along the process's cgroup and its ancestors. A fractional quota is rounded down, and the result
is at least 1. ``os.cpu_count()`` counts the machine's CPUs, whatever of them the process may use.

:func:`usable` is pure (the facts passed in); :func:`read` gathers them from ``/proc/self`` and the cgroup
mounts under an injectable root.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Dict, Iterable, List, Optional, Tuple


@dataclass(frozen=True)
class CpuLimits:
    """``affinity``: CPUs in the affinity mask; ``quota``: CPUs the cgroup quota allows (quota / period, None
    without a quota); ``quota_file``: where the binding quota was read; ``count``: what ``all`` resolves to."""

    affinity: int
    quota: Optional[float]
    quota_file: str
    count: int

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def usable(affinity: int, quotas: Iterable[Tuple[float, str]]) -> CpuLimits:
    """The CPUs a process may use: ``affinity`` CPUs, limited by the smallest cgroup quota (in CPUs, with
    the file it came from), rounded down, at least 1."""
    found = sorted(quotas)
    quota, where = found[0] if found else (None, "")
    count = affinity if quota is None else min(affinity, math.floor(quota))
    return CpuLimits(affinity, quota, where, max(1, count))


def read(root: Path = Path("/"), affinity: Optional[int] = None) -> CpuLimits:
    """The limits of this process: its affinity (or ``affinity`` given) and the cgroup quotas under ``root``."""
    if affinity is None:
        affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return usable(affinity, cgroup_quotas(root))


def cgroup_quotas(root: Path) -> List[Tuple[float, str]]:
    """Every CPU quota (in CPUs, with its file) on the process's cgroup path and its ancestors, v2 and v1."""
    memberships = _memberships(_text(root / "proc/self/cgroup"))
    found: List[Tuple[float, str]] = []
    for mount_root, mount_point, version in _mounts(_text(root / "proc/self/mountinfo")):
        path = memberships.get("" if version == 2 else "cpu")
        if path is None:
            continue
        for folder in _folders(root, mount_root, mount_point, path):
            quota = _quota_v2(folder) if version == 2 else _quota_v1(folder)
            if quota is not None:
                found.append(quota)
    return found


def _memberships(text: str) -> Dict[str, str]:
    """``/proc/self/cgroup`` as controller -> path: ``""`` for the v2 line (``0::/path``), else each v1
    controller (``4:cpu,cpuacct:/path`` gives ``cpu`` and ``cpuacct``)."""
    out: Dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        if hierarchy == "0" and controllers == "":
            out[""] = path
        for name in controllers.split(","):
            if name:
                out[name] = path
    return out


def _mounts(text: str) -> List[Tuple[str, str, int]]:
    """``(root inside the hierarchy, mount point, version)`` of the cgroup2 mounts and the v1 ``cpu`` ones."""
    out = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 5 or len(tail) < 3:
            continue
        if tail[0] == "cgroup2":
            out.append((fields[3], fields[4], 2))
        elif tail[0] == "cgroup" and "cpu" in tail[2].split(","):
            out.append((fields[3], fields[4], 1))
    return out


def _folders(root: Path, mount_root: str, mount_point: str, path: str) -> List[Path]:
    """The process's cgroup folder under the mount, then each ancestor up to the mount point. A path outside
    the mount's root (a container seeing the host's path) starts at the mount point."""
    try:
        relative = PurePosixPath(path).relative_to(PurePosixPath(mount_root))
    except ValueError:
        relative = PurePosixPath(".")
    base = root / mount_point.lstrip("/")
    parts = [p for p in relative.parts if p not in ("/", ".")]
    return [base.joinpath(*parts[:n]) for n in range(len(parts), -1, -1)]


def _quota_v2(folder: Path) -> Optional[Tuple[float, str]]:
    fields = _text(folder / "cpu.max").split()
    if len(fields) == 2 and fields[0] != "max" and _positive(fields[0]) and _positive(fields[1]):
        return int(fields[0]) / int(fields[1]), str(folder / "cpu.max")
    return None


def _quota_v1(folder: Path) -> Optional[Tuple[float, str]]:
    quota, period = _text(folder / "cpu.cfs_quota_us"), _text(folder / "cpu.cfs_period_us")
    if _positive(quota) and _positive(period):
        return int(quota) / int(period), str(folder / "cpu.cfs_quota_us")
    return None


def _positive(text: str) -> bool:
    return text.strip().isdigit() and int(text) > 0


def _text(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""
