"""One pure function from what happened to a cell to what is stored about it (DESIGN §3, §5).

    cell_rows(cell, where, outcome, artifact, energy, thermal) -> CellRows(row, latencies_s, warnings)

``cell`` is what was asked; ``where`` the facts the orchestrator gathered (run, device, environment, time);
``outcome`` how the worker ended (:class:`runner.worker.spawn.Outcome`, its typed
:class:`~runner.worker.protocol.CellResult` when it sent one; a cell that never ran has only a status and
an error); ``artifact`` what the cache prepared (folder, metadata, size on disk, reference); ``energy`` the
meters' columns (idle baseline included) and warnings; ``thermal`` the thermal and clock columns (cool-down
included) and warnings. Nothing here reads a clock, a file or the environment, so every column can be
tested from values alone. ``row["warnings"]`` is a list until the sink writes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np

from runner import __version__
from runner.artifacts import Prepared
from runner.cell import Cell
from runner.frameworks.record import FP32
from runner.measure.loop import stop_warning
from runner.measure.stats import CV_WARN, summarize
from runner.results.schema import CELL_COLUMNS, SCHEMA_VERSION, WARNING_SEP  # noqa: F401 (re-exported)
from runner.worker.protocol import MARKS, CellResult
from runner.worker.spawn import Outcome

REL_DIFF_WARN = 1e-2  # max |diff| / max |reference| above which the output is called different
NOT_RUN = "the cell did not run to completion"


@dataclass(frozen=True)
class Where:
    """Facts about a cell that the orchestrator knows and the worker does not."""

    run_id: str
    device: str
    device_class: str
    started_at: dt.datetime
    env_python: Optional[str] = None
    framework_version: Optional[str] = None  # from the environment's package metadata
    worker_env: Mapping[str, str] = field(default_factory=dict)
    log_path: Optional[str] = None  # relative to the run folder
    host_load_1m: Optional[float] = None  # the host's 1-minute load average when the worker ended
    power_mode: Mapping[str, Any] = field(default_factory=dict)  # the Jetson power-mode columns, per run


@dataclass(frozen=True)
class Readings:
    """Columns and warnings the parent's instruments give one cell: the energy meters (with the idle
    baseline: ``meters.energy_columns``, ``meters.baseline_columns``) or the thermal and clock sources
    (``thermal.Monitor.cell_columns`` and its cool-down)."""

    columns: Mapping[str, Any] = field(default_factory=dict)
    warnings: Sequence[str] = ()


@dataclass(frozen=True)
class CellRows:
    """What the sink writes for one cell: its row, its steady-state latencies (s), its warnings."""

    row: Dict[str, Any]
    latencies_s: List[float]
    warnings: List[str]


def cell_rows(cell: Cell, where: Where, outcome: Outcome, artifact: Prepared, energy: Readings,
              thermal: Readings = Readings()) -> CellRows:
    """The cells-table row, the latencies and the trust warnings of one cell."""
    result = outcome.result or CellResult(outcome.status)
    latencies = (np.asarray(result.latencies_ns, dtype=np.int64) / 1e9).tolist()
    row = identity(cell, where)
    row.update(artifact_bytes=artifact.artifact_bytes, quantization=artifact.quantization,
               calibration_samples=artifact.calibration_samples)
    if outcome.spawn_ns:
        row.update(_ran(cell, where, outcome, result, artifact, latencies))
    row.update(energy.columns)
    row.update(thermal.columns)
    row.update(status=outcome.status, error_class=outcome.error_class, error_message=outcome.error_message)
    if outcome.status != "ok" and not row.get("energy_reason"):
        row["energy_reason"] = NOT_RUN
    warnings = (_warnings(cell, row, result, artifact) if outcome.spawn_ns else []) + list(energy.warnings) + \
        list(thermal.warnings)
    row["warnings"] = warnings
    return CellRows(row, latencies if outcome.status == "ok" else [], warnings)


def identity(cell: Cell, where: Where) -> Dict[str, Any]:
    """Every column null, then what identifies the cell."""
    row: Dict[str, Any] = dict.fromkeys(CELL_COLUMNS)
    row.update(
        schema_version=SCHEMA_VERSION, run_id=where.run_id, cell_id=cell.cell_id, device=where.device,
        device_class=where.device_class, framework=cell.framework, source=cell.source, model=cell.model,
        batch_size=cell.batch_size, provider=cell.provider, threads=cell.threads, repetition=cell.repetition,
        precision=cell.precision,
        options=",".join(f"{k}={v}" for k, v in cell.options), runner_version=__version__,
        model_sha256=cell.model_file.sha256 if cell.model_file else None,
        model_format=cell.model_file.format if cell.model_file else None,
        started_at=where.started_at, energy_source="none", energy_method="none", env_python=where.env_python,
        framework_version=where.framework_version, env_set=cell.env_set,
    )
    row.update(where.power_mode)
    row.update({f"budget_{k}": v for k, v in dataclasses.asdict(cell.budget).items()})
    return row


def _ran(cell: Cell, where: Where, outcome: Outcome, result: CellResult, artifact: Prepared,
         latencies_s: List[float]) -> Dict[str, Any]:
    """The columns of a cell whose worker was spawned (whatever became of it)."""
    cols = phase_columns(result, outcome.spawn_ns, outcome.end_ns)
    if latencies_s:
        cols.update(summarize(latencies_s, cell.batch_size))
    out, quality = result.output, result.quality
    cols.update(
        quality_samples=quality.samples if quality else None,
        output_sqnr_db=quality.sqnr_db if quality else None,
        output_top1_agreement=quality.top1_agreement if quality else None,
        output_max_abs_diff=out.max_abs_diff if out else None, output_checksum=out.checksum if out else None,
        reference_framework=artifact.reference_framework if artifact.reference and out and out.max_abs_diff is not None
        else None,
        reference_version=artifact.reference_version if artifact.reference and out and out.max_abs_diff is not None
        else None,
        rss_peak_bytes=result.memory.rss_peak_bytes or outcome.rss_peak_bytes, log_path=where.log_path,
        framework_version=result.framework_version or where.framework_version,
        providers_active=",".join(result.info.get("providers_active", [])) or None,
        info_json=info_json(result, where.worker_env, artifact), host_load_1m=where.host_load_1m,
    )
    threads = result.info.get("threads") or {}
    cols.update(threads_intra=threads.get("intra"), threads_inter=threads.get("inter"))
    return cols


def _span(marks: Mapping[str, int], a: str, b: str) -> Optional[float]:
    return (marks[b] - marks[a]) / 1e9 if a in marks and b in marks else None


def phase_columns(result: CellResult, spawn_ns: int, end_ns: int) -> Dict[str, Any]:
    """Phase durations from the worker's marks, and the worker's memory and CPU figures."""
    marks, mem = result.marks, result.memory
    phases = {f"{name}_s": _span(marks, f"{mark}_start", f"{mark}_end") for name, mark in
              (("import", "import"), ("load", "load"), ("first_inference", "first"), ("warmup", "warmup"),
               ("steady", "steady"))}
    return dict(
        phases, startup_s=(marks[MARKS[0]] - spawn_ns) / 1e9 if MARKS[0] in marks else None,
        total_s=(end_ns - spawn_ns) / 1e9 if end_ns else None, warmup_iterations=result.warmup_iterations,
        converged=result.converged, steady_stop=result.stop, cpu_utilization=result.cpu_utilization,
        rss_after_import_bytes=mem.rss_after_import_bytes, rss_after_load_bytes=mem.rss_after_load_bytes,
        rss_after_steady_bytes=mem.rss_after_steady_bytes, uss_after_load_bytes=mem.uss_after_load_bytes,
        gpu_mem_peak_bytes=result.gpu_mem_peak_bytes,
    )


def info_json(result: CellResult, env: Mapping[str, str], artifact: Prepared) -> str:
    """The adapter's facts, the worker's environment (PATH left out) and the artifact's metadata, as JSON."""
    info = dict(result.info)
    info["env"] = {k: v for k, v in env.items() if k != "PATH"}
    info["artifact"] = artifact.meta and {k: v for k, v in artifact.meta.items() if k != "files"}
    info["reference_note"] = artifact.reference_note
    return json.dumps(info, sort_keys=True, default=str)


def _warnings(cell: Cell, row: Dict[str, Any], result: CellResult, artifact: Prepared) -> List[str]:
    """Trust warnings, each with its numbers and what to do."""
    out = []
    if row.get("converged") is False:
        out.append(stop_warning(result.stop or "max_time", row.get("iterations"), result.rel_ci, result.drift_rel,
                                cell.budget))
    cv = row.get("latency_cv")
    if cv is not None and cv > CV_WARN:
        out.append(f"high variance: CV {cv:.2f} > {CV_WARN}, check for other load or throttling")
    check = result.output
    if check and check.problem:
        out.append(check.problem)
    if result.quality and result.quality.problem:
        out.append(result.quality.problem)
    if check and check.max_abs_diff is not None and check.reference_scale and cell.precision == FP32:
        # fp16 and int8 differ from the fp32 reference by design: output_sqnr_db says by how much
        if check.max_abs_diff / check.reference_scale > REL_DIFF_WARN:
            out.append(f"output differs from the reference: max |diff| {check.max_abs_diff:.3g} vs output scale "
                       f"{check.reference_scale:.3g}")
    if artifact.reference_note:
        out.append(artifact.reference_note)
    call = result.info.get("timed_call") or {}
    if call.get("seen_agrees") is False:
        out.append(f"timed call: declared inputs on the {call.get('inputs')} and output on the {call.get('outputs')}, "
                   f"seen {call.get('seen')}; the adapter's timed_call does not match what ran")
    return out
