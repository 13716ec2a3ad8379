"""Run a planned grid: one fresh worker per cell, meters in this process, one Parquet part per cell.

    Orchestrator(cells, settings, observer).run() -> list of cell rows

For each cell, in plan order: skip it if the run already has its part (resume); find its framework's
environment (missing → ``unavailable`` row); prepare weights, reference and artifact (a rejected
conversion → ``unsupported`` row); spawn the worker under the meters; classify how it ended; write the
row, its latencies and its meter samples. Nothing a cell does can stop the grid.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from runner import __version__, envs, meters, thermal
from runner.artifacts import Cache, cache_dir
from runner.catalog import FRAMEWORKS, REFERENCE_FRAMEWORK
from runner.cell import Cell
from runner.config import GridSpec
from runner.measure.stats import CV_WARN
from runner.meters.baseline import DEFAULT_ACTIVE_IDLE_S, DEFAULT_IDLE_S
from runner.results import rows
from runner.results.sink import make_sink
from runner.system import checks, probe
from runner.thermal import ThermalSettings
from runner.worker import spawn as spawner

REL_DIFF_WARN = 1e-2


@dataclass
class Settings:
    out: Path
    run_id: str
    spec: GridSpec
    meters: str = "auto"
    idle_s: float = DEFAULT_IDLE_S
    idle_between_cells_s: float = 0.0
    active_idle_s: float = DEFAULT_ACTIVE_IDLE_S
    device: str = field(default_factory=probe.device_name)
    thermal: ThermalSettings = field(default_factory=ThermalSettings)


class Observer:
    """Progress callbacks (the CLI draws a progress bar from these)."""

    def started(self, cell: Cell, index: int, total: int) -> None: ...

    def finished(self, cell: Cell, row: Dict[str, Any]) -> None: ...

    def skipped(self, cell: Cell) -> None: ...

    def note(self, message: str) -> None: ...


def pythonpath_shim(run_dir: Path) -> str:
    """A folder holding only ``runner`` (a link), so workers import nothing else from this environment."""
    shim = run_dir / ".pythonpath"
    shim.mkdir(parents=True, exist_ok=True)
    link = shim / "runner"
    target = Path(__file__).resolve().parent
    if not (link.is_symlink() and Path(os.readlink(link)) == target):
        link.unlink(missing_ok=True)
        link.symlink_to(target, target_is_directory=True)
    return str(shim)


class Orchestrator:
    def __init__(self, cells: Sequence[Cell], settings: Settings, observer: Optional[Observer] = None) -> None:
        self.cells = list(cells)
        self.s = settings
        self.obs = observer or Observer()
        self.sink = make_sink(settings.out, settings.run_id)
        self.device_class = probe.device_class()
        self.idle: Optional[meters.IdleBaseline] = None

    def run(self) -> List[Dict[str, Any]]:
        self.meters, self.probes = meters.select(self.s.meters)  # a bad --meters fails before any folder
        self.monitor = thermal.Monitor.create(self.s.thermal)  # so does a --cooldown-to-c without a sensor
        self.sink.open()
        self.pythonpath = pythonpath_shim(self.sink.run_dir)
        self.cache = Cache(cache_dir(), self.pythonpath, self.sink.run_dir / "logs")
        done = self.sink.finished()
        todo = [c for c in self.cells if c.cell_id not in done]
        if todo and self.meters and self.s.idle_s > 0:
            self.obs.note(f"measuring idle power for {self.s.idle_s:g} s")
            self.idle = self._idle("idle", self.s.idle_s, "pre_grid")
        self.host = probe.host_facts()
        self.host_warnings = checks.check(self.host)
        for warning in self.host_warnings:
            self.obs.note(f"warning: {warning}")
        self._write_manifest(len(todo))
        results = []
        for index, cell in enumerate(self.cells):
            if cell.cell_id in done:
                self.obs.skipped(cell)
                continue
            self.obs.started(cell, index, len(self.cells))
            if self.meters and self.s.idle_between_cells_s > 0:
                self.idle = self._idle(f"idle-before-{cell.cell_id}", self.s.idle_between_cells_s, "before_cell")
            row = self.run_cell(cell)
            self.obs.finished(cell, row)
            results.append(row)
        return results

    def _idle(self, name: str, seconds: float, source: str) -> meters.IdleBaseline:
        """Measure idle power; its samples go to the power table under ``cell_id = name``."""
        baseline = meters.idle_baseline(self.meters, seconds, source=source)
        self.sink.write_power(name, [dict(vars(s), run_id=self.s.run_id, cell_id=name) for s in baseline.samples])
        for error in baseline.errors:
            self.obs.note(f"warning: idle baseline: {error}")
        if baseline.power_w is not None:
            spread = f" (std {baseline.std_w:.2f} W)" if baseline.std_w is not None else ""
            self.obs.note(f"idle power {baseline.power_w:.2f} W{spread} over {baseline.duration_s:.1f} s")
        return baseline

    def run_cell(self, cell: Cell) -> Dict[str, Any]:
        row = rows.identity(cell, self.s.run_id, self.s.device, self.device_class)
        row.update(meters.baseline_columns(self.idle))
        info = envs.for_framework(cell.framework)
        row["env_python"] = info.python
        if not info.available:
            return self._finish(cell, row, status="unavailable", error_class="EnvironmentMissing",
                                error_message=info.reason)
        row["framework_version"] = envs.framework_version(cell.framework, info)
        prepared = self.cache.prepare(cell)
        if prepared.failure:
            f = prepared.failure
            return self._finish(cell, row, status=f.status, error_class=f.error_class, error_message=f.error_message)
        return self._measure(cell, row, info.python, prepared)

    def _measure(self, cell: Cell, row: Dict[str, Any], python: str, prepared) -> Dict[str, Any]:
        env = spawner.worker_environ(cell.threads, self.pythonpath)
        log = self.sink.run_dir / "logs" / f"{cell.cell_id}.log"
        request = {"cell": cell.to_dict(),
                   "artifact_dir": str(prepared.artifact_dir) if prepared.artifact_dir else None,
                   "reference": str(prepared.reference) if prepared.reference else None}
        request.update(meters.worker_window(self.meters, self.s.active_idle_s))
        cooled, cool_warnings = self.monitor.cool_down()
        session = meters.Session(self.meters, thermal=self.monitor.sampler)
        session.start()
        try:
            with tempfile.TemporaryDirectory(prefix="edgebench-cell-") as work:
                outcome = spawner.spawn(python, request, Path(work), log, env, cell.budget.timeout_s,
                                        cell.budget.memory_limit_bytes)
        finally:
            samples = session.stop()
        result = outcome.result
        row.update(rows.phase_columns(result, outcome.spawn_ns, outcome.end_ns))
        row.update(rows.steady_columns(result, cell.batch_size))
        row.update(rows.output_columns(result, prepared.reference is not None))
        row["rss_peak_bytes"] = (result.get("rss") or {}).get("peak") or outcome.rss_peak_bytes
        row["log_path"] = str(log.relative_to(self.sink.run_dir))
        row["framework_version"] = result.get("framework_version") or row["framework_version"]
        info = result.get("info") or {}
        row["providers_active"] = ",".join(info.get("providers_active", [])) or None
        row["info_json"] = rows.info_json(result, env, {"artifact": prepared.meta and {
            k: v for k, v in prepared.meta.items() if k != "files"}, "reference_note": prepared.reference_note})
        energy, energy_warnings = meters.energy_columns(samples, result.get("marks") or {}, row.get("iterations"),
                                                        self.idle, self.meters, self.probes)
        row.update(energy)
        heat, heat_warnings = self.monitor.cell_columns(session.thermal_samples, result.get("marks"))
        row.update(heat, **cooled)
        warnings = self._warnings(cell, row, result, prepared) + list(energy_warnings)
        warnings += cool_warnings + heat_warnings + [f"meter error: {e}" for e in session.errors]
        power = [dict(vars(s), run_id=self.s.run_id, cell_id=cell.cell_id) for s in samples]
        heat_rows = thermal.thermal_rows(session.thermal_samples, self.s.run_id, cell.cell_id)
        return self._finish(cell, row, outcome.status, outcome.error_class, outcome.error_message,
                            result, warnings, power, heat_rows)

    def _warnings(self, cell: Cell, row: Dict[str, Any], result: Dict[str, Any], prepared) -> List[str]:
        out = []
        if row.get("converged") is False:
            rel = result.get("rel_ci")
            rel_txt = f"±{100 * rel:.1f}%" if rel is not None else "not computable"
            out.append(f"not converged: p50 95% CI {rel_txt} after {row['iterations']} iterations "
                       f"(target ±{100 * cell.budget.target_rel_ci:g}%), raise --max-time-s")
        cv = row.get("latency_cv")
        if cv is not None and cv > CV_WARN:
            out.append(f"high variance: CV {cv:.2f} > {CV_WARN}, check for other load or throttling")
        problem = (result.get("output") or {}).get("problem")
        if problem:
            out.append(problem)
        diff, scale = row.get("output_max_abs_diff"), (result.get("output") or {}).get("reference_scale")
        if diff is not None and scale:
            if diff / scale > REL_DIFF_WARN:
                out.append(f"output differs from the reference: max |diff| {diff:.3g} vs output scale {scale:.3g}")
        if prepared.reference_note:
            out.append(prepared.reference_note)
        return out

    def _finish(self, cell: Cell, row: Dict[str, Any], status: str, error_class: Optional[str] = None,
                error_message: Optional[str] = None, result: Optional[Dict[str, Any]] = None,
                warnings: Sequence[str] = (), power: Sequence[Dict[str, Any]] = (),
                heat: Sequence[Dict[str, Any]] = ()) -> Dict[str, Any]:
        row.update(status=status, error_class=error_class, error_message=error_message)
        if status != "ok" and not row.get("energy_reason"):
            row["energy_reason"] = "the cell did not run to completion"
        row["warnings"] = rows.WARNING_SEP.join(warnings) or None
        latencies = rows.latency_rows(self.s.run_id, cell.cell_id, result or {}) if status == "ok" else []
        self.sink.write_cell(cell.cell_id, row, latencies, power, heat)
        return row

    def _write_manifest(self, todo: int) -> None:
        old = self.sink.read_manifest()
        invocation = {"at": dt.datetime.now(dt.timezone.utc).isoformat(), "grid": self.s.spec.to_dict(),
                      "cells_planned": len(self.cells), "cells_to_run": todo}
        names = sorted({FRAMEWORKS[c.framework].env for c in self.cells} | {FRAMEWORKS[REFERENCE_FRAMEWORK].env})
        manifest = {
            "run_id": self.s.run_id,
            "created_at": old.get("created_at") or invocation["at"],
            "runner_version": __version__,
            "git_revision": probe.git_revision(Path(__file__).resolve().parent.parent),
            "host": self.host,
            "host_warnings": self.host_warnings,
            "device": self.s.device,
            "environments": {n: vars(envs.probe(n)) for n in names},
            "meters": [vars(p) for p in self.probes],
            **self._energy_manifest(),
            "thermal": self.monitor.manifest(),
            "invocations": old.get("invocations", []) + [invocation],
        }
        self.sink.write_manifest(manifest)

    def _energy_manifest(self) -> Dict[str, Any]:
        idle = self.idle
        return {"power_idle_w": idle.power_w if idle else None, "power_idle_std_w": idle.std_w if idle else None,
                "power_idle_window_s": idle.duration_s if idle else None,
                "energy": dict(meters.worker_window(self.meters, self.s.active_idle_s),
                               sampling_period_s=meters.DEFAULT_PERIOD_S)}
