"""The worker: one cell in one fresh process (child side, Python >= 3.9, stdlib + numpy + one framework).

    python -m runner.worker.main REQUEST.json RESULT_FD

Reads a :class:`~runner.worker.protocol.CellRequest`, runs the phases of DESIGN §5 in order, marking each
boundary with ``time.monotonic_ns()`` (the same clock as the parent's meters), and writes one
:class:`~runner.worker.protocol.CellResult` (JSON) to the file descriptor ``RESULT_FD`` — never to stdout,
which belongs to the framework (and goes to the cell's log file).
"""

from __future__ import annotations

import time

_T0 = time.monotonic_ns()  # the worker's first line: the end of the start-up phase

import dataclasses  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Dict, Optional  # noqa: E402

from runner.worker import energy, lifeline  # noqa: E402
from runner.worker.output import check_output  # noqa: E402
from runner.worker.protocol import CellRequest, CellResult, Memory, Quality  # noqa: E402
from runner.worker.status import StatusWriter  # noqa: E402


class Phases:
    """Phase marks in monotonic nanoseconds, and the live status line each phase begins with."""

    def __init__(self, status: Optional[StatusWriter] = None) -> None:
        self.marks: Dict[str, int] = {"start": _T0}
        self.status = status or StatusWriter(None)

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic_ns()

    def begin(self, name: str) -> None:
        """Report phase ``name``, then mark its start (the report stays outside the phase's window)."""
        self.status(name)
        self.mark(f"{name}_start")


def _measure(req: CellRequest, phases: Phases, result_fd: int) -> CellResult:
    from runner.frameworks import adapter as get_adapter
    from runner.measure import loop, memory
    from runner.models import inputs, spec

    cell = req.cell
    if cell.model_file is not None:
        spec.register(cell.model_file.spec())
    a = get_adapter(cell.framework)
    a.configure(cell)
    if hasattr(a, "result_fd"):
        a.result_fd = result_fd
    out: Dict[str, Any] = {}
    mem: Dict[str, Optional[int]] = {}

    phases.begin("import")
    a.import_framework()
    phases.mark("import_end")
    mem["rss_after_import_bytes"] = memory.rss_bytes()
    out["framework_version"] = a.version()

    artifact = Path(req.artifact_dir) if req.artifact_dir else None
    phases.begin("load")
    a.load(artifact, cell)
    phases.mark("load_end")
    mem["rss_after_load_bytes"] = memory.rss_bytes()
    mem["uss_after_load_bytes"] = memory.uss_bytes()

    batch = a.prepare(inputs.make_inputs(spec.get(cell.model), cell.batch_size))
    result = {}

    def step() -> None:
        result["y"] = a.infer(batch)
        a.sync()

    phases.begin("first")
    step()
    phases.mark("first_end")
    phases.begin("warmup")
    out["warmup_iterations"] = loop.warmup(step, cell.budget)
    phases.mark("warmup_end")
    cpu0 = memory.cpu_seconds()
    phases.begin("steady")
    steady = loop.steady(step, energy.steady_budget(cell.budget, req.min_steady_s),
                         on_check=lambda n, rel_ci: phases.status("steady", n, rel_ci))
    phases.mark("steady_end")
    wall = (phases.marks["steady_end"] - phases.marks["steady_start"]) / 1e9
    out["cpu_utilization"] = (memory.cpu_seconds() - cpu0) / wall if wall > 0 else None
    mem["rss_after_steady_bytes"] = memory.rss_bytes()
    if req.active_idle_s:
        phases.status("idle")
    energy.active_idle(phases.mark, req.active_idle_s, req.active_idle_settle_s)
    out.update(latencies_ns=steady.latencies_ns, converged=steady.converged, rel_ci=_finite(steady.rel_ci),
               stop=steady.stop, drift_rel=steady.drift_rel)
    out["output"] = check_output(a.to_numpy(result["y"]), req.reference)
    out["info"] = a.facts(cell.provider, batch, result["y"])
    out["quality"] = _quality(a, req, phases)
    out["gpu_mem_peak_bytes"] = a.gpu_mem_peak_bytes()
    a.close()
    mem["rss_peak_bytes"] = memory.peak_rss_bytes()
    return CellResult("ok", memory=Memory(**mem), **out)


def _finite(x: float) -> Optional[float]:
    return x if x == x and x not in (float("inf"), float("-inf")) else None


def _quality(a: Any, req: CellRequest, phases: Phases) -> Optional[Quality]:
    """Agreement with the fp32 reference on the quality inputs (after the steady phase and the facts, untimed)."""
    from runner.measure import quality
    from runner.models import spec

    samples = req.cell.budget.quality_samples
    if not (req.quality_reference and samples):
        return None
    phases.status("quality")

    def run(arrays: Dict[str, Any]) -> Any:
        y = a.infer(a.prepare(arrays))
        a.sync()
        return a.to_numpy(y)

    return quality.assess(run, spec.get(req.cell.model), req.cell.batch_size, samples, req.quality_reference)


def run(req: CellRequest, result_fd: int) -> CellResult:
    from runner.frameworks.base import Unsupported

    phases = Phases(StatusWriter(req.status_path))
    try:
        out = _measure(req, phases, result_fd)
        phases.mark("end")
        return dataclasses.replace(out, marks=phases.marks)
    except Unsupported as exc:
        return CellResult.failure("unsupported", exc, phases.marks)
    except MemoryError as exc:
        return CellResult.failure("oom", exc, phases.marks)
    except Exception as exc:  # noqa: BLE001 - a failing cell is a row, not a crash
        traceback.print_exc()
        return CellResult.failure("failed", exc, phases.marks)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    lifeline.die_with_parent()
    req = CellRequest.from_json(Path(argv[0]).read_text())
    result_fd = int(argv[1])
    result = run(req, result_fd)
    sys.stdout.flush()
    data = result.to_json()
    with os.fdopen(result_fd, "wb") as fh:
        fh.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
