"""`edgebench report` and `edgebench compare` on runs made by the real CLI with the null adapter."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict

import pytest
from typer.testing import CliRunner

from runner.cli.main import app
from runner.report.compare import compare
from runner.report.load import load
from tests.conftest import EDGEBENCH, FAST

SLEEPS = {"a": "0.002", "b": "0.004", "c": "0.002"}


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*EDGEBENCH, *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          env=dict(os.environ, COLUMNS="200"))


def _in_process(*args: str):
    """The same CLI in this process (Typer's runner): no interpreter start-up per call."""
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Dict[str, Path]:
    """Three sleep runs (2 ms, 4 ms, 2 ms) and one run with a crashing and a hanging cell."""
    root = tmp_path_factory.mktemp("report")
    budget = [a if a != "0.3" else "0.6" for a in FAST]  # --max-time-s 0.6: a few hundred 2 ms iterations
    for run_id, sleep in SLEEPS.items():
        proc = _cli(root, "run", "--preset", "smoke", "--frameworks", "null", "-o", f"sleep_s={sleep}",
                    "--min-time-s", "0.5", "--out", "res", "--run-id", run_id, *budget)
        assert proc.returncode == 0, proc.stderr
    proc = _cli(root, "run", "--preset", "smoke", "--frameworks", "null", "-o", "fault=none,segfault,hang",
                "--timeout-s", "3", "--out", "res", "--run-id", "faults", *FAST)
    assert proc.returncode == 1, proc.stderr
    return {name: root / "res" / name for name in (*SLEEPS, "faults")} | {"root": root}


def test_report_on_failed_cells_lists_their_status_and_does_not_crash(runs):
    res = _in_process("report", str(runs["faults"]))
    assert res.exit_code == 0, res.output
    assert "crashed" in res.stdout and "SIGSEGV" in res.stdout and "timeout" in res.stdout
    assert "Published findings" in res.stdout and "not enough data" in res.stdout


def test_report_files_over_many_runs(runs):
    out = runs["root"] / "rep"
    proc = _cli(runs["root"], "report", str(runs["root"] / "res"), "--out", str(out), "--format", "html")
    assert proc.returncode == 0, proc.stderr
    text = (out / "report.html").read_text()
    assert all(f"run {r}" in text for r in (*SLEEPS, "faults")) and "crashed" in text
    png = out / "latency.png"
    assert png.stat().st_size > 0 and png.read_bytes()[:4] == b"\x89PNG"
    assert "no energy" in text


def test_compare_with_one_repetition_per_side_claims_nothing(runs):
    res = _in_process("compare", str(runs["a"]), str(runs["b"]), "--fail-on", "any")
    assert res.exit_code == 0, res.output
    assert "not enough repetitions" in res.stdout and "between-process variance is unknown" in res.stdout
    (match,), _ = compare(load([runs["a"]]), load([runs["b"]]))
    assert 1.6 < match.ratio.value < 2.4 and not match.ratio.has_ci and match.verdict == "not enough repetitions"


def test_report_and_compare_refuse_folders_without_results(runs):
    empty = runs["root"] / "empty"
    empty.mkdir()
    for args in (["report", str(empty)], ["compare", str(runs["a"]), str(empty)]):
        res = _in_process(*args)
        assert res.exit_code == 2 and "error: no results" in res.stderr and "hint:" in res.stderr
        assert res.exception is None or isinstance(res.exception, SystemExit)
