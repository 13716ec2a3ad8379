"""The real CLI, real worker processes, the null adapter: faults, resume, bad input, output folders."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import duckdb
import pytest

from tests.conftest import EDGEBENCH, FAST, read_cells

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


def test_resume_after_interrupt_loses_and_duplicates_nothing(tmp_path):
    args = [*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "null", "--models",
            "tinycnn,alexnet,squeezenet1_0,squeezenet1_1,resnet50,mobilenet_v2", "--repetitions", "2",
            "-o", "sleep_s=0.01", "--out", "res", "--run-id", "resume", "--warmup-s", "0", "--min-time-s", "0.4",
            "--max-time-s", "0.5", "--idle-s", "0", "--meters", "none"]
    proc = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cells = tmp_path / "res" / "resume" / "cells"
    deadline = time.monotonic() + 120
    while len(list(cells.glob("part-*.parquet"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    done_before = {p.name for p in cells.glob("part-*.parquet")}
    assert 3 <= len(done_before) < 12
    second = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"{len(done_before)} resumed" in second.stderr.replace("\n", " ")
    rows = read_cells(tmp_path / "res" / "resume")
    assert len(rows) == 12 and len({r["cell_id"] for r in rows}) == 12
    assert all(r["status"] == "ok" for r in rows)
    assert not list(cells.glob(".*"))
    leftover = subprocess.run(["pgrep", "-f", "runner.worker.main .*resume"], capture_output=True, text=True)
    assert leftover.stdout == ""


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
