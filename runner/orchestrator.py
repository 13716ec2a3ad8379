"""Run a planned grid: one fresh worker per cell, meters in this process, one Parquet part per cell.

    Orchestrator(cells, settings, observer).run() -> list of cell rows

For each cell, in plan order: skip it if the run already has its part (resume); find its framework's
environment (missing → ``unavailable`` row); prepare weights, reference and artifact (a rejected
conversion → ``unsupported`` row); spawn the worker under the meters; classify how it ended; write the
row, its latencies and its meter samples. Nothing a cell does can stop the grid.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from runner import __version__, envs, meters, names, resources, thermal
from runner.artifacts import Cache, Prepared, cache_dir
from runner.catalog import FRAMEWORKS, REFERENCE_FRAMEWORK
from runner.catalog.sets import CURRENT
from runner.cell import Cell
from runner.config import GridSpec
from runner.meters.baseline import DEFAULT_ACTIVE_IDLE_S, DEFAULT_IDLE_S
from runner.results import resume
from runner.results.rows import Readings, Where, cell_rows
from runner.results.schema import POWER_MODE_COLUMNS
from runner.results.sink import make_sink
from runner.system import checks, probe
from runner.thermal import ThermalSettings
from runner.worker import spawn as spawner
from runner.worker.protocol import CellRequest
from runner.worker.spawn import Outcome
from runner.worker.status import Status, StatusWatcher


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
    allow_mixed: bool = False  # resume a run measured with another budget, device, image or version


def envs_key(name: str, env_set: str) -> str:
    """The manifest's key of an environment: its name, ``<set>/<name>`` in a version set other than current."""
    return name if env_set == CURRENT else f"{env_set}/{name}"


class Observer:
    """Progress callbacks (the CLI draws a progress bar from these)."""

    def started(self, cell: Cell, index: int, total: int) -> None: ...

    def finished(self, cell: Cell, row: Dict[str, Any]) -> None:
        """``row`` is the cell's row as written, its ``warnings`` still a list."""

    def skipped(self, cell: Cell) -> None: ...

    def phase(self, cell: Cell, status: Status) -> None:
        """``cell`` entered a phase (runner.worker.status): the parent's own, or one its worker reported."""

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
        names.check_cell_ids(c.cell_id for c in self.cells)
        resources.check_grid(self.cells)
        self.s = settings
        self.obs = observer or Observer()
        self.sink = make_sink(settings.out, settings.run_id)
        self.device_class = probe.device_class()
        self.idle: Optional[meters.IdleBaseline] = None
        self.power_mode: Dict[str, Any] = dict.fromkeys(POWER_MODE_COLUMNS)

    def run(self) -> List[Dict[str, Any]]:
        self.meters, self.probes = meters.select(self.s.meters)  # a bad --meters fails before any folder
        self.monitor = thermal.Monitor.create(self.s.thermal)  # so does a --cooldown-to-c without a sensor
        with self.sink.opened():  # the run folder, locked while this process writes to it (DESIGN §7)
            return self._run()

    def _run(self) -> List[Dict[str, Any]]:
        done = self.sink.finished()
        for line in self.sink.damaged:
            self.obs.note(f"warning: {line}")
        self.mixed = self._check_resume(done)
        self.memory_limit = resources.default_limit()  # without --memory-limit (runner.resources)
        self.pythonpath = pythonpath_shim(self.sink.run_dir)
        self.caches: Dict[str, Cache] = {}  # one per version set: its builders are that set's environments
        todo = [c for c in self.cells if c.cell_id not in done]
        if todo and self.meters and self.s.idle_s > 0:
            self.obs.note(f"measuring idle power for {self.s.idle_s:g} s")
            self.idle = self._idle("idle", self.s.idle_s, "pre_grid")
        self.host = probe.host_facts()
        self.host_warnings = checks.check(self.host)
        power = self.host.get("jetson_power") or {}
        self.power_mode = {c: power.get(c) for c in POWER_MODE_COLUMNS}
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

    def _check_resume(self, done) -> List[str]:
        """The settings that differ from the cells already here; refused unless --allow-mixed."""
        current = resume.settings(self.s.spec.budget, self.s.device, probe.image_id(), __version__)
        manifest = self.sink.read_manifest() if done else {}
        resume.check_model_files(manifest, resume.model_files(self.cells), self.s.run_id)
        return resume.check_run(manifest, len(done), current, self.s.allow_mixed, self.s.run_id)

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
        """Run one cell and write its parts; returns its row (``warnings`` a list)."""
        started = dt.datetime.now(dt.timezone.utc)
        info = envs.for_framework(cell.framework, cell.env_set)
        where = Where(self.s.run_id, self.s.device, self.device_class, started, info.python,
                      power_mode=self.power_mode)
        baseline = Readings(meters.baseline_columns(self.idle))
        if not info.available:
            return self._write(cell, where, Outcome("unavailable", None, "EnvironmentMissing", info.reason),
                               energy=baseline)
        where = dataclasses.replace(where, framework_version=envs.framework_version(cell.framework, info))
        too_big = resources.cell_problem(cell, cell.budget.memory_limit_bytes or self.memory_limit)
        if too_big:
            return self._write(cell, where, Outcome("unsupported", None, "InsufficientMemory", too_big),
                               energy=baseline)
        if FRAMEWORKS[cell.framework].needs_artifact:
            self.obs.phase(cell, Status("artifact"))
        cache = self.cache(cell.env_set)
        cache.on_build = lambda job: self.obs.phase(cell, Status("build", detail=job))
        prepared = cache.prepare(cell)
        if prepared.failure:
            f = prepared.failure
            return self._write(cell, where, Outcome(f.status, None, f.error_class, f.error_message), prepared,
                               baseline)
        return self._measure(cell, where, info.python, prepared)

    def cache(self, env_set: str) -> Cache:
        """The artifact cache serving the cells of version set ``env_set``."""
        if env_set not in self.caches:
            self.caches[env_set] = Cache(cache_dir(), self.pythonpath, self.sink.run_dir / "logs", env_set)
        return self.caches[env_set]

    def _measure(self, cell: Cell, where: Where, python: str, prepared: Prepared) -> Dict[str, Any]:
        env = spawner.worker_environ(cell.threads, self.pythonpath, extra={"EDGEBENCH_RUN_ID": self.s.run_id})
        log = self.sink.log_path(cell.cell_id)
        cooled, cool_warnings = self.monitor.cool_down()
        session = meters.Session(self.meters, thermal=self.monitor.sampler)
        session.start()
        try:
            with tempfile.TemporaryDirectory(prefix="cell-", dir=self.sink.work_dir()) as work:
                status = Path(work) / "status.jsonl"
                request = CellRequest(cell, str(prepared.artifact_dir) if prepared.artifact_dir else None,
                                      str(prepared.reference) if prepared.reference else None,
                                      str(prepared.quality_reference) if prepared.quality_reference else None,
                                      **meters.worker_window(self.meters, self.s.active_idle_s),
                                      status_path=str(status))
                self.obs.phase(cell, Status("startup"))
                with StatusWatcher(status, lambda s: self.obs.phase(cell, s)):
                    outcome = spawner.spawn(python, request, Path(work), log, env, cell.budget.timeout_s,
                                            cell.budget.memory_limit_bytes,
                                            cell.budget.memory_limit_bytes or self.memory_limit)
        finally:
            samples = session.stop()
        where = dataclasses.replace(where, worker_env=env, log_path=str(log.relative_to(self.sink.run_dir)),
                                    host_load_1m=os.getloadavg()[0] if hasattr(os, "getloadavg") else None)
        marks = outcome.result.marks if outcome.result else {}
        heat, heat_warnings = self.monitor.cell_columns(session.thermal_samples, marks)
        power = [dict(vars(s), run_id=self.s.run_id, cell_id=cell.cell_id) for s in samples]
        heat_rows = thermal.thermal_rows(session.thermal_samples, self.s.run_id, cell.cell_id)
        return self._write(cell, where, outcome, prepared, self._energy(outcome, samples, session.errors),
                           Readings({**heat, **cooled}, list(cool_warnings) + list(heat_warnings)), power, heat_rows)

    def _energy(self, outcome: Outcome, samples: Sequence[Any], errors: Sequence[str]) -> Readings:
        """The meters' columns for a spawned cell (the idle baseline's included) and their warnings."""
        result = outcome.result
        iterations = len(result.latencies_ns) if result and outcome.status == "ok" else None
        columns, warnings = meters.energy_columns(samples, result.marks if result else {}, iterations,
                                                  self.idle, self.meters, self.probes)
        return Readings(columns, list(warnings) + [f"meter error: {e}" for e in errors])

    def _write(self, cell: Cell, where: Where, outcome: Outcome, prepared: Optional[Prepared] = None,
               energy: Optional[Readings] = None, heat: Optional[Readings] = None,
               power: Sequence[Dict[str, Any]] = (), heat_rows: Sequence[Dict[str, Any]] = ()) -> Dict[str, Any]:
        made = cell_rows(cell, where, outcome, prepared or Prepared(), energy or Readings(), heat or Readings())
        self.sink.write_cell(cell.cell_id, made.row, made.latencies_s, power, heat_rows)
        return made.row

    def _write_manifest(self, todo: int) -> None:
        old = self.sink.read_manifest()
        invocation = {"at": dt.datetime.now(dt.timezone.utc).isoformat(), "grid": self.s.spec.to_dict(),
                      "cells_planned": len(self.cells), "cells_to_run": todo, "device": self.s.device,
                      "runner_version": __version__, "image": probe.image_id()}
        if self.mixed:
            invocation["mixed"] = self.mixed  # --allow-mixed: what differs from the cells already here
        names = sorted({(FRAMEWORKS[c.framework].env, c.env_set) for c in self.cells} |
                       {(FRAMEWORKS[REFERENCE_FRAMEWORK].env, s) for s in {c.env_set for c in self.cells}})
        manifest = {
            "run_id": self.s.run_id,
            "created_at": old.get("created_at") or invocation["at"],
            "runner_version": __version__,
            "git_revision": probe.git_revision(Path(__file__).resolve().parent.parent),
            "host": self.host,
            "host_warnings": self.host_warnings,
            "device": self.s.device,
            # a resumed run may name fewer frameworks: the environments of earlier invocations stay
            "environments": {**old.get("environments", {}), **{envs_key(*n): vars(envs.probe(*n)) for n in names}},
            "model_files": {**old.get("model_files", {}), **resume.model_files(self.cells)},  # name -> sha256...
            "meters": [vars(p) for p in self.probes],
            **self._energy_manifest(),
            "thermal": self.monitor.manifest(),
            "memory_limit_default_bytes": self.memory_limit,
            "invocations": old.get("invocations", []) + [invocation],
        }
        self.sink.write_manifest(manifest)

    def _energy_manifest(self) -> Dict[str, Any]:
        idle = self.idle
        return {"power_idle_w": idle.power_w if idle else None, "power_idle_std_w": idle.std_w if idle else None,
                "power_idle_window_s": idle.duration_s if idle else None,
                "energy": dict(meters.worker_window(self.meters, self.s.active_idle_s),
                               sampling_period_s=meters.DEFAULT_PERIOD_S)}
