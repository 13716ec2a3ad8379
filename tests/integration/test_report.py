"""`edgebench report` and `edgebench compare` on runs made by the real CLI (null adapter), and on copies of
them holding stored latency samples, so that what compare must find never depends on wall-clock sleeps."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from runner.cli.main import app
from runner.measure.stats import summarize
from runner.report.compare import compare
from runner.report.load import load
from runner.results.sink import write_latencies_parquet, write_parquet
from tests.conftest import EDGEBENCH, FAST

#: Stored samples, not wall-clock sleeps: three repetitions of 400 latencies around 2 ms per run; run b's are
#: run a's doubled, run c's drawn from a's distribution with other seeds.
REPS, N_SAMPLES = 3, 400


def _samples(seed: int, scale: float = 1.0) -> np.ndarray:
    return scale * np.random.default_rng(seed).lognormal(np.log(0.002), 0.05, N_SAMPLES)


LATENCIES = {"a": [_samples(r) for r in range(REPS)], "b": [_samples(r, 2.0) for r in range(REPS)],
             "c": [_samples(10 + r) for r in range(REPS)], "a1": [_samples(0)], "b1": [_samples(0, 2.0)]}


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*EDGEBENCH, *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          env=dict(os.environ, COLUMNS="200"))


def _in_process(*args: str):
    """The same CLI in this process (Typer's runner): no interpreter start-up per call."""
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def stored_run(base: Path, dst: Path, latencies: List[np.ndarray]) -> Path:
    """A copy of the run ``base`` keeping its first ``len(latencies)`` cells, whose latencies are these
    (and each row's statistics theirs)."""
    shutil.copytree(base, dst)
    parts = sorted((dst / "cells").glob("part-*.parquet"))
    for part in parts[len(latencies):]:
        part.unlink()
        (dst / "latencies" / part.name).unlink(missing_ok=True)
    for part, samples in zip(parts, latencies):
        (row,) = pq.read_table(part).to_pylist()
        row.update(summarize(list(samples), row["batch_size"]), run_id=dst.name)
        write_latencies_parquet(dst / "latencies" / part.name, dst.name, row["cell_id"], samples)
        write_parquet(part, "cells", [row])
    manifest = json.loads((dst / "manifest.json").read_text())
    (dst / "manifest.json").write_text(json.dumps(dict(manifest, run_id=dst.name)))
    return dst


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Dict[str, Path]:
    """Runs of stored samples (in copies of a real 2 ms sleep run of three repetitions), and a run with a
    crashing and a hanging cell."""
    root = tmp_path_factory.mktemp("report")
    proc = _cli(root, "run", "--preset", "smoke", "--frameworks", "null", "-o", "sleep_s=0.002", "--repetitions",
                str(REPS), "--out", "base", "--run-id", "base", *FAST)
    assert proc.returncode == 0, proc.stderr
    for run_id, latencies in LATENCIES.items():
        stored_run(root / "base" / "base", root / ("one" if run_id.endswith("1") else "res") / run_id, latencies)
    proc = _cli(root, "run", "--preset", "smoke", "--frameworks", "null", "-o", "fault=none,segfault,hang",
                "--timeout-s", "3", "--out", "res", "--run-id", "faults", *FAST)
    assert proc.returncode == 1, proc.stderr
    return {name: root / "res" / name for name in ("a", "b", "c", "faults")} | {
        "a1": root / "one" / "a1", "b1": root / "one" / "b1", "root": root}


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
    assert all(f"run {r}" in text for r in ("a", "b", "c", "faults")) and "crashed" in text
    png = out / "latency.png"
    assert png.stat().st_size > 0 and png.read_bytes()[:4] == b"\x89PNG"
    assert "no energy" in text


def test_compare_with_one_repetition_per_side_claims_nothing(runs):
    res = _in_process("compare", str(runs["a1"]), str(runs["b1"]), "--fail-on", "any")
    assert res.exit_code == 0, res.output
    assert "not enough repetitions" in res.stdout and "between-process variance is unknown" in res.stdout
    (match,), _ = compare(load([runs["a1"]]), load([runs["b1"]]))
    assert match.ratio.value == pytest.approx(2.0) and not match.ratio.has_ci
    assert match.verdict == "not enough repetitions"


def test_compare_finds_the_doubling(runs):
    res = _in_process("compare", str(runs["a"]), str(runs["b"]))
    assert res.exit_code == 0, res.output
    assert "slower" in res.stdout
    (match,), _ = compare(load([runs["a"]]), load([runs["b"]]))
    assert match.ratio.value == pytest.approx(2.0) and match.ratio.low > 1.9
    assert match.verdict == "slower"


def test_compare_of_equal_runs_is_no_significant_difference(runs):
    res = _in_process("compare", str(runs["a"]), str(runs["c"]))
    assert res.exit_code == 0, res.output
    assert "no significant difference" in res.stdout
    (match,), _ = compare(load([runs["a"]]), load([runs["c"]]))
    assert match.ratio.low < 1 < match.ratio.high and match.verdict == "no significant difference"


def test_report_and_compare_refuse_folders_without_results(runs):
    empty = runs["root"] / "empty"
    empty.mkdir()
    for args in (["report", str(empty)], ["compare", str(runs["a"]), str(empty)]):
        res = _in_process(*args)
        assert res.exit_code == 2 and "error: no results" in res.stderr and "hint:" in res.stderr
        assert res.exception is None or isinstance(res.exception, SystemExit)
