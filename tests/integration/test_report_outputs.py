"""What a user sees at the end of a run and from `report`, `recommend` and `compare`, through the real CLI:
the run summary with the recommendation and its paragraph (real frameworks on the tiny model), exports
that read back, and `--format html` without `--out` writing into a default folder and saying where."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from runner.cli.main import app
from tests.conftest import EDGEBENCH, FAST
from tests.unit.report.conftest import reps, row, write


def _cli(cwd: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*EDGEBENCH, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=dict(os.environ, COLUMNS="200"))


def test_the_run_ends_with_a_summary_a_recommendation_and_a_paragraph(tmp_path):
    proc = _cli(tmp_path, "run", "--preset", "smoke", "--repetitions", "3", "--out", "res", "--run-id", "r",
                "--export", "json", *FAST)
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr
    assert "edgebench summary (one row per configuration" in err and "cold start = start-up + import" in err
    assert "Recommendation · " in err and "tinycnn · batch 1 · fp32" in err
    para = next(line for line in err.splitlines() if line.startswith("On "))
    assert "tinycnn at batch 1 (fp32):" in para
    assert "onnxruntime(pytorch)" in err, "one name for the exported runtime"
    assert "Full report: edgebench report res/r --format html" in err
    summary = json.loads((tmp_path / "res" / "r" / "summary.json").read_text())
    assert {s["runtime"] for s in summary} == {"pytorch", "onnxruntime(pytorch)"}
    assert all(s["status"] == "ok 3/3" and s["cold_start_s"] > s["import_s"] > 0 for s in summary), summary


def _hand_built(tmp_path: Path) -> Path:
    rows = reps(row("onnxruntime", "squeezenet1_1", source="pytorch", p50_ms=5, rss_mib=90, import_s=0.08)) \
        + reps(row("tflite", "squeezenet1_1", p50_ms=11, rss_mib=60, import_s=0.01, load_s=0.03))
    return write(tmp_path / "results", rows, "hand")


def test_recommend_prints_just_the_recommendation(tmp_path):
    run = _hand_built(tmp_path)
    res = CliRunner().invoke(app, ["recommend", str(run)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "steady state  onnxruntime(pytorch): 2." in res.stdout and "faster than tflite" in res.stdout
    assert "memory        tflite: 1.5" in res.stdout and "Results" not in res.stdout
    res = CliRunner().invoke(app, ["recommend", str(run), "--by", "cold-start"], env={"COLUMNS": "200"})
    assert "cold start" in res.stdout and "steady state" not in res.stdout and "memory " not in res.stdout
    bad = CliRunner().invoke(app, ["recommend", str(run), "--by", "speed"])
    assert bad.exit_code == 2 and "unknown --by 'speed'" in bad.stderr


def test_format_html_without_out_writes_a_default_folder(tmp_path):
    run = _hand_built(tmp_path)
    proc = _cli(tmp_path, "report", str(run), "--format", "html", "--no-plots", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "report: report-hand/report.html" in proc.stderr
    assert (tmp_path / "report-hand" / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_report_and_compare_export(tmp_path):
    run = _hand_built(tmp_path)
    res = CliRunner().invoke(app, ["report", str(run), "--export", "csv", "--out", str(tmp_path / "rep"),
                                   "--no-plots"])
    assert res.exit_code == 0, res.output
    with open(tmp_path / "rep" / "results.csv") as fh:
        assert {r["runtime"] for r in csv.DictReader(fh)} == {"onnxruntime(pytorch)", "tflite"}
    out = tmp_path / "cmp.json"
    res = CliRunner().invoke(app, ["compare", str(run), str(run), "--export", "json", "--out", str(out)],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    got = json.loads(out.read_text())
    assert len(got) == 2 and all(g["verdict"] == "no significant difference" for g in got)
    assert {g["configuration"] for g in got} == {"squeezenet1_1 onnxruntime(pytorch) b1 t1",
                                                 "squeezenet1_1 tflite b1 t1"}
    assert all(g["ratio_ci95_low"] <= 1 <= g["ratio_ci95_high"] for g in got)
    bad = CliRunner().invoke(app, ["compare", str(run), str(run), "--export", "xml"])
    assert bad.exit_code == 2 and "unknown export format 'xml'" in bad.stderr
