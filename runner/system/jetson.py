"""A Jetson's power mode on record: the nvpmodel mode, jetson_clocks, and the CPU/GPU/EMC limits.

The same model and framework run at very different speeds under different nvpmodel modes (15 W vs MAXN)
and with or without ``jetson_clocks`` (which pins every clock at its maximum), so each run records them
(manifest ``host.jetson_power``) and each row carries them (the Jetson block of runner.results.schema).
Sources, in order:

* mode id and name: ``nvpmodel -q`` (``NV Power Mode: MAXN`` then the id; ``EDGEBENCH_NVPMODEL``
  names the tool), else ``/var/lib/nvpmodel/status`` (``pmode:0002``, what nvpmodel writes) with the
  name from ``/etc/nvpmodel.conf`` (``< POWER_MODEL ID=2 NAME=MAXN_SUPER >``), else the file's
  ``< PM_CONFIG DEFAULT=n >`` (the mode a board boots into when nvpmodel never ran);
* limits from sysfs (``EDGEBENCH_SYSFS_ROOT``): CPU ``cpufreq/scaling_{min,max}_freq`` (kHz) of the
  online CPUs, GPU devfreq ``min_freq``/``max_freq`` (Hz; ``17000000.ga10b`` on Orin, ``.gv11b`` on
  Xavier, ``57000000.gpu`` on TX2/Nano), EMC ``kernel/nvpmodel_emc_cap/emc_iso_cap`` and the BPMP
  debugfs clock ``kernel/debug/bpmp/debug/clk/emc/{min,max}_rate`` (root, debugfs mounted: usually
  absent in a container, then null);
* ``jetson_clocks`` is on when every online CPU's and the GPU's minimum equals its maximum (and the
  EMC's, where it can be read): that is what the script does.

Not a Jetson (no L4T release, no nvpmodel file or tool): ``None``, so every column is null.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from runner.results.schema import POWER_MODE_COLUMNS
from runner.system.probe import l4t_release

NVPMODEL_ENV = "EDGEBENCH_NVPMODEL"
GPU_DEVFREQ = re.compile(r"(gpu|ga10b|gv11b|gp10b|gm20b|gb10b)$")



@dataclass(frozen=True)
class PowerMode:
    nvpmodel_id: Optional[int]
    nvpmodel_name: Optional[str]
    jetson_clocks: Optional[bool]
    cpu_min_freq_hz: Optional[int]
    cpu_max_freq_hz: Optional[int]
    gpu_min_freq_hz: Optional[int]
    gpu_max_freq_hz: Optional[int]
    emc_max_freq_hz: Optional[int]
    source: str  # where the mode came from: nvpmodel -q | status file | default in nvpmodel.conf | none

    def columns(self) -> Dict[str, Any]:
        return {c: getattr(self, c) for c in POWER_MODE_COLUMNS}


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return None


def _int(path: Path) -> Optional[int]:
    try:
        return int(_read(path) or "")
    except ValueError:
        return None


def parse_query(text: str) -> Tuple[Optional[int], Optional[str]]:
    """``nvpmodel -q``: ``NV Power Mode: MAXN_SUPER`` followed by the id on its own line."""
    m = re.search(r"NV Power Mode:\s*(\S+)\s*\n\s*(\d+)", text)
    return (int(m.group(2)), m.group(1)) if m else (None, None)


def parse_conf(text: str) -> Tuple[Dict[int, str], Optional[int]]:
    """``/etc/nvpmodel.conf``: mode names by id, and the boot default."""
    names = {int(i): n for i, n in re.findall(r"^<\s*POWER_MODEL\s+ID=(\d+)\s+NAME=(\S+)\s*>", text, re.M)}
    m = re.search(r"^<\s*PM_CONFIG\s+DEFAULT=(\d+)\s*>", text, re.M)
    return names, int(m.group(1)) if m else None


def query_nvpmodel(tool: Optional[str] = None) -> Tuple[Optional[int], Optional[str]]:
    """Run ``nvpmodel -q`` (the argument, EDGEBENCH_NVPMODEL or PATH); (None, None) when it cannot."""
    tool = tool or os.environ.get(NVPMODEL_ENV) or shutil.which("nvpmodel")
    if not tool:
        return None, None
    try:
        out = subprocess.run([tool, "-q"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None, None
    return parse_query(out.stdout + "\n" + out.stderr)


def mode(root: Path, tool: Optional[str] = None) -> Tuple[Optional[int], Optional[str], str]:
    """(id, name, source) of the current nvpmodel mode."""
    names, default = parse_conf(_read(root / "etc/nvpmodel.conf") or "")
    mode_id, name = query_nvpmodel(tool)
    if mode_id is not None:
        return mode_id, name, "nvpmodel -q"
    m = re.search(r"pmode:(\d+)", _read(root / "var/lib/nvpmodel/status") or "")
    if m:
        return int(m.group(1)), names.get(int(m.group(1))), "status file"
    if default is not None:
        return default, names.get(default), "default in nvpmodel.conf"
    return None, None, "none"


def cpu_limits(sysfs: Path) -> List[Tuple[int, int]]:
    """(min, max) in Hz of each online CPU's cpufreq policy."""
    limits = []
    for cpufreq in sorted((sysfs / "devices/system/cpu").glob("cpu[0-9]*/cpufreq")):
        if _read(cpufreq.parent / "online") == "0":
            continue
        lo, hi = _int(cpufreq / "scaling_min_freq"), _int(cpufreq / "scaling_max_freq")
        if lo is not None and hi is not None:
            limits.append((lo * 1000, hi * 1000))
    return limits


def gpu_limits(sysfs: Path) -> Optional[Tuple[int, int]]:
    """(min, max) in Hz of the GPU's devfreq device."""
    for dev in sorted((sysfs / "class/devfreq").glob("*")):
        if GPU_DEVFREQ.search(dev.name.split(".")[-1]):
            lo, hi = _int(dev / "min_freq"), _int(dev / "max_freq")
            if lo is not None and hi is not None:
                return lo, hi
    return None


def emc_limits(sysfs: Path) -> Tuple[Optional[int], Optional[int]]:
    """(min, max) in Hz of the memory controller: BPMP debugfs rates, the max capped by nvpmodel."""
    bpmp = sysfs / "kernel/debug/bpmp/debug/clk/emc"
    lo, hi = _int(bpmp / "min_rate"), _int(bpmp / "max_rate")
    cap = _int(sysfs / "kernel/nvpmodel_emc_cap/emc_iso_cap")
    if cap:
        hi = min(hi, cap) if hi else cap
    return lo, hi


def power_mode(root: Path = Path("/"), sysfs: Optional[Path] = None, tool: Optional[str] = None) -> Optional[PowerMode]:
    """The Jetson's power mode, or None when this is not a Jetson."""
    sysfs = sysfs or Path(os.environ.get("EDGEBENCH_SYSFS_ROOT") or "/sys")
    mode_id, name, source = mode(root, tool)
    if mode_id is None and not l4t_release(root):
        return None
    cpus, gpu = cpu_limits(sysfs), gpu_limits(sysfs)
    emc_lo, emc_hi = emc_limits(sysfs)
    pinned: Optional[bool] = None
    if cpus:
        pinned = all(lo == hi for lo, hi in cpus) and (gpu is None or gpu[0] == gpu[1])
        if emc_lo is not None and emc_hi is not None:
            pinned = pinned and emc_lo == emc_hi
    return PowerMode(
        nvpmodel_id=mode_id, nvpmodel_name=name, jetson_clocks=pinned,
        cpu_min_freq_hz=min(lo for lo, _ in cpus) if cpus else None,
        cpu_max_freq_hz=max(hi for _, hi in cpus) if cpus else None,
        gpu_min_freq_hz=gpu[0] if gpu else None, gpu_max_freq_hz=gpu[1] if gpu else None,
        emc_max_freq_hz=emc_hi, source=source,
    )


def describe(found: Optional[PowerMode]) -> Optional[Dict[str, Any]]:
    """The manifest's ``host.jetson_power``: every field, the source of the mode included."""
    return asdict(found) if found is not None else None
