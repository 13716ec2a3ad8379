"""What ``edgebench plan`` says besides the cells: the budget in words, what this host cannot run and why, and
how long the grid should take.

Host checks import no framework here: environments are probed by running their interpreters
(:mod:`runner.envs`), execution providers by each record's providers probe in its own environment
(:mod:`runner.providers`, only for cells on a provider other than the CPU), meters by their own probes.

The duration is an estimate, not a measurement: per cell, a rough allowance for start-up, import and load
(``startup_allowance_s`` in the framework's catalog record), plus the warm-up time, plus the steady phase
between ``min_time_s`` (raised to the meters' shortest window) and ``max_time_s``, plus the active idle when
a meter works; plus the idle baseline before the grid. Cells that cannot run count nothing (a missing
environment, a precision the framework has no path to) or their allowance (a missing provider fails at
load); artifact builds, cool-downs and cells that hang until ``timeout_s`` are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from runner import envs, meters, providers
from runner.artifacts import cache_dir
from runner.catalog import FRAMEWORKS
from runner.catalog.formats import route
from runner.cell import Budget, Cell
from runner.cli.units import duration, size
from runner.meters.baseline import DEFAULT_ACTIVE_IDLE_S, DEFAULT_IDLE_S
from runner.naming import runtime_label
from runner.precision import artifact_stem, precision_of


@dataclass(frozen=True)
class Mark:
    """Something that stops a cell here: ``kind`` (precision: its framework has no path to the cell's precision;
    conversion, batch: a model file no conversion reaches, or at another batch size than the one it fixes;
    environment, artifact, provider: this host lacks it) and the reason (said once per kind and reason)."""

    kind: str
    reason: str


def budget_text(b: Budget) -> str:
    """The stopping rule's knobs as one sentence."""
    memory = f"address space limited to {size(b.memory_limit_bytes)}" if b.memory_limit_bytes else \
        "no address-space limit"
    return (f"warm-up at least {b.warmup_iterations} iterations and {duration(b.warmup_s)}; steady state at "
            f"least {b.min_iterations} iterations and {duration(b.min_time_s)}, then until the p50's 95% CI is "
            f"within ±{100 * b.target_rel_ci:g}% at two checks in a row, at most {duration(b.max_time_s)}; "
            f"killed after {duration(b.timeout_s)}; {memory}")


def host_marks(cells: Sequence[Cell]) -> Dict[str, List[Mark]]:
    """Per cell id, what this host lacks that stops it (an empty list: it can run)."""
    non_cpu = {c.framework for c in cells if c.provider != "cpu" and envs.for_framework(c.framework).available}
    found = providers.probe_all(sorted(non_cpu))
    return {cell.cell_id: _cell_marks(cell, found) for cell in cells}


def _cell_marks(cell: Cell, found: Dict[str, providers.Providers]) -> List[Mark]:
    info = envs.for_framework(cell.framework, cell.env_set)
    if not info.available:
        return [Mark("environment", f"{cell.framework}: {info.reason}")]
    entry = precision_of(cell)
    if not entry.supported:
        label = f"{runtime_label(cell.framework, cell.source)} {cell.precision}"
        return [Mark("precision", f"{label}: {entry.unsupported}")]
    out = _file_marks(cell)
    record = FRAMEWORKS[cell.framework]
    builder = _builder(cell)
    if record.needs_artifact and builder and not envs.for_framework(builder, cell.env_set).available and \
            not _prebuilt(cell):
        out.append(Mark("artifact", f"{runtime_label(cell.framework, cell.source)}: its artifact is built by "
                                    f"{builder}, whose environment is missing here, and no prebuilt one is in "
                                    f"{cache_dir()} (make one elsewhere with `edgebench plan --prepare`)"))
    usable = found.get(cell.framework)
    problem = usable.problem(cell.provider) if usable and cell.provider != "cpu" else ""
    if problem:
        out.append(Mark("provider", f"{runtime_label(cell.framework, provider=cell.provider)}: {problem}"))
    return out


def _file_marks(cell: Cell) -> List[Mark]:
    """A model file's cell that no conversion reaches, at a batch size the file does not take, or at a precision
    its runtime makes only from the built-in models."""
    from runner.modelfiles.cache import cannot_run

    model_file = cell.model_file
    if model_file is None:
        return []
    way = route(model_file.format, cell.framework)
    if not way.supported:
        return [Mark("conversion", f"{cell.model} on {cell.framework}: {way.reason}")]
    if model_file.batch is not None and model_file.batch != cell.batch_size:
        return [Mark("batch", f"{cell.model}: the file fixes its batch dimension to {model_file.batch}")]
    problem = cannot_run(cell, model_file)  # what is left: the precision
    return [Mark("precision", f"{cell.model} on {cell.framework} {cell.precision}: {problem.error_message}")] \
        if problem else []


def _builder(cell: Cell) -> Optional[str]:
    """The framework that builds the cell's artifact (a model file's: its converter; None as it is)."""
    if cell.model_file is not None:
        way = route(cell.model_file.format, cell.framework)
        return way.source if way.conversion else None
    return FRAMEWORKS[cell.framework].sources[cell.source]


def _prebuilt(cell: Cell) -> bool:
    if cell.model_file is not None:
        from runner.modelfiles.cache import conversion_base, conversions

        way = route(cell.model_file.format, cell.framework)
        base = conversion_base(cell.model_file, way, cell.batch_size) if way.conversion else "*-by-"
        return any((p / "artifact.json").is_file() for p in conversions(cache_dir(), cell.model_file, cell.env_set,
                                                                         base))
    pattern = f"{artifact_stem(cell)}-*/artifact.json"
    return any((cache_dir() / "artifacts" / cell.model).glob(pattern))


def energy_text(used: Sequence[meters.Meter], probes: Sequence[meters.Probe]) -> str:
    """Which meters a run would read, or why none (every cell then stores null energy with the reason)."""
    if used:
        return f"measured with {', '.join(m.name for m in used)}"
    why = ", ".join(f"{p.meter}: {p.reason}" for p in probes)
    return f"no meter works here ({why}), so every cell stores null energy and says why (edgebench env)"


def estimate_s(cells: Sequence[Cell], marks: Dict[str, List[Mark]], used: Sequence[meters.Meter]) -> Tuple[float,
                                                                                                           float]:
    """The grid's duration, (shortest, longest), in seconds (see the module's description)."""
    window = meters.worker_window(used, DEFAULT_ACTIVE_IDLE_S)
    idle = window["active_idle_s"] + window["active_idle_settle_s"]
    low = high = DEFAULT_IDLE_S if used else 0.0
    for cell in cells:
        blocking = {m.kind for m in marks.get(cell.cell_id, ())}
        allowance = FRAMEWORKS[cell.framework].startup_allowance_s
        if blocking & {"precision", "environment", "artifact", "conversion", "batch"}:
            continue
        if blocking:
            low, high = low + allowance, high + allowance
            continue
        b = cell.budget
        steady_low = max(b.min_time_s, min(window["min_steady_s"], b.max_time_s))
        low += allowance + b.warmup_s + steady_low + idle
        high += allowance + b.warmup_s + b.max_time_s + idle
    return low, high


def summary(cells: Sequence[Cell], marks: Dict[str, List[Mark]], used: Sequence[meters.Meter]) -> List[str]:
    """The lines after the cells and the budget: what cannot run and why (each reason once), the duration."""
    lines, seen = [], set()
    for cell in cells:
        for mark in marks[cell.cell_id]:
            if (mark.kind, mark.reason) not in seen:
                seen.add((mark.kind, mark.reason))
                lines.append(f"  {mark.kind:11s}  {mark.reason}")
    if lines:
        blocked = sum(1 for c in cells if marks[c.cell_id])
        lines.insert(0, f"{blocked} of {len(cells)} cells cannot run here (they become unavailable or "
                        "unsupported rows, nothing measured):")
    low, high = estimate_s(cells, marks, used)
    allowances = sorted({FRAMEWORKS[c.framework].startup_allowance_s for c in cells})
    span = duration(allowances[0]) + (f"–{duration(allowances[-1])}" if len(allowances) > 1 else "")
    lines.append(f"estimated duration: between {duration(low)} and {duration(high)} (per cell a rough "
                 f"start-up + import + load allowance of {span} per framework, warm-up and the steady phase's "
                 f"minimum to maximum time{', active idle' if used else ''}"
                 f"{', and the idle baseline before the grid' if used else ''}; artifacts not yet in the cache "
                 "are built first, once each, and are not counted)")
    return lines


def cell_mark(marks: List[Mark]) -> str:
    """The short mark after a cell: what stops it ('' when it can run)."""
    words = {"batch": "batch size the file fixes", "precision": "path to its precision"}
    return f"cannot run here: no {', no '.join(words.get(m.kind, m.kind) for m in marks)}" if marks else ""
