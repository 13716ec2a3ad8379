"""fp16 and int8 on tinycnn with the real runtimes, through the real CLI and fresh workers.

Every framework in the catalog gets every precision: what its record says it runs must build, run and
agree with the fp32 reference plausibly (int8 well above 10 dB SQNR, fp16 far higher); what it does not run
must be an ``unsupported`` row with the record's reason, built nothing and spawned nothing.
"""

from __future__ import annotations

import json
import math
import subprocess

import pytest

from runner.catalog import FRAMEWORKS
from tests.conftest import EDGEBENCH, FAST, read_cells, require_env

pytestmark = pytest.mark.frameworks

RUNTIMES = ("onnxruntime", "tflite", "pytorch")
#: Plausible floors on tinycnn (measured: int8 35-44 dB, fp16 70-75 dB, fp32 > 130 dB or identical).
FLOOR_DB = {"fp32": 80.0, "fp16": 50.0, "int8": 20.0}


def _run(tmp, run_id, *args):
    proc = subprocess.run([*EDGEBENCH, "run", "--models", "tinycnn", "--repetitions", "1", "--out", str(tmp),
                           "--run-id", run_id, *FAST, *args], capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return tmp / run_id, read_cells(tmp / run_id)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """fp32 and int8 on the three runtimes that quantize, batch 1 and 4, 16 calibration inputs."""
    for env in ("pytorch", "onnxruntime", "tflite", "tensorflow"):
        require_env(env)
    return _run(tmp_path_factory.mktemp("precisions"), "p", "--frameworks", ",".join(RUNTIMES), "--sources",
                "pytorch", "--precisions", "fp32,int8", "--batch-sizes", "1,4", "--calibration-samples", "16")


def test_fp32_and_int8_run_on_every_runtime_with_their_methods(cli_run):
    _, rows = cli_run
    assert sorted((r["framework"], r["precision"], r["batch_size"]) for r in rows) == sorted(
        (f, p, b) for f in RUNTIMES for p in ("fp32", "int8") for b in (1, 4))
    for r in rows:
        assert r["status"] == "ok", (r["cell_id"], r["error_message"])
        entry = FRAMEWORKS[r["framework"]].precision(r["precision"], "cnn")
        assert r["quantization"] == entry.quantization, r["cell_id"]
        assert r["calibration_samples"] == (16 if r["precision"] == "int8" else None), r["cell_id"]
        assert ("-int8-" in r["cell_id"]) == (r["precision"] == "int8")


def test_int8_costs_output_quality_that_the_columns_show(cli_run):
    _, rows = cli_run
    by = {(r["framework"], r["precision"], r["batch_size"]): r for r in rows}
    for (framework, precision, batch), r in by.items():
        sqnr = r["output_sqnr_db"]
        assert r["quality_samples"] == 32 and sqnr is not None and not math.isnan(sqnr), r["cell_id"]
        assert sqnr > FLOOR_DB[precision], (r["cell_id"], sqnr)
        assert 0.9 <= r["output_top1_agreement"] <= 1.0, r["cell_id"]
        if precision == "int8":
            assert math.isfinite(sqnr) and sqnr < by[(framework, "fp32", batch)]["output_sqnr_db"], r["cell_id"]
    # the quality inputs are the same items at every batch size: an int8 model gives the same SQNR for both
    for framework in RUNTIMES:
        one, four = by[(framework, "int8", 1)]["output_sqnr_db"], by[(framework, "int8", 4)]["output_sqnr_db"]
        assert one == pytest.approx(four, abs=0.5), framework


def test_int8_artifacts_are_cached_apart_and_say_how_they_were_made(cli_run, artifact_cache):
    _, rows = cli_run
    folders = {p.name for p in (artifact_cache / "artifacts" / "tinycnn").iterdir() if p.is_dir()}
    assert any(f.startswith("onnx-int8-static-qdq-c16-from-onnx-from-pytorch-") for f in folders), folders
    assert any(f.startswith("tflite-int8-full-integer-c16-from-tensorflow-") for f in folders), folders
    assert any(f.startswith("torchscript-int8-static-fx-c16-from-pytorch-") for f in folders), folders
    for r in rows:
        meta = json.loads(r["info_json"])["artifact"]  # fp32 artifacts cached before precisions existed lack them
        made = (meta.get("precision", "fp32"), meta.get("quantization", "none"))
        assert made == (r["precision"], r["quantization"]), r["cell_id"]
        assert r["artifact_bytes"] > 0, r["cell_id"]


def test_the_report_shows_precision_and_quality(cli_run, tmp_path):
    run_dir, _ = cli_run
    proc = subprocess.run([*EDGEBENCH, "report", str(run_dir), "--out", str(tmp_path / "rep")], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "rep" / "report.md").read_text()
    assert "| SQNR dB | top-1 |" in text and "· tinycnn · batch 1 · int8" in text and "· batch 4 · fp32" in text
    int8 = text.split("· tinycnn · batch 1 · int8", 1)[1].split("###", 1)[0]
    assert "onnxruntime(pytorch)" in int8 and "identical" not in int8  # int8 differs from the reference


def test_every_framework_runs_what_its_record_declares_and_says_why_not_otherwise(tmp_path):
    require_env("pytorch")
    run_dir, rows = _run(tmp_path, "all", "--frameworks", ",".join(FRAMEWORKS), "--sources", "pytorch",
                         "--precisions", "fp16,int8")
    assert len(rows) == 2 * len(FRAMEWORKS)
    checked = set()
    for r in rows:
        entry = FRAMEWORKS[r["framework"]].precision(r["precision"], "cnn")
        if r["status"] == "unavailable":  # its environment is not on this host (CI requires the ones it tests)
            continue
        if not entry.supported:
            assert (r["status"], r["error_class"], r["error_message"]) == \
                ("unsupported", "PrecisionUnsupported", entry.unsupported), r["cell_id"]
            assert r["startup_s"] is None and r["quantization"] is None, r["cell_id"]
            continue
        assert r["status"] == "ok", (r["cell_id"], r["error_message"])
        assert r["quantization"] == entry.quantization and math.isfinite(r["output_sqnr_db"]), r["cell_id"]
        assert r["output_sqnr_db"] > FLOOR_DB[r["precision"]], (r["cell_id"], r["output_sqnr_db"])
        checked.add((r["framework"], r["precision"]))
    declared = {(f, p) for f in FRAMEWORKS for p in ("fp16", "int8") if FRAMEWORKS[f].precision(p, "cnn").supported}
    assert {(f, p) for f, p in declared if _available(f)} <= checked


def _available(framework: str) -> bool:
    from runner import envs

    return envs.for_framework(framework).available and envs.for_framework(FRAMEWORKS[framework].default_source) \
        .available


def test_an_unknown_precision_is_one_line_and_exit_2(edgebench):
    proc = edgebench("plan", "--precisions", "fp32,int4")
    assert proc.returncode == 2 and "unknown precision 'int4'" in proc.stderr
    assert len([ln for ln in proc.stderr.splitlines() if ln.strip()]) <= 2
