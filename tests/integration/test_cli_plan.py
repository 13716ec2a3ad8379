"""``edgebench plan``: the budget in words, the order and seed, what this host cannot run (a missing
environment, a missing provider) and a duration estimate from the budgets."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from runner import providers
from runner.catalog import FRAMEWORKS
from runner.cli.units import duration
from tests.conftest import EDGEBENCH, require_env


def plan(tmp_path, *args: str, env=None) -> subprocess.CompletedProcess:
    proc = subprocess.run([*EDGEBENCH, "plan", *args], capture_output=True, text=True, cwd=tmp_path,
                          env=dict(os.environ, **(env or {})), timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_the_budget_reads_as_a_sentence_and_the_order_names_its_seed(tmp_path):
    proc = plan(tmp_path, "--preset", "smoke", "--frameworks", "null", "--order", "shuffled", "--seed", "7",
                "--max-time-s", "3", "--target-rel-ci", "0.02", "--memory-limit", "2G")
    assert "Budget(" not in proc.stderr and "seed 7" in proc.stderr
    budget = next(line for line in proc.stderr.splitlines() if line.startswith("budget per cell: "))
    assert "at most 3.0 s" in budget and "within ±2% at two checks in a row" in budget
    assert "address space limited to 2.0 GiB" in budget


def test_the_duration_estimate_adds_the_allowance_warm_up_and_steady_bounds(tmp_path):
    proc = plan(tmp_path, "--preset", "smoke", "--frameworks", "null", "--repetitions", "2", "--warmup-s", "0.5",
                "--min-time-s", "1", "--max-time-s", "3", "--meters", "none")
    allowance = FRAMEWORKS["null"].startup_allowance_s
    low, high = 2 * (allowance + 0.5 + 1), 2 * (allowance + 0.5 + 3)
    assert f"estimated duration: between {duration(low)} and {duration(high)} " in proc.stderr
    assert "cannot run" not in proc.stdout + proc.stderr and "energy:" not in proc.stderr


def test_a_missing_environment_marks_its_cells_and_says_why_once(tmp_path):
    missing = str(tmp_path / "no" / "python")
    proc = plan(tmp_path, "--preset", "smoke", "--frameworks", "null,tflite", "--repetitions", "2",
                env={"EDGEBENCH_ENV_TFLITE": missing})
    lines = proc.stdout.splitlines()
    assert [line.endswith("cannot run here: no environment") for line in lines] == \
        ["-tflite-" in line for line in lines] and len(lines) == 4
    reasons = [line for line in proc.stderr.splitlines() if line.strip().startswith("environment")]
    assert len(reasons) == 1 and f"no interpreter at {missing}" in reasons[0]
    assert "2 of 4 cells cannot run here" in proc.stderr


def test_a_missing_provider_marks_its_cells_with_what_the_runtime_reports(tmp_path):
    require_env("onnxruntime")
    if "cuda" in providers.probe("onnxruntime").available:
        pytest.skip("this host has a CUDA provider: nothing to mark")
    proc = plan(tmp_path, "--preset", "smoke", "--frameworks", "onnxruntime", "--providers", "cpu,cuda", "--json")
    cells = [json.loads(line) for line in proc.stdout.splitlines()]
    marks = {c["provider"]: c["cannot_run_here"] for c in cells}
    assert marks["cpu"] == [] and [m["kind"] for m in marks["cuda"]] == ["provider"]
    reason = marks["cuda"][0]["reason"]
    assert "no cuda provider here" in reason and "CPUExecutionProvider" in reason
    assert "1 of 2 cells cannot run here" in proc.stderr
