"""What a re-run with the same run id must match (DESIGN §7): the budget, the device, the image and the
runner version of the cells already in the run folder.

    problems = mismatches(previous_settings(manifest), current)
    check(problems, allow_mixed)       # a RunStateError (exit 3) unless --allow-mixed

A run mixes measurements only when asked: with ``--allow-mixed`` the differences are recorded in the
manifest's invocation, and every row carries its own budget (the ``budget_*`` columns).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, List, Mapping, Optional

from runner.cell import Budget
from runner.errors import RunStateError

KEYS = ("budget", "device", "image", "runner_version")


def settings(budget: Budget, device: str, image: Optional[str], runner_version: str) -> Dict[str, Any]:
    """The settings a run's cells must share, as JSON values (comparable with a manifest's)."""
    return json.loads(json.dumps({"budget": dataclasses.asdict(budget), "device": device, "image": image,
                                  "runner_version": runner_version}))


def previous_settings(manifest: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The settings recorded by the run's last invocation, or None for a new run."""
    if not manifest:
        return None
    invocations = manifest.get("invocations") or [{}]
    host = manifest.get("host") or {}
    return {"budget": (invocations[-1].get("grid") or {}).get("budget"), "device": manifest.get("device"),
            "image": host.get("image_digest") or host.get("image"), "runner_version": manifest.get("runner_version")}


def mismatches(previous: Optional[Mapping[str, Any]], current: Mapping[str, Any]) -> List[str]:
    """One short line per setting that differs, e.g. ``budget max_time_s 10.0 → 2.0``."""
    if previous is None:
        return []
    out = []
    for key in KEYS:
        old, new = previous.get(key), current.get(key)
        if key == "budget" and isinstance(old, dict) and isinstance(new, dict):
            out += [f"budget {k} {old.get(k)} → {new.get(k)}" for k in sorted(set(old) | set(new))
                    if old.get(k) != new.get(k)]
        elif old != new:
            out.append(f"{key} {old} → {new}")
    return out


def check(problems: List[str], allow_mixed: bool, run_id: str) -> None:
    """Refuse to mix settings in one run unless ``allow_mixed``."""
    if problems and not allow_mixed:
        raise RunStateError(f"run {run_id} was measured with other settings: {'; '.join(problems)}",
                            "re-run with the same options, pass another --run-id, or --allow-mixed to mix them "
                            "in one run (recorded in the manifest and in each row's budget_* columns)")
