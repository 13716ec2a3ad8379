"""The real CLI, real worker processes, the null adapter: faults, resume, bad input, output folders."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import duckdb
import pytest

from tests.conftest import EDGEBENCH, FAST, read_cells
from tests.integration import processes

FAULT_STATUS = {
    "none": ("ok", None),
    "segfault": ("crashed", "SIGSEGV"),
    "abort": ("crashed", "SIGABRT"),
    "exit": ("crashed", "Exit3"),
    "hang": ("timeout", "Timeout"),
    "oom": ("oom", "MemoryError"),
    "garbage": ("failed", "ProtocolError"),
    "exception": ("failed", "RuntimeError"),
    "unsupported": ("unsupported", "Unsupported"),
}


def test_each_injected_fault_becomes_its_typed_row_and_the_grid_goes_on(edgebench, tmp_path):
    faults = ",".join(FAULT_STATUS)
    proc = edgebench("run", "--preset", "smoke", "--frameworks", "null", "-o", f"fault={faults}",
                     "--timeout-s", "4", "--out", "res", "--run-id", "faults", *FAST)
    assert proc.returncode == 1, proc.stderr  # some cells failed
    rows = {r["options"].split("=")[1]: r for r in read_cells(tmp_path / "res" / "faults")}
    assert set(rows) == set(FAULT_STATUS)
    for fault, (status, error_class) in FAULT_STATUS.items():
        assert (rows[fault]["status"], rows[fault]["error_class"]) == (status, error_class), fault
        assert rows[fault]["error_message"] is None or "\n" not in rows[fault]["error_message"]
    ok = rows["none"]
    assert ok["iterations"] >= 5 and ok["latency_p50_s"] > 0 and ok["startup_s"] > 0
    assert ok["rss_peak_bytes"] > 10 * 2**20
    assert (tmp_path / "res" / "faults" / ok["log_path"]).exists()
    assert "hang" in rows and rows["hang"]["total_s"] < 30


def test_a_non_finite_output_is_a_failed_cell(edgebench, tmp_path):
    proc = edgebench("run", "--preset", "smoke", "--frameworks", "null", "-o", "output=normal,nan,inf", "--out",
                     "res", "--run-id", "nan", *FAST)
    assert proc.returncode == 1, proc.stderr
    rows = {r["options"]: r for r in read_cells(tmp_path / "res" / "nan")}
    assert rows["output=normal"]["status"] == "ok"
    for value in ("nan", "inf"):
        row = rows[f"output={value}"]
        assert (row["status"], row["error_class"]) == ("failed", "NonFiniteOutput")
        assert "NaN/inf values" in row["error_message"] and row["output_max_abs_diff"] is None


def test_a_failing_cell_does_not_stop_real_cells_after_it(edgebench, tmp_path):
    proc = edgebench("run", "--preset", "smoke", "--frameworks", "null", "-o", "fault=segfault,none",
                     "--models", "tinycnn,alexnet", "--out", "res", "--run-id", "mix", *FAST)
    assert proc.returncode == 1
    statuses = sorted((r["model"], r["status"]) for r in read_cells(tmp_path / "res" / "mix"))
    assert statuses == [("alexnet", "crashed"), ("alexnet", "ok"), ("tinycnn", "crashed"), ("tinycnn", "ok")]


def test_parquet_is_readable_by_duckdb_with_units(edgebench, tmp_path):
    edgebench("run", "--preset", "smoke", "--frameworks", "null", "--out", "res", "--run-id", "d", *FAST,
              check_rc=0)
    con = duckdb.connect()
    n, p50 = con.execute(f"SELECT count(*), min(latency_p50_s) FROM read_parquet('{tmp_path}/res/d/cells/*.parquet')"
                         ).fetchone()
    assert n == 1 and p50 > 0
    iters = con.execute(f"SELECT count(*) FROM read_parquet('{tmp_path}/res/d/latencies/*.parquet')").fetchone()[0]
    cells_iters = con.execute(f"SELECT iterations FROM read_parquet('{tmp_path}/res/d/cells/*.parquet')").fetchone()[0]
    assert iters == cells_iters


RESUME_GRID = ["--preset", "smoke", "--frameworks", "null", "--models", "tinycnn,alexnet,squeezenet1_0",
               "--repetitions", "2", "-o", "sleep_s=0.01", "--warmup-s", "0", "--min-time-s", "0.4",
               "--max-time-s", "0.5"]


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129),
                                       (signal.SIGKILL, -9)], ids=lambda v: getattr(v, "name", str(v)))
def test_resume_after_interrupt_loses_and_duplicates_nothing(edgebench, tmp_path, sig, code):
    """Signal the run while its third cell measures; no worker and no temporary file is left; a re-run
    with the same run id finishes the grid with every cell exactly once."""
    run_id = f"resume-{sig.name}-{os.getpid()}-{tmp_path.name}"
    cell_ids = [json.loads(line)["cell_id"] for line in edgebench("plan", *RESUME_GRID, "--json").stdout.splitlines()]
    args = ["run", *RESUME_GRID, "--out", "res", "--run-id", run_id, "--idle-s", "0", "--meters", "none"]
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    run_dir = tmp_path / "res" / run_id
    proc = processes.start(args, tmp_path, tmp_path / "stderr", env)
    try:
        processes.wait_for("the third cell's log", (run_dir / "logs" / f"{cell_ids[2]}.log").exists, proc)
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == code, (tmp_path / "stderr").read_text()
    finally:
        proc.kill()
    stderr = (tmp_path / "stderr").read_text()
    if sig != signal.SIGKILL:
        assert f"interrupted by {sig.name}: finished cells are saved; re-run with the same --run-id" in stderr
        assert "Traceback" not in stderr and not list(tmp.iterdir())
        assert not [p for p in run_dir.rglob(".*") if p.name not in (".pythonpath", ".lock", ".work")]
    assert processes.wait_gone(run_id) == []
    done = {r["cell_id"] for r in read_cells(run_dir)}
    assert set(cell_ids[:2]) <= done <= set(cell_ids[:3]), done  # nothing lost, nothing after the signal
    second = subprocess.run([*EDGEBENCH, *args], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert second.returncode == 0, second.stderr
    assert f"{len(done)} resumed" in second.stderr.replace("\n", " ")
    rows = read_cells(run_dir)
    assert sorted(r["cell_id"] for r in rows) == sorted(cell_ids)  # each cell exactly once
    assert all(r["status"] == "ok" for r in rows)
    assert not [p for p in run_dir.rglob(".*") if p.name not in (".pythonpath", ".lock", ".work")]
    assert processes.wait_gone(run_id, timeout=0) == []


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129),
                                       (signal.SIGKILL, -9)], ids=lambda v: getattr(v, "name", str(v)))
def test_the_worker_dies_with_the_orchestrator(tmp_path, sig, code):
    """A worker that would hang for ten minutes is gone soon after its orchestrator is signalled, even
    by SIGKILL, which the orchestrator cannot handle (the worker asked the kernel to kill it then)."""
    run_id = f"hang-{sig.name}-{os.getpid()}-{tmp_path.name}"
    args = ["run", "--preset", "smoke", "--frameworks", "null", "-o", "fault=hang", "--timeout-s", "600",
            "--out", "res", "--run-id", run_id, *FAST]
    proc = processes.start(args, tmp_path, tmp_path / "stderr")
    try:
        processes.wait_for("the worker", lambda: bool(processes.carriers(run_id)), proc)
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == code, (tmp_path / "stderr").read_text()
        assert processes.wait_gone(run_id) == []
    finally:
        proc.kill()
        processes.kill_all(processes.carriers(run_id))
    assert not list((tmp_path / "res" / run_id / "cells").glob("*"))  # the hanging cell wrote nothing


def test_a_process_left_holding_the_result_pipe_does_not_cost_the_result(edgebench, tmp_path):
    """The worker starts a process in its own session that keeps the result pipe open for a minute: the
    result is read when the worker exits, not at end of file."""
    run_id = f"detach-{os.getpid()}-{tmp_path.name}"
    try:
        proc = edgebench("run", "--preset", "smoke", "--frameworks", "null", "-o", "fault=detach", "--out", "res",
                         "--run-id", run_id, *FAST, timeout=60)
        assert proc.returncode == 0, proc.stderr
        (row,) = read_cells(tmp_path / "res" / run_id)
        assert (row["status"], row["error_class"]) == ("ok", None) and row["iterations"] >= 5
        assert processes.carriers(run_id), "the detached process should still be alive"
    finally:
        processes.kill_all(processes.carriers(run_id))


@pytest.mark.parametrize("args, message", [
    (["run", "--models", "resnet51"], "unknown model 'resnet51'"),
    (["run", "--preset", "pcam"], "unknown preset 'pcam'"),
    (["run", "--batch-sizes", "x"], "wants integers"),
    (["run", "--grid", "missing.toml"], "grid file not found"),
    (["run", "-o", "fault"], "--option wants key=value"),
    (["plan", "--frameworks", "tflite", "--providers", "cuda"], "knows none of the providers"),
    (["list", "modles"], "cannot list 'modles'"),
])
def test_bad_input_is_one_line_and_a_hint(edgebench, args, message):
    proc = edgebench(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and message in lines[0] and lines[1].startswith("hint: "), proc.stderr
    assert "Traceback" not in proc.stderr


def test_unwritable_output_fails_before_the_first_cell(edgebench, tmp_path):
    (tmp_path / "blocked").write_text("a file, not a folder")
    proc = edgebench("run", "--preset", "smoke", "--frameworks", "null", "--out", "blocked", *FAST)
    assert proc.returncode == 3
    assert "cannot write results" in proc.stderr and "hint:" in proc.stderr


def test_plan_and_list_import_no_framework(edgebench):
    proc = edgebench("plan", "--preset", "greenai", "--json", check_rc=0)
    assert len(proc.stdout.splitlines()) > 100
    for what in ("models", "frameworks", "presets", "providers", "columns"):
        edgebench("list", what, check_rc=0)
    code = ("import sys, runner.cli.main, runner.orchestrator; "
            "print(sorted(k for k in ('torch', 'tensorflow', 'onnxruntime', 'mxnet') if k in sys.modules))")
    out = subprocess.run([EDGEBENCH[0], "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_unavailable_environment_is_a_row_with_the_reason(edgebench, tmp_path):
    env_missing = dict(os.environ, EDGEBENCH_ENV_PYTORCH=str(tmp_path / "no" / "python"))
    proc = subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "pytorch,null", "--out", "res",
                           "--run-id", "u", *FAST], capture_output=True, text=True, cwd=tmp_path, env=env_missing)
    assert proc.returncode == 0, proc.stderr
    rows = {r["framework"]: r for r in read_cells(tmp_path / "res" / "u")}
    assert rows["pytorch"]["status"] == "unavailable"
    assert "no interpreter at" in rows["pytorch"]["error_message"]
    assert rows["null"]["status"] == "ok"
    strict = subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "pytorch", "--out", "res",
                             "--run-id", "u2", "--strict", *FAST], capture_output=True, text=True, cwd=tmp_path,
                            env=env_missing)
    assert strict.returncode == 1


def test_memory_limit_turns_runaway_allocation_into_an_oom_row(edgebench, tmp_path):
    proc = edgebench("run", "--preset", "smoke", "--frameworks", "null", "-o", "fault=oom", "--memory-limit", "1G",
                     "--out", "res", "--run-id", "m", *FAST)
    assert proc.returncode == 1
    (row,) = read_cells(tmp_path / "res" / "m")
    assert (row["status"], row["error_class"]) == ("oom", "MemoryError")
    assert row["rss_peak_bytes"] is None or row["rss_peak_bytes"] < 1.1 * 2**30
