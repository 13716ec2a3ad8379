"""OpenVINO and ExecuTorch on a pCAMP model (SqueezeNet 1.1), fp32 and int8, through the real CLI; OpenVINO
on the ONNX of every source."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import EDGEBENCH, FAST, read_cells, require_env

pytestmark = pytest.mark.frameworks


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    for env in ("pytorch", "openvino", "executorch"):
        require_env(env)
    tmp = tmp_path_factory.mktemp("ov-et")
    proc = subprocess.run([*EDGEBENCH, "run", "--models", "squeezenet1_1", "--frameworks", "openvino,executorch",
                           "--providers", "cpu,gpu", "--precisions", "fp32,int8", "--batch-sizes", "1",
                           "--threads", "1", "--out", str(tmp), "--run-id", "r", *FAST],
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr
    return {(r["framework"], r["provider"], r["precision"]): (r, json.loads(r["info_json"]))
            for r in read_cells(tmp / "r")}


@pytest.mark.parametrize("framework", ["openvino", "executorch"])
def test_fp32_and_int8_cells_are_ok_and_agree_with_the_reference(rows, framework):
    fp32, info32 = rows[(framework, "cpu", "fp32")]
    int8, info8 = rows[(framework, "cpu", "int8")]
    for r in (fp32, int8):
        assert r["status"] == "ok", r["error_message"]
        assert r["reference_framework"] == "pytorch" and r["source"] == "pytorch" and r["framework_version"]
    assert fp32["output_max_abs_diff"] < 1e-3 and fp32["output_sqnr_db"] > 80
    assert 15 < int8["output_sqnr_db"] < 80 and int8["output_top1_agreement"] >= 0.5  # int8 noise, finite
    assert fp32["threads_intra"] == 1 and int8["threads_intra"] == 1
    assert int8["calibration_samples"] == 32 and int8["quantization"] in ("static-nncf", "static-pt2e")
    assert fp32["quantization"] == "none" and fp32["calibration_samples"] is None
    assert int8["artifact_bytes"] < 0.5 * fp32["artifact_bytes"]  # int8 weights: a quarter of f32's, plus the graph


def test_openvino_records_the_compiled_precision_and_device(rows):
    _, info = rows[("openvino", "cpu", "fp32")]
    assert info["runtime_precision"] == "f32" and info["providers_active"] == ["CPU"]


def test_a_device_openvino_does_not_find_is_an_unsupported_row_with_the_reason(rows):
    for precision in ("fp32", "int8"):
        r, _ = rows[("openvino", "gpu", precision)]
        if r["status"] == "ok":  # a host with an Intel GPU
            continue
        assert r["status"] == "unsupported" and "finds no GPU device" in r["error_message"], r["error_message"]
    assert ("executorch", "gpu", "fp32") not in rows  # a provider it does not know is not expanded


def test_openvino_reads_the_onnx_every_source_exports(tmp_path):
    """As ONNX Runtime does: the graph exported by PyTorch, by tf2onnx from Keras and by MXNet's exporter."""
    for env in ("pytorch", "tensorflow", "mxnet", "openvino"):
        require_env(env)
    proc = subprocess.run([*EDGEBENCH, "run", "--models", "tinycnn", "--frameworks", "openvino",
                           "--sources", "pytorch,tensorflow,mxnet", "--batch-sizes", "2", "--threads", "1",
                           "--out", str(tmp_path), "--run-id", "s", *FAST], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    cells = {r["source"]: r for r in read_cells(tmp_path / "s")}
    assert sorted(cells) == ["mxnet", "pytorch", "tensorflow"]
    for source, r in cells.items():
        assert r["status"] == "ok", (source, r["error_message"])
        assert r["output_max_abs_diff"] < 1e-4, source
