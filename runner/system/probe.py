"""Host facts for the manifest and ``edgebench env`` (pyperf ``_collect_metadata`` style).

Paths are injectable (``root``) so tests can use a fake tree. The L4T release follows jetson-containers'
order: argument, then ``EDGEBENCH_L4T_RELEASE``, then ``/etc/nv_tegra_release``.
"""

from __future__ import annotations

import os
import platform
import re
import socket
import subprocess
from pathlib import Path
from typing import Any, Dict, Optional

from runner.system import cpus


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return None


def cpu_model(root: Path = Path("/")) -> Optional[str]:
    text = _read(root / "proc/cpuinfo") or ""
    for key in ("model name", "Hardware", "Model"):
        m = re.search(rf"^{key}\s*:\s*(.+)$", text, re.M)
        if m:
            return m.group(1).strip()
    return platform.processor() or None


def l4t_release(root: Path = Path("/"), override: Optional[str] = None) -> Optional[str]:
    """``"36.4.0"`` style, from the override, the variable, or ``/etc/nv_tegra_release``."""
    value = override or os.environ.get("EDGEBENCH_L4T_RELEASE")
    if value:
        return value
    text = _read(root / "etc/nv_tegra_release")
    m = re.search(r"R(\d+)\s*\(release\),\s*REVISION:\s*([\d.]+)", text or "")
    return f"{m.group(1)}.{m.group(2)}" if m else None


def board_model(root: Path = Path("/"), sysfs: Optional[Path] = None) -> Optional[str]:
    """The board's model (``Raspberry Pi 5 Model B Rev 1.0``): the device tree, else /proc/cpuinfo's
    ``Model`` line, which Raspberry Pi kernels print (containers mask /sys/firmware, hence the tree)."""
    trees = ([sysfs / "firmware/devicetree/base/model"] if sysfs else []) + [root / "proc/device-tree/model"]
    for path in trees:
        model = (_read(path) or "").strip("\x00 ")
        if model:
            return model
    m = re.search(r"^Model\s*:\s*(.+)$", _read(root / "proc/cpuinfo") or "", re.M)
    return m.group(1).strip() if m else None


def device_class(root: Path = Path("/")) -> str:
    if l4t_release(root):
        return "jetson"
    model = board_model(root) or ""
    if "Raspberry Pi" in model:
        return "rpi"
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64", "i686"):
        return "x86"
    return "arm64" if machine in ("aarch64", "arm64") else "other"


def device_name() -> str:
    return os.environ.get("EDGEBENCH_DEVICE") or f"{platform.machine()}-{socket.gethostname()}"


def git_revision(path: Path) -> Optional[str]:
    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


def governors(root: Path = Path("/")) -> Dict[str, int]:
    """Counts of CPU frequency governors in use (a mix, or ``powersave``, is worth a warning)."""
    counts: Dict[str, int] = {}
    for path in sorted((root / "sys/devices/system/cpu").glob("cpu[0-9]*/cpufreq/scaling_governor")):
        gov = _read(path) or "?"
        counts[gov] = counts.get(gov, 0) + 1
    return counts


def memory_total_bytes(root: Path = Path("/")) -> Optional[int]:
    m = re.search(r"MemTotal:\s+(\d+) kB", _read(root / "proc/meminfo") or "")
    return int(m.group(1)) * 1024 if m else None


def image_id() -> Optional[str]:
    """The image this runs in: its digest where known, else its reference (None natively)."""
    return os.environ.get("EDGEBENCH_IMAGE_DIGEST") or os.environ.get("EDGEBENCH_IMAGE")


def host_facts(root: Path = Path("/")) -> Dict[str, Any]:
    from runner.system import jetson  # it reads this module's l4t_release

    return {
        "hostname": socket.gethostname(),
        "device": device_name(),
        "device_class": device_class(root),
        "machine": platform.machine(),
        "system": platform.system(),
        "kernel": platform.release(),
        "os": (_read(root / "etc/os-release") or "").split("PRETTY_NAME=")[-1].split("\n")[0].strip('"') or None,
        "cpu_model": cpu_model(root),
        "cpu_count": os.cpu_count(),
        "cpu_limits": cpus.read(root).to_dict(),  # what threads = "all" resolves to, and why
        "memory_total_bytes": memory_total_bytes(root),
        "governors": governors(root),
        "l4t_release": l4t_release(root),
        "jetson_power": jetson.describe(jetson.power_mode(root)),
        "python": platform.python_version(),
        "in_container": Path("/.dockerenv").exists() or bool(os.environ.get("EDGEBENCH_IMAGE")),
        "image": os.environ.get("EDGEBENCH_IMAGE"),
        "image_digest": os.environ.get("EDGEBENCH_IMAGE_DIGEST"),
    }
