"""Precisions of a model file, through the real CLI: tinycnn as an ONNX file (made from the canonical
definitions) at fp32, fp16 and int8 on the runtimes that derive a precision from the model they load, each
checked against the format's own runtime's fp32 output; a TorchScript file, whose runtime makes its fp16 and
int8 models from the built-in definitions only, gives unsupported rows saying so."""

from __future__ import annotations

import math
import shutil
import subprocess

import pytest

from runner.artifacts import Cache, cache_dir
from runner.catalog import FRAMEWORKS
from runner.cell import Cell
from runner.orchestrator import pythonpath_shim
from tests.conftest import EDGEBENCH, FAST, read_cells, require_env

pytestmark = pytest.mark.frameworks
DERIVING = ("onnxruntime", "openvino")
FLOOR_DB = {"fp32": 80.0, "fp16": 50.0, "int8": 20.0}


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    for env in ("pytorch", *DERIVING):
        require_env(env)
    root, work = tmp_path_factory.mktemp("files"), tmp_path_factory.mktemp("build")
    cache = Cache(cache_dir(), pythonpath_shim(work), work / "logs")
    for framework, name, target in (("onnxruntime", "model.onnx", "tiny.onnx"), ("pytorch", "model.pt", "tiny.pt")):
        folder, _ = cache.artifact(Cell("tinycnn", framework, "pytorch", 1, "cpu", 1, 0))
        shutil.copyfile(folder / name, root / target)
    proc = subprocess.run([*EDGEBENCH, "run", "--model-file", str(root / "tiny.onnx"), "--model-file",
                           str(root / "tiny.pt"), "--input-shape", "x=1x3x32x32", "--frameworks",
                           ",".join((*DERIVING, "pytorch")), "--precisions", "fp32,fp16,int8",
                           "--calibration-samples", "16", "--repetitions", "1", "--out", str(root), "--run-id", "p",
                           *FAST], capture_output=True, text=True, timeout=1500, cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {(r["model_format"], r["framework"], r["precision"]): r for r in read_cells(root / "p")}


@pytest.mark.parametrize("framework", DERIVING)
def test_an_onnx_file_runs_every_precision_its_runtime_derives_and_costs_what_the_columns_say(rows, framework):
    for precision in ("fp32", "fp16", "int8"):
        r = rows[("onnx", framework, precision)]
        entry = FRAMEWORKS[framework].precision(precision, "cnn")
        assert r["status"] == "ok", (precision, r["error_message"])
        assert (r["source"], r["reference_framework"], r["quantization"]) == ("file", "onnxruntime",
                                                                             entry.quantization)
        assert r["calibration_samples"] == (16 if entry.calibrated else None)
        assert r["quality_samples"] == 32 and not math.isnan(r["output_sqnr_db"]), precision
        # the format's own runtime at fp32 is its own reference: identical (+inf)
        assert math.isfinite(r["output_sqnr_db"]) != (precision == "fp32" and framework == "onnxruntime"), precision
        assert r["output_sqnr_db"] > FLOOR_DB[precision] and 0.9 <= r["output_top1_agreement"] <= 1.0, precision
        assert f"-{precision}-" in r["cell_id"] or precision == "fp32"
    sqnr = {p: rows[("onnx", framework, p)]["output_sqnr_db"] for p in ("fp32", "int8")}
    assert sqnr["int8"] < sqnr["fp32"]


def test_the_derived_models_are_cached_under_the_file(rows):
    sha = rows[("onnx", "onnxruntime", "int8")]["model_sha256"]
    folders = {p.name for p in (cache_dir() / "models" / sha).iterdir() if p.is_dir()}
    assert any(f.startswith("onnx-int8-static-qdq-c16-by-onnxruntime") and "-from-file-in" in f for f in folders)
    assert any(f.startswith("openvino-ir-int8-static-nncf-c16-by-openvino") for f in folders), folders


def test_a_runtime_that_quantizes_only_its_built_in_models_says_so_for_a_file(rows):
    assert rows[("torchscript", "pytorch", "fp32")]["status"] == "ok"
    for precision in ("fp16", "int8"):
        r = rows[("torchscript", "pytorch", precision)]
        assert (r["status"], r["error_class"]) == ("unsupported", "PrecisionUnsupported"), r["error_message"]
        assert "from edgebench's built-in model definitions, not from a model file" in r["error_message"]
    r = rows[("onnx", "pytorch", "int8")]  # no route at all: said before the precision
    assert (r["status"], r["error_class"]) == ("unsupported", "NoConversion")
