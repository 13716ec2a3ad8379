"""Real PyTorch and ONNX Runtime on tinycnn, through the real CLI and fresh worker processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import FAST, read_cells, require_env

pytestmark = pytest.mark.frameworks


@pytest.fixture(scope="module")
def spine_run(tmp_path_factory):
    """One run shared by the checks below: pytorch + ONNX Runtime, batch 1 and 4, plus a CUDA cell."""
    import subprocess

    from tests.conftest import EDGEBENCH

    require_env("pytorch")
    require_env("onnxruntime")
    tmp = tmp_path_factory.mktemp("spine")
    proc = subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--batch-sizes", "1,4", "--providers", "cpu,cuda",
                           "--out", str(tmp), "--run-id", "spine", *FAST], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return tmp / "spine", {(r["framework"], r["batch_size"], r["provider"]): r for r in read_cells(tmp / "spine")}


def test_every_cpu_cell_is_ok_with_sane_phase_columns(spine_run):
    _, rows = spine_run
    for fw in ("pytorch", "onnxruntime"):
        for batch in (1, 4):
            r = rows[(fw, batch, "cpu")]
            assert r["status"] == "ok", r["error_message"]
            assert r["framework_version"] and r["source"] == "pytorch"
            for col in ("startup_s", "import_s", "load_s", "first_inference_s", "latency_p50_s"):
                assert 0 < r[col] < 120, col
            top = r["latency_p99_s"] if r["iterations"] >= 1000 else r["latency_max_s"]  # p99 is null below 1000
            assert r["latency_min_s"] <= r["latency_p50_s"] <= top <= r["latency_max_s"]
            assert (r["latency_p99_s"] is None) == (r["iterations"] < 1000)
            assert r["latency_p50_ci95_low_s"] <= r["latency_p50_s"] <= r["latency_p50_ci95_high_s"]
            assert r["throughput_items_per_s"] == pytest.approx(batch / r["latency_mean_s"])
            assert 0 < r["rss_after_import_bytes"] <= r["rss_peak_bytes"]
            assert r["rss_after_load_bytes"] <= r["rss_peak_bytes"]
            assert r["energy_source"] == "none" and r["energy_per_inference_j"] is None and r["energy_reason"]


def test_outputs_agree_with_the_pytorch_reference(spine_run):
    _, rows = spine_run
    for key in (("pytorch", 1, "cpu"), ("onnxruntime", 4, "cpu")):
        assert rows[key]["reference_framework"] == "pytorch"
        assert rows[key]["output_max_abs_diff"] < 1e-4


def test_torch_import_is_heavier_than_onnxruntime(spine_run):
    _, rows = spine_run
    assert rows[("pytorch", 1, "cpu")]["rss_after_import_bytes"] > rows[("onnxruntime", 1, "cpu")][
        "rss_after_import_bytes"]


def test_active_providers_and_threads_are_recorded(spine_run):
    _, rows = spine_run
    ort = rows[("onnxruntime", 1, "cpu")]
    assert "CPUExecutionProvider" in ort["providers_active"]
    info = json.loads(ort["info_json"])
    assert info["env"]["OMP_NUM_THREADS"] == "1"
    for fw in ("pytorch", "onnxruntime"):
        r = rows[(fw, 4, "cpu")]
        assert (r["threads"], r["threads_intra"], r["threads_inter"]) == (1, 1, 1), fw
        info = json.loads(r["info_json"])
        assert info["threads"]["intra"] == 1 and info["threads"]["source"], fw
        call = info["timed_call"]
        assert (call["inputs"], call["outputs"], call["seen_agrees"]) == ("host", "host", True), (fw, call)


def test_cuda_on_a_machine_without_it_is_unsupported_with_a_reason(spine_run):
    _, rows = spine_run
    for fw in ("pytorch", "onnxruntime"):
        r = rows[(fw, 1, "cuda")]
        assert r["status"] == "unsupported", r
        assert "CUDA" in r["error_message"]


def test_latencies_table_holds_every_iteration(spine_run):
    run_dir, rows = spine_run
    r = rows[("pytorch", 4, "cpu")]
    lat = pq.read_table(run_dir / "latencies" / f"part-{r['cell_id']}.parquet")
    assert lat.num_rows == r["iterations"]
    assert sorted(lat.column("latency_s").to_pylist())[lat.num_rows // 2] == pytest.approx(r["latency_p50_s"],
                                                                                        rel=0.5)


def test_manifest_records_environments_and_grid(spine_run):
    run_dir, _ = spine_run
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["environments"]["pytorch"]["packages"]["torch"].startswith("2.")
    assert manifest["invocations"][0]["grid"]["models"] == ["tinycnn"]
    assert manifest["host"]["cpu_count"] >= 1


def test_every_cell_with_an_artifact_records_its_size_on_disk(spine_run):
    """``artifact_bytes``: the sizes of the files its artifact.json lists (unsupported cells too: their
    artifact was ready before the provider was found missing)."""
    _, rows = spine_run
    torch_version = rows[("pytorch", 1, "cpu")]["framework_version"]
    cache = Path(os.environ["EDGEBENCH_CACHE"]) / "artifacts" / "tinycnn"
    for key, r in rows.items():
        target = json.loads(r["info_json"])["artifact"]["target"]
        folder = cache / f"{target}-from-pytorch-{torch_version}"
        files = json.loads((folder / "artifact.json").read_text())["files"]
        assert r["artifact_bytes"] == sum((folder / name).stat().st_size for name in files) > 0, key


def test_onnxruntime_io_binding_through_the_cli(tmp_path):
    """``-o iobinding=auto,on,off`` is a dimension of ONNX Runtime's cells: on the CPU, ``on`` runs the bound
    call (host OrtValues) and agrees with the reference; on a host without CUDA every cuda cell is an
    unsupported row with the reason, whatever the binding."""
    import subprocess

    from tests.conftest import EDGEBENCH

    require_env("onnxruntime")
    proc = subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "onnxruntime", "--batch-sizes", "2",
                           "--providers", "cpu,cuda", "-o", "iobinding=auto,on,off", "--out", str(tmp_path),
                           "--run-id", "bind", *FAST], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    rows = {(r["provider"], r["options"]): r for r in read_cells(tmp_path / "bind")}
    assert len(rows) == 6
    for mode in ("auto", "on", "off"):
        cpu = rows[("cpu", f"iobinding={mode}")]
        assert cpu["status"] == "ok" and cpu["output_max_abs_diff"] < 1e-4, cpu["error_message"]
        info = json.loads(cpu["info_json"])
        assert info["iobinding"] is (mode == "on")
        assert info["timed_call"]["call"].startswith("session.run_with_iobinding" if mode == "on" else "session.run(")
        cuda = rows[("cuda", f"iobinding={mode}")]
        assert cuda["status"] == "unsupported" and "CUDAExecutionProvider" in cuda["error_message"], cuda
