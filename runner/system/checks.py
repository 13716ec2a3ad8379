"""Checks before a run: conditions that make numbers untrustworthy, each quoting numbers and a next step.

The results are recorded in the manifest and printed; none of them stops a run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List

LOAD_WARN = 0.5  # load average per core above which other work competes with the cells


def check(host: Dict[str, Any], root: Path = Path("/")) -> List[str]:
    warnings = []
    governors = host.get("governors") or {}
    slow = {g: n for g, n in governors.items() if g not in ("performance",)}
    if slow:
        summary = ", ".join(f"{n} CPUs on '{g}'" for g, n in sorted(slow.items()))
        warnings.append(f"CPU frequency governor: {summary}; for stable latencies set 'performance' "
                        "(e.g. cpupower frequency-set -g performance)")
    cores = host.get("cpu_count") or 1
    try:
        load1 = os.getloadavg()[0]
    except OSError:
        load1 = 0.0
    if load1 / cores > LOAD_WARN:
        warnings.append(f"load average {load1:.2f} on {cores} cores before the run; other work competes with "
                        "the cells: stop it or expect noisy latencies")
    if _on_battery(root):
        warnings.append("running on battery: power management may throttle the CPU; plug in for comparable runs")
    return warnings


def _on_battery(root: Path) -> bool:
    for supply in (root / "sys/class/power_supply").glob("*"):
        try:
            if (supply / "type").read_text().strip() == "Mains":
                return (supply / "online").read_text().strip() == "0"
        except OSError:
            continue
    return False
