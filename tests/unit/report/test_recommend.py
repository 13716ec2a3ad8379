"""The recommendation on hand-built datasets with known answers: a clear winner with its ratio and CI, a
tie (and between whom), a metric nobody measured (and why), too few repetitions, untrusted energy, cold
start as the sum of its phases, the paragraph to act on, and the export read back."""

from __future__ import annotations

import csv
import json

import pytest

from runner.report.load import load
from runner.report.make import recommendations
from runner.report.recommend import ALONE, FEW, MISSING, TIE, WINNER, paragraphs
from runner.report.summarize import aggregate
from tests.unit.report.conftest import reps, row


def _picks(make_run, rows, by=("latency", "cold-start", "memory", "energy")):
    ds = load([make_run(rows)])
    return {p.by: p for p in recommendations(ds, aggregate(ds.cells, ds.cell_latencies), by)}


def test_a_clear_winner_with_its_ratio_and_ci(make_run):
    rows = reps(row("onnxruntime", source="pytorch", p50_ms=5, rss_mib=100)) + reps(row("tflite", p50_ms=10))
    p = _picks(make_run, rows)["latency"]
    assert p.outcome == WINNER and p.best == "onnxruntime(pytorch)" and p.runner_up == "tflite"
    assert p.ratio.low > 1.5 and p.ratio.value == pytest.approx(2.0, rel=0.02)
    text = p.text()
    assert text.startswith("onnxruntime(pytorch): 2") and "faster than tflite" in text and "[" in text
    mem = _picks(make_run, rows)["memory"]
    assert mem.outcome == WINNER and mem.best == "onnxruntime(pytorch)" and "less peak memory" in mem.text()


def test_a_tie_says_no_clear_winner_and_between_whom(make_run):
    rows = (reps(row("pytorch", p50_ms=10.0), spread=0.3) + reps(row("tensorflow", p50_ms=10.3), spread=0.3)
            + reps(row("mxnet", p50_ms=40.0)))
    p = _picks(make_run, rows, ("latency",))["latency"]
    assert p.outcome == TIE and set(p.tied) == {"pytorch", "tensorflow"}
    assert p.text().startswith("no clear winner between pytorch and tensorflow") and "includes 1" in p.text()


def test_a_metric_nobody_measured_says_why(make_run):
    rows = reps(row("pytorch", p50_ms=5)) + reps(row("tflite", p50_ms=10))
    p = _picks(make_run, rows)["energy"]
    assert p.outcome == MISSING and "no energy meter" in p.text() and "no meter in this test" in p.text()


def test_untrusted_energy_is_not_compared(make_run):
    fake = dict(energy_source="fake", energy_method="counter")
    short = dict(energy_window_ok=False)
    rows = reps(row("pytorch", energy_j=0.1, **fake)) + reps(row("tflite", energy_j=0.3, **short))
    p = _picks(make_run, rows)["energy"]
    assert p.outcome == MISSING and "synthetic, estimated or over windows shorter" in p.text()
    rows = reps(row("pytorch", energy_j=0.1)) + reps(row("tflite", energy_j=0.3, **fake))
    assert _picks(make_run, rows)["energy"].outcome == ALONE


def test_too_few_repetitions_picks_nothing(make_run):
    rows = reps(row("pytorch", p50_ms=5), n=2) + reps(row("tflite", p50_ms=50), n=2)
    for by, p in _picks(make_run, rows).items():
        if by != "energy":
            assert p.outcome == FEW, by
            assert "not enough repetitions" in p.text() and "pytorch 2" in p.text() and "--repetitions 3" in p.text()
    one = reps(row("pytorch", p50_ms=5), n=1) + reps(row("tflite", p50_ms=50), n=3)
    assert _picks(make_run, one, ("latency",))["latency"].outcome == FEW


def test_cold_start_is_the_sum_of_its_phases_with_a_ci(make_run):
    slow = dict(startup_s=0.1, import_s=4.0, load_s=1.0, first_inference_s=0.5)
    fast = dict(startup_s=0.1, import_s=0.01, load_s=0.03, first_inference_s=0.02)
    rows = [dict(r, import_s=r["import_s"] * (1 + 0.01 * r["repetition"])) for r in
            reps(row("tensorflow", p50_ms=5, **slow)) + reps(row("tflite", p50_ms=6, **fast))]
    ds = load([make_run(rows)])
    agg = aggregate(ds.cells, ds.cell_latencies).set_index("framework")
    assert agg.loc["tflite", "cold_s"] == pytest.approx(0.16 + 0.0001, abs=1e-3)
    tf = agg.loc["tensorflow"]
    assert tf["cold_low_s"] <= tf["cold_s"] <= tf["cold_high_s"]
    picks = _picks(make_run, rows)
    assert picks["cold-start"].outcome == WINNER and picks["cold-start"].best == "tflite"
    assert picks["latency"].best == "tensorflow"
    (text,) = paragraphs(list(picks.values()))
    assert text.startswith("On host-a, alexnet at batch 1 (fp32): ")
    assert "Use tflite for the fastest cold start" in text and "Use tensorflow for the fastest steady state" in text


def test_labels_name_threads_when_a_runtime_ran_several(make_run):
    rows = reps(row("pytorch", p50_ms=5, threads=2)) + reps(row("pytorch", p50_ms=9, threads=1)) \
        + reps(row("tflite", p50_ms=10, threads=1))
    p = _picks(make_run, rows, ("latency",))["latency"]
    assert p.best == "pytorch t2" and p.runner_up == "tflite t1", "the runner-up is another runtime"


def test_the_recommendation_exports_as_csv_and_json(make_run, tmp_path):
    from rich.console import Console

    from runner.report.make import recommend_runs

    rows = reps(row("onnxruntime", source="pytorch", p50_ms=5)) + reps(row("tflite", p50_ms=10))
    run = make_run(rows)
    quiet = Console(file=open(tmp_path / "out.txt", "w"))
    recommend_runs([run], quiet, "latency", "csv", tmp_path / "r.csv")
    (rec,) = list(csv.DictReader(open(tmp_path / "r.csv")))
    assert rec["outcome"] == WINNER and rec["best"] == "onnxruntime(pytorch)" and float(rec["ratio_ci95_low"]) > 1
    recommend_runs([run], quiet, None, "json", tmp_path / "r.json")
    recs = json.loads((tmp_path / "r.json").read_text())
    assert [r["by"] for r in recs] == ["latency", "cold-start", "memory", "energy"]
    assert recs[3]["outcome"] == MISSING and recs[3]["ratio"] is None
