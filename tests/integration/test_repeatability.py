"""Numbers you would get again, through the real CLI with the null adapter: an A/A pair of runs compares as
no difference, a 15% injected slowdown as slower (and gates with --fail-on), a drifting cell never passes as
converged without a warning. Sleeps of milliseconds dominate scheduling noise on a loaded 2-core machine;
five repetitions per side; no assertion on a timing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict

import pytest
from typer.testing import CliRunner

from runner.cli.main import app
from runner.report.compare import BELOW, SAME, compare
from runner.report.load import load
from tests.conftest import EDGEBENCH, read_cells

BUDGET = ["--warmup-s", "0.05", "--min-time-s", "0.3", "--max-time-s", "0.6", "--idle-s", "0", "--meters", "none"]
RUNS = {"a1": "0.002", "a2": "0.002", "slow": "0.0023"}  # 0.0023 s: a 15% slowdown


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*EDGEBENCH, *args], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env=dict(os.environ, COLUMNS="200"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Dict[str, Path]:
    root = tmp_path_factory.mktemp("aa")
    for run_id, sleep in RUNS.items():
        proc = _cli(root, "run", "--preset", "smoke", "--frameworks", "null", "-o", f"sleep_s={sleep}",
                    "--repetitions", "5", "--out", "res", "--run-id", run_id, *BUDGET)
        assert proc.returncode == 0, proc.stderr
    return {name: root / "res" / name for name in RUNS}


def _compare(*args: str):
    return CliRunner().invoke(app, ["compare", *args], env={"COLUMNS": "200"})


def test_a_run_compared_with_itself_and_with_its_repeat_shows_no_difference(runs):
    for a, b in (("a1", "a1"), ("a1", "a2"), ("a2", "a1")):
        (m,), _ = compare(load([runs[a]]), load([runs[b]]))
        assert m.verdict in (SAME, BELOW), (a, b, m.ratio, m.a.estimate, m.b.estimate)
        assert m.ratio.has_ci and m.a.repetitions == m.b.repetitions == 5
    res = _compare(str(runs["a1"]), str(runs["a2"]), "--fail-on", "any")
    assert res.exit_code == 0, res.output


def test_a_fifteen_percent_slowdown_is_found_and_gates(runs):
    (m,), _ = compare(load([runs["a1"]]), load([runs["slow"]]))
    assert m.verdict == "slower" and m.ratio.low > 1.05, m.ratio
    res = _compare(str(runs["a1"]), str(runs["slow"]), "--fail-on", "slower")
    assert res.exit_code == 1 and "slower" in res.stdout and "--fail-on slower: 1 configuration" in res.stdout
    assert _compare(str(runs["a1"]), str(runs["slow"]), "--fail-on", "faster").exit_code == 0
    assert _compare(str(runs["slow"]), str(runs["a1"]), "--fail-on", "faster").exit_code == 1
    bad = _compare(str(runs["a1"]), str(runs["slow"]), "--fail-on", "worse")
    assert bad.exit_code == 2 and "unknown --fail-on 'worse'" in bad.stderr


def test_the_run_summary_pools_repetitions(runs, tmp_path):
    proc = _cli(tmp_path, "run", "--preset", "smoke", "--frameworks", "null", "-o", "sleep_s=0.002",
                "--repetitions", "3", "--order", "shuffled", "--seed", "3", "--out", "res", "--run-id", "s", *BUDGET)
    assert proc.returncode == 0, proc.stderr
    assert "one row per configuration" in proc.stderr and "ok 3/3" in proc.stderr
    assert "approximate CI" in proc.stderr
    manifest = (tmp_path / "res" / "s" / "manifest.json").read_text()
    assert '"order": "shuffled"' in manifest and '"seed": 3' in manifest


def test_a_drifting_cell_is_not_converged_without_a_warning(tmp_path):
    proc = _cli(tmp_path, "run", "--preset", "smoke", "--frameworks", "null", "-o", "sleep_s=0.002",
                "-o", "drift_per_s=0.5", "--target-rel-ci", "0.05", "--out", "res", "--run-id", "d",
                "--warmup-s", "0", "--min-time-s", "0.6", "--max-time-s", "1.2", "--idle-s", "0", "--meters", "none")
    assert proc.returncode == 0, proc.stderr
    (row,) = read_cells(tmp_path / "res" / "d")
    assert row["latency_drift_rel"] > 0.05
    assert row["converged"] is False and row["steady_stop"] in ("drift", "max_time"), row["steady_stop"]
    assert "not converged" in row["warnings"] and "not converged" in proc.stderr
