"""What a re-run with the same run id trusts and what it must match (DESIGN §7).

A cell counts as done only when its cells part reads back: one row, of this run and this cell id, of this
schema version, with a known status (:func:`part_problem`). A part that does not (truncated by a power cut
on an older version, emptied, edited) is moved aside to ``<run>/damaged/<table>/`` with the cell's other
parts — kept, never deleted — and the cell runs again (:func:`move_aside`).

The cells already there must have been measured with the same budget, device, image and runner version:

    problems = mismatches(previous_settings(manifest), current)
    check(problems, allow_mixed)       # a RunStateError (exit 3) unless --allow-mixed

A run mixes measurements only when asked: with ``--allow-mixed`` the differences are recorded in the
manifest's invocation, and every row carries its own budget (the ``budget_*`` columns).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

from runner.cell import Budget
from runner.errors import RunStateError

KEYS = ("budget", "device", "image", "runner_version")
DAMAGED = "damaged"
STATUSES = ("ok", "failed", "timeout", "oom", "crashed", "unsupported", "unavailable")  # worker.protocol's


CHECKED = ("run_id", "cell_id", "schema_version", "status")


def read_rows(path: Path) -> List[Dict[str, Any]]:
    """The rows of one cells part (Parquet: the checked columns only), or raises on anything unreadable."""
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    import pyarrow.parquet as pq

    part = pq.ParquetFile(path)
    names = set(part.schema_arrow.names)
    return part.read(columns=[c for c in CHECKED if c in names]).to_pylist()


def part_problem(path: Path, run_id: str, cell_id: str, schema_version: str) -> Optional[str]:
    """None when the cells part ``path`` reads back as the one row of ``cell_id``, else what is wrong."""
    try:
        rows = read_rows(path)
    except ImportError:
        return None  # a Parquet part on a host without pyarrow: it cannot be checked here
    except Exception as exc:  # noqa: BLE001 - any reader error means the part is unusable
        return f"unreadable ({type(exc).__name__}: {str(exc)[:120]})"
    if len(rows) != 1 or not isinstance(rows[0], dict):
        return f"{len(rows)} rows instead of 1"
    row = rows[0]
    expected = {"run_id": run_id, "cell_id": cell_id, "schema_version": schema_version}
    wrong = [f"{k} {row.get(k)!r}" for k, v in expected.items() if row.get(k) != v]
    if row.get("status") not in STATUSES:
        wrong.append(f"status {row.get('status')!r}")
    return ", ".join(wrong) or None


def move_aside(run_dir: Path, cell_id: str, tables: Sequence[str]) -> List[Path]:
    """Move every part of ``cell_id`` to ``<run>/damaged/<table>/`` (a numbered name if taken); the new paths."""
    moved = []
    for table in tables:
        for path in (run_dir / table / f"part-{cell_id}{suffix}" for suffix in (".parquet", ".jsonl")):
            if not path.exists():
                continue
            dest_dir = run_dir / DAMAGED / table
            dest_dir.mkdir(parents=True, exist_ok=True)
            dest, n = dest_dir / path.name, 1
            while dest.exists():
                dest, n = dest_dir / f"{path.name}.{n}", n + 1
            os.replace(path, dest)
            moved.append(dest)
    return moved


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


def check_run(manifest: Mapping[str, Any], done: int, current: Mapping[str, Any], allow_mixed: bool,
              run_id: str) -> List[str]:
    """What differs between ``current`` and the ``done`` cells of the run (none when there are none),
    refused unless ``allow_mixed``; a run with cells but no manifest cannot say, which counts as different."""
    if not done:
        return []
    problems = mismatches(previous_settings(manifest), current) if manifest else [
        f"unknown: {done} cells but no manifest.json"]
    check(problems, allow_mixed, run_id)
    return problems


def model_files(cells: Sequence[Any]) -> Dict[str, Dict[str, Any]]:
    """The model files of ``cells`` as the manifest records them: name in the data -> sha256, format, path."""
    files = {c.model_file.name: c.model_file for c in cells if getattr(c, "model_file", None) is not None}
    return {n: {"sha256": f.sha256, "format": f.format, "path": f.path} for n, f in sorted(files.items())}


def check_model_files(manifest: Mapping[str, Any], current: Mapping[str, Mapping[str, Any]], run_id: str) -> None:
    """A model name of the run must keep its file: a cell id names the model, so another file of the same name
    would be taken for cells already done. Refused even with --allow-mixed."""
    old = manifest.get("model_files") or {}
    changed = [f"{name} was {old[name].get('sha256', '?')[:12]}…, now {f['sha256'][:12]}… ({f['path']})"
               for name, f in current.items() if name in old and old[name].get("sha256") != f["sha256"]]
    if changed:
        raise RunStateError(f"run {run_id} has cells of another model file of the same name: {'; '.join(changed)}",
                            "pass another --run-id, or rename the file so that its name in the data differs")


def check(problems: List[str], allow_mixed: bool, run_id: str) -> None:
    """Refuse to mix settings in one run unless ``allow_mixed``."""
    if problems and not allow_mixed:
        raise RunStateError(f"run {run_id} was measured with other settings: {'; '.join(problems)}",
                            "re-run with the same options, pass another --run-id, or --allow-mixed to mix them "
                            "in one run (recorded in the manifest and in each row's budget_* columns)")
