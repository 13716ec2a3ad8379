"""Precision in the report: rows without the column read as fp32, one configuration per precision, and
``compare --across precision`` pairing each int8 (or fp16) configuration with itself at fp32."""

from __future__ import annotations

from runner.report.compare import across
from runner.report.load import load
from runner.report.summarize import aggregate
from tests.unit.report.conftest import reps, row


def _precisions():
    return [*reps(row("onnxruntime", p50_ms=10, source="pytorch")),
            *reps(row("onnxruntime", p50_ms=5, source="pytorch", precision="int8", quantization="static-qdq",
                      output_sqnr_db=38.0)),
            *reps(row("tflite", p50_ms=8)), *reps(row("tflite", p50_ms=8, precision="fp16")),
            *reps(row("pytorch", p50_ms=12, precision="int8"))]


def test_rows_without_the_column_read_as_fp32(make_run):
    ds = load([make_run(reps(row("pytorch")))])
    assert set(ds.cells["precision"]) == {"fp32"}


def test_a_configuration_per_precision_with_its_quality(make_run):
    agg = aggregate(load([make_run(_precisions())]).cells)
    assert sorted(zip(agg["framework"], agg["precision"])) == [
        ("onnxruntime", "fp32"), ("onnxruntime", "int8"), ("pytorch", "int8"), ("tflite", "fp16"), ("tflite", "fp32")]
    int8 = agg[(agg["framework"] == "onnxruntime") & (agg["precision"] == "int8")].iloc[0]
    assert int8["sqnr_db"] == 38.0


def test_compare_across_precision_pairs_each_precision_with_fp32(make_run):
    items = across(load([make_run(_precisions())]), "precision")
    assert [(i.baseline, i.value) for i in items] == [("fp32", "fp16"), ("fp32", "int8")]
    fp16, int8 = items
    (tflite,) = fp16.matches
    assert "tflite" in tflite.name and tflite.verdict == "no significant difference"
    (ort,) = int8.matches
    assert "onnxruntime(pytorch)" in ort.name and ort.verdict == "faster" and 0.45 < ort.ratio.value < 0.55
    assert sorted(int8.alone) == ["only in precision fp32: alexnet tflite b1 t1",
                                  "only in precision int8: alexnet pytorch b1 t1"]
