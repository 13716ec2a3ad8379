"""Turn a cell and how its worker ended into rows of the cells and latencies tables."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, List, Optional

from runner import __version__
from runner.catalog import REFERENCE_FRAMEWORK
from runner.cell import Cell
from runner.measure.stats import summarize
from runner.results.schema import CELL_COLUMNS, SCHEMA_VERSION

WARNING_SEP = " | "  # joins a cell's trust warnings in the ``warnings`` column


def identity(cell: Cell, run_id: str, device: str, device_class: str) -> Dict[str, Any]:
    row: Dict[str, Any] = dict.fromkeys(CELL_COLUMNS)
    row.update(
        schema_version=SCHEMA_VERSION, run_id=run_id, cell_id=cell.cell_id, device=device,
        device_class=device_class, framework=cell.framework, source=cell.source, model=cell.model,
        batch_size=cell.batch_size, provider=cell.provider, threads=cell.threads, repetition=cell.repetition,
        options=",".join(f"{k}={v}" for k, v in cell.options), runner_version=__version__,
        started_at=dt.datetime.now(dt.timezone.utc), energy_source="none", energy_method="none",
    )
    return row


def _s(marks: Dict[str, int], a: str, b: str) -> Optional[float]:
    if a in marks and b in marks:
        return (marks[b] - marks[a]) / 1e9
    return None


def phase_columns(result: Dict[str, Any], spawn_ns: int, end_ns: int) -> Dict[str, Any]:
    marks = result.get("marks") or {}
    rss = result.get("rss") or {}
    cols = {
        "startup_s": (marks["start"] - spawn_ns) / 1e9 if "start" in marks else None,
        "import_s": _s(marks, "import_start", "import_end"),
        "load_s": _s(marks, "load_start", "load_end"),
        "first_inference_s": _s(marks, "first_start", "first_end"),
        "warmup_s": _s(marks, "warmup_start", "warmup_end"),
        "steady_s": _s(marks, "steady_start", "steady_end"),
        "total_s": (end_ns - spawn_ns) / 1e9 if end_ns else None,
        "warmup_iterations": result.get("warmup_iterations"),
        "converged": result.get("converged"),
        "cpu_utilization": result.get("cpu_utilization"),
        "rss_after_import_bytes": rss.get("after_import"),
        "rss_after_load_bytes": rss.get("after_load"),
        "rss_after_steady_bytes": rss.get("after_steady"),
        "uss_after_load_bytes": result.get("uss_after_load"),
        "gpu_mem_peak_bytes": result.get("gpu_mem_peak_bytes"),
    }
    return cols


def steady_columns(result: Dict[str, Any], batch_size: int) -> Dict[str, Any]:
    lat = result.get("latencies_ns") or []
    return summarize([x / 1e9 for x in lat], batch_size) if lat else {}


def output_columns(result: Dict[str, Any], reference_used: bool) -> Dict[str, Any]:
    out = result.get("output") or {}
    return {
        "output_max_abs_diff": out.get("max_abs_diff"),
        "output_checksum": out.get("checksum"),
        "reference_framework": REFERENCE_FRAMEWORK if reference_used and "max_abs_diff" in out else None,
    }


def info_json(result: Dict[str, Any], env: Dict[str, str], extra: Dict[str, Any]) -> str:
    info = dict(result.get("info") or {})
    info["env"] = {k: v for k, v in env.items() if k != "PATH"}
    info.update(extra)
    return json.dumps(info, sort_keys=True, default=str)


def latency_rows(run_id: str, cell_id: str, result: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [
        {"run_id": run_id, "cell_id": cell_id, "iteration": i, "latency_s": ns / 1e9}
        for i, ns in enumerate(result.get("latencies_ns") or [])
    ]
