"""The progress line's phases, reported live by real workers (null adapter, LiteRT) through the status file
and read by the parent: the sequence each cell went through, never its timing."""

from __future__ import annotations

from typing import List, Tuple

from runner import config, plan
from runner.orchestrator import Observer, Orchestrator, Settings
from runner.worker.status import Status
from tests.conftest import require_env

BUDGET = {"warmup_s": 0.05, "min_time_s": 0.3, "max_time_s": 0.6, "min_iterations": 10}
WORKER_PHASES = ["startup", "import", "load", "first", "warmup", "steady"]


class Recorder(Observer):
    def __init__(self) -> None:
        self.seen: List[Tuple[str, Status]] = []

    def phase(self, cell, status: Status) -> None:
        self.seen.append((cell.cell_id, status))

    def phases(self, cell_id: str) -> List[str]:
        """The phases of one cell, consecutive repeats (the stopping rule's checks) folded."""
        out: List[str] = []
        for cid, status in self.seen:
            if cid == cell_id and (not out or out[-1] != status.phase):
                out.append(status.phase)
        return out


def run(tmp_path, frameworks: str, options: dict, models=("tinycnn",)):
    spec = config.load("smoke", None, {"frameworks": frameworks.split(","), "models": list(models),
                                       "options": options, "budget": BUDGET})
    cells = plan.expand(spec)
    recorder = Recorder()
    settings = Settings(out=tmp_path / "res", run_id="phases", spec=spec, meters="none", idle_s=0,
                        device="test-device")
    rows = Orchestrator(cells, settings, recorder).run()
    return cells, rows, recorder


def test_a_worker_reports_each_phase_in_order_and_its_iterations_at_the_checks(tmp_path):
    cells, rows, recorder = run(tmp_path, "null", {"sleep_s": "0.01"})
    (cell,), (row,) = cells, rows
    assert row["status"] == "ok"
    assert recorder.phases(cell.cell_id) == WORKER_PHASES
    steady = [s for _, s in recorder.seen if s.phase == "steady" and s.iterations is not None]
    counts = [s.iterations for s in steady]
    assert counts and counts == sorted(counts) and counts[-1] <= row["iterations"]
    assert len(steady) < row["iterations"]  # at the checks, not per iteration


def test_a_cell_that_fails_in_load_stops_reporting_there(tmp_path):
    cells, rows, recorder = run(tmp_path, "null", {"fault": "exception", "fault_phase": "load"})
    assert rows[0]["status"] == "failed"
    assert recorder.phases(cells[0].cell_id) == ["startup", "import", "load"]


def test_a_runtime_with_an_artifact_checks_it_before_its_worker_starts(tmp_path):
    require_env("tflite")
    require_env("tensorflow")
    cells, rows, recorder = run(tmp_path, "tflite", {})
    assert rows[0]["status"] == "ok", rows[0]["error_message"]
    phases = recorder.phases(cells[0].cell_id)
    worker = WORKER_PHASES + ["quality"]  # a model with a reference: its output quality after the steady phase
    assert phases[0] == "artifact" and phases[-len(worker):] == worker
    assert set(phases[1:-len(worker)]) <= {"build"}  # built here only when the cache lacks it
