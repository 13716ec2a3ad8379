"""The pure row function: a cell, its outcome, its artifact and its energy -> row, latencies, warnings.

Nothing is spawned: outcomes are built from values, as the worker and the parent would report them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from runner.artifacts import Prepared
from runner.catalog import REFERENCE_FRAMEWORK
from runner.cell import Budget, Cell
from runner.frameworks.timed import Threads, on_device, on_host
from runner.results.rows import NOT_RUN, Readings, Where, cell_rows
from runner.results.schema import CELL_COLUMNS
from runner.worker.protocol import MARKS, CellResult, Memory, OutputCheck
from runner.worker.spawn import Outcome

CELL = Cell("tinycnn", "pytorch", "pytorch", 4, "cpu", 2, 1, Budget(target_rel_ci=0.02))
WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
WHERE = Where("run-1", "box", "x86", WHEN, "/envs/pytorch/bin/python", "2.0",
              {"PATH": "/bin", "OMP_NUM_THREADS": "2"}, "logs/c.log")
SPAWN_NS = 1_000_000_000
THREADS = Threads(2, 1, "torch.get_num_threads(), torch.get_num_interop_threads()").to_dict()
CALL = on_host("module(*tensors)").record("cpu", "cpu")
LATENCIES_NS = [2_000_000 + d for d in (0, 10_000, -10_000, 5_000, -5_000, 0, 20_000, -20_000)]


def result(**change) -> CellResult:
    marks = {m: SPAWN_NS + (i + 1) * 10_000_000 for i, m in enumerate(MARKS)}  # 10 ms apart, start 10 ms in
    fields = dict(status="ok", marks=marks, latencies_ns=LATENCIES_NS, framework_version="2.0.1",
                  warmup_iterations=3, converged=True, rel_ci=0.01, cpu_utilization=1.9,
                  memory=Memory(100, 200, 150, 210, 250), output=OutputCheck([4, 10], 12.5, 1e-6, 5.0),
                  info={"providers_active": ["CPUExecutionProvider"], "threads": THREADS, "timed_call": CALL})
    fields.update(change)
    return CellResult(**fields)


def ok_outcome(**change) -> Outcome:
    r = result(**change)
    return Outcome("ok", r, spawn_ns=SPAWN_NS, end_ns=SPAWN_NS + 500_000_000, returncode=0, rss_peak_bytes=999)


PREPARED = Prepared(Path("/cache/a"), Path("/cache/ref.npy"), "", {"files": {"model.pt": "ab"}, "method": "script"},
                    artifact_bytes=20_931, reference_framework=REFERENCE_FRAMEWORK)


def test_an_ok_cell_fills_every_phase_statistic_and_correctness_column():
    energy = Readings({"energy_source": "rapl", "energy_steady_j": 2.0, "power_idle_w": 3.5})
    made = cell_rows(CELL, WHERE, ok_outcome(), PREPARED, energy)
    row = made.row
    assert set(row) == set(CELL_COLUMNS)
    assert (row["run_id"], row["cell_id"], row["device"], row["started_at"]) == ("run-1", CELL.cell_id, "box", WHEN)
    assert (row["status"], row["error_class"], row["warnings"]) == ("ok", None, [])
    assert row["startup_s"] == pytest.approx(0.01) and row["import_s"] == pytest.approx(0.01)
    assert row["total_s"] == pytest.approx(0.5) and row["steady_s"] == pytest.approx(0.01)
    assert row["iterations"] == len(LATENCIES_NS) and row["latency_p50_s"] == pytest.approx(0.002)
    assert row["throughput_items_per_s"] == pytest.approx(CELL.batch_size / 0.002)
    assert (row["rss_after_load_bytes"], row["uss_after_load_bytes"], row["rss_peak_bytes"]) == (200, 150, 250)
    assert (row["output_max_abs_diff"], row["reference_framework"]) == (1e-6, REFERENCE_FRAMEWORK)
    assert (row["framework_version"], row["providers_active"]) == ("2.0.1", "CPUExecutionProvider")
    assert (row["artifact_bytes"], row["log_path"], row["power_idle_w"]) == (20_931, "logs/c.log", 3.5)
    assert (row["energy_source"], row["energy_steady_j"], row["energy_reason"]) == ("rapl", 2.0, None)
    info = json.loads(row["info_json"])
    assert info["env"] == {"OMP_NUM_THREADS": "2"} and info["artifact"] == {"method": "script"}
    assert info["threads"] == THREADS and info["timed_call"]["inputs"] == "host"
    assert (row["threads"], row["threads_intra"], row["threads_inter"]) == (2, 2, 1)
    assert made.latencies_s == [ns / 1e9 for ns in LATENCIES_NS] and made.warnings is row["warnings"]


def test_the_function_is_pure():
    args = (CELL, WHERE, ok_outcome(), PREPARED, Readings({"energy_source": "none"}, ["meter error: x"]))
    assert cell_rows(*args) == cell_rows(*args)


def test_a_cell_that_never_ran_has_its_identity_status_and_reason_only():
    outcome = Outcome("unavailable", None, "EnvironmentMissing", "no interpreter at /x")
    made = cell_rows(CELL, WHERE, outcome, Prepared(), Readings())
    row = made.row
    assert (row["status"], row["error_class"], row["error_message"]) == ("unavailable", "EnvironmentMissing",
                                                                          "no interpreter at /x")
    assert row["energy_reason"] == NOT_RUN and row["energy_source"] == "none"
    assert row["iterations"] is None and row["info_json"] is None and row["artifact_bytes"] is None
    assert row["model"] == "tinycnn" and row["env_python"] == WHERE.env_python
    assert made.latencies_s == [] and made.warnings == []


def test_a_crashed_worker_keeps_its_times_and_parent_side_peak_but_no_latencies():
    outcome = Outcome("crashed", None, "SIGSEGV", "the worker died from SIGSEGV", spawn_ns=SPAWN_NS,
                      end_ns=SPAWN_NS + 2_000_000_000, rss_peak_bytes=12345)
    made = cell_rows(CELL, WHERE, outcome, PREPARED, Readings({"energy_reason": "no_marks: x"}))
    row = made.row
    assert (row["status"], row["error_class"], row["total_s"]) == ("crashed", "SIGSEGV", pytest.approx(2.0))
    assert (row["rss_peak_bytes"], row["latency_p50_s"], row["startup_s"]) == (12345, None, None)
    assert row["energy_reason"] == "no_marks: x" and row["log_path"] == "logs/c.log"
    assert made.latencies_s == [] and row["reference_framework"] is None


def test_trust_warnings_quote_their_numbers():
    noisy = [1_000_000 * (1 + i % 5) for i in range(50)]
    outcome = ok_outcome(converged=False, rel_ci=0.153, latencies_ns=noisy,
                         output=OutputCheck([4, 10], 1.0, 0.5, 2.0, "output shape [4, 10] differs"))
    prepared = Prepared(Path("/a"), None, "no reference: no interpreter", {}, artifact_bytes=1)
    made = cell_rows(CELL, WHERE, outcome, prepared, Readings({}, ["energy window 0.2 s is short"]))
    text = " | ".join(made.warnings)
    assert "not converged: p50 95% CI ±15.3% after 50 iterations (target ±2%)" in text
    assert "high variance: CV" in text and "output shape [4, 10] differs" in text
    assert "max |diff| 0.5 vs output scale 2" in text and "no reference: no interpreter" in text
    assert made.warnings[-1] == "energy window 0.2 s is short"
    assert made.row["reference_framework"] is None  # no reference file: no reference framework


def test_an_output_within_tolerance_is_not_a_warning():
    made = cell_rows(CELL, WHERE, ok_outcome(output=OutputCheck([4, 10], 1.0, 0.001, 2.0)), PREPARED, Readings())
    assert not [w for w in made.warnings if "differs" in w]


def test_thermal_readings_add_their_columns_and_warnings_after_the_energy_ones():
    heat = Readings({"temperature_start_c": 41.0, "temperature_max_c": 55.0},
                    ["temperature rose 14 °C during the cell"])
    made = cell_rows(CELL, WHERE, ok_outcome(), PREPARED, Readings({}, ["energy window short"]), heat)
    assert (made.row["temperature_start_c"], made.row["temperature_max_c"]) == (41.0, 55.0)
    assert made.warnings[-2:] == ["energy window short", "temperature rose 14 °C during the cell"]


def test_threads_a_framework_cannot_report_are_null_with_the_reason_in_info_json():
    unknown = Threads(None, None, "", "the interpreter runs its operators one after another").to_dict()
    row = cell_rows(CELL, WHERE, ok_outcome(info={"threads": unknown}), PREPARED, Readings()).row
    assert (row["threads_intra"], row["threads_inter"]) == (None, None)
    assert "one after another" in json.loads(row["info_json"])["threads"]["reason"]


def test_a_timed_call_seen_elsewhere_than_declared_is_a_warning():
    """An adapter declaring device-resident inputs whose inputs were seen on the CPU is told, with both."""
    call = on_device("module(*tensors)", "torch.cuda.synchronize()").record("cpu", "cuda:0")
    assert call["seen_agrees"] is False
    made = cell_rows(CELL, WHERE, ok_outcome(info={"timed_call": call}), PREPARED, Readings())
    assert any("timed call: declared inputs on the device" in w and "'cpu'" in w for w in made.warnings)
    fine = on_device("module(*tensors)", "torch.cuda.synchronize()").record("cuda:0", "cuda:0")
    assert not [w for w in cell_rows(CELL, WHERE, ok_outcome(info={"timed_call": fine}), PREPARED,
                                     Readings()).warnings if "timed call" in w]
