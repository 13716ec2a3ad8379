"""The artifact cache: built once, verified by sha256, rebuilt when tampered with, failures remembered."""

from __future__ import annotations

import json

import pytest

from runner.artifacts import Cache
from runner.cell import Cell
from runner.orchestrator import pythonpath_shim
from tests.conftest import require_env

pytestmark = pytest.mark.frameworks


@pytest.fixture
def cache(tmp_path):
    require_env("pytorch")
    return Cache(tmp_path / "cache", pythonpath_shim(tmp_path), tmp_path / "logs")


def test_build_once_verify_and_rebuild_a_tampered_artifact(cache, tmp_path):
    cell = Cell("tinycnn", "pytorch", "pytorch", 1, "cpu", 1, 0)
    first = cache.prepare(cell)
    assert first.failure is None and (first.artifact_dir / "model.pt").is_file()
    meta = json.loads((first.artifact_dir / "artifact.json").read_text())
    assert set(meta["files"]) == {"model.pt"} and meta["builder"] == "pytorch"
    assert first.reference.is_file()
    mtime = (first.artifact_dir / "model.pt").stat().st_mtime_ns
    again = Cache(cache.root, cache.pythonpath, cache.log_dir).prepare(cell)
    assert (again.artifact_dir / "model.pt").stat().st_mtime_ns == mtime  # reused, not rebuilt
    (first.artifact_dir / "model.pt").write_bytes(b"tampered")
    fresh = Cache(cache.root, cache.pythonpath, cache.log_dir).prepare(cell)
    assert fresh.failure is None
    assert (fresh.artifact_dir / "model.pt").read_bytes() != b"tampered"


def test_a_missing_builder_environment_is_unavailable(cache, monkeypatch, tmp_path):
    from runner import envs

    monkeypatch.setenv("EDGEBENCH_ENV_MXNET", str(tmp_path / "none" / "python"))
    envs.probe.cache_clear()
    try:
        prepared = cache.prepare(Cell("tinycnn", "onnxruntime", "mxnet", 1, "cpu", 1, 0))
    finally:
        envs.probe.cache_clear()
    assert prepared.failure.status == "unavailable"
    assert "mxnet environment builds this artifact" in prepared.failure.error_message


def rejecting_builds(cache, monkeypatch, message: str) -> list:
    """Make every build job of ``cache`` a rejected conversion (the converter's part is not under test);
    returns the list of jobs that reached it."""
    calls = []

    def rejecting(builder, req, tmp):
        calls.append(req["job"])
        return {"ok": False, "unsupported": True, "error_class": "ConverterError", "error_message": message}

    monkeypatch.setattr(cache, "weights", lambda model: cache.root / "w.npz")
    monkeypatch.setattr(cache, "_run_job", rejecting)
    return calls


def test_a_failed_build_is_remembered_for_the_run(cache, monkeypatch):
    calls = rejecting_builds(cache, monkeypatch, "rejected")
    cell = Cell("alexnet", "onnxruntime", "pytorch", 1, "cpu", 1, 0)
    for _ in range(3):
        prepared = cache.prepare(cell)
        assert prepared.failure.status == "unsupported" and "rejected" in prepared.failure.error_message
    assert calls == ["artifact"]


def test_a_rejected_conversion_is_remembered_on_disk(cache, monkeypatch):
    calls = rejecting_builds(cache, monkeypatch, "no Erfc")
    cell = Cell("bert_base", "onnxruntime", "pytorch", 1, "cpu", 1, 0)
    assert cache.prepare(cell).failure.status == "unsupported"
    later = Cache(cache.root, cache.pythonpath, cache.log_dir)
    calls_later = rejecting_builds(later, monkeypatch, "no Erfc")
    failure = later.prepare(cell).failure
    assert failure.status == "unsupported"
    assert "no Erfc" in failure.error_message and "delete it" in failure.error_message
    assert calls == ["artifact"] and calls_later == []


def test_a_host_without_the_source_framework_uses_a_prepared_cache(edgebench, tmp_path, monkeypatch):
    """`plan --prepare` on a host with TensorFlow; the cache copied to a host with only LiteRT (a Pi)."""
    import os
    import shutil
    import subprocess

    from tests.conftest import EDGEBENCH, FAST, read_cells

    require_env("tflite")
    require_env("tensorflow")
    built = tmp_path / "built"
    env = dict(os.environ, EDGEBENCH_CACHE=str(built))
    subprocess.run([*EDGEBENCH, "plan", "--models", "tinycnn", "--frameworks", "tflite", "--precisions", "fp32,int8",
                    "--prepare"], env=env, check=True, capture_output=True)
    shutil.copytree(built, tmp_path / "pi-cache")
    pi = dict(os.environ, EDGEBENCH_CACHE=str(tmp_path / "pi-cache"), EDGEBENCH_ENV_TENSORFLOW="/nonexistent/python",
              EDGEBENCH_ENV_PYTORCH="/nonexistent/python")
    proc = subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "tflite", "--precisions",
                           "fp32,int8", "--out", str(tmp_path), "--run-id", "pi", *FAST], env=pi, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    row, int8 = read_cells(tmp_path / "pi")  # parts sorted by cell id: the int8 one's is longer
    assert row["status"] == "ok" and row["output_max_abs_diff"] < 1e-4
    assert '"prebuilt": true' in row["info_json"]
    assert (int8["status"], int8["precision"], int8["quantization"]) == ("ok", "int8", "full-integer")
    assert '"prebuilt": true' in int8["info_json"] and int8["output_sqnr_db"] > 20  # the quality reference came too
    empty = dict(pi, EDGEBENCH_CACHE=str(tmp_path / "empty"))
    proc = subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "tflite", "--out", str(tmp_path),
                           "--run-id", "pi2", *FAST], env=empty, capture_output=True, text=True)
    (row,) = read_cells(tmp_path / "pi2")
    assert row["status"] == "unavailable" and "edgebench plan --prepare" in row["error_message"]


def test_a_tampered_weights_or_reference_file_is_rebuilt(cache):
    """Weights and references carry a sha256 (``<file>.sha256``) like artifacts do."""
    cell = Cell("tinycnn", "pytorch", "pytorch", 1, "cpu", 1, 0)
    first = cache.prepare(cell)
    weights = cache.root / "weights" / "tinycnn-seed0.npz"
    for path in (first.reference, weights):
        assert (path.parent / f"{path.name}.sha256").read_text().split()[1] == path.name
    good = first.reference.read_bytes()
    first.reference.write_bytes(good[:-4] + b"\0\0\0\1")  # same size, other numbers
    again = Cache(cache.root, cache.pythonpath, cache.log_dir)
    assert again.reference("tinycnn", 1)[0].read_bytes() == good
    weights.write_bytes(b"tampered")
    assert Cache(cache.root, cache.pythonpath, cache.log_dir).weights("tinycnn").read_bytes() != b"tampered"


def test_a_marker_that_cannot_be_read_is_ignored_and_the_conversion_tried_again(cache, monkeypatch):
    rejecting_builds(cache, monkeypatch, "no Erfc")
    cell = Cell("bert_base", "onnxruntime", "pytorch", 1, "cpu", 1, 0)
    assert cache.prepare(cell).failure.status == "unsupported"
    (marker,) = cache.root.glob("artifacts/bert_base/*.unsupported.json")
    for garbage in ('{"error_class": ', "[1]", '{"error_class": 5}'):
        marker.write_text(garbage)
        later = Cache(cache.root, cache.pythonpath, cache.log_dir)
        calls = rejecting_builds(later, monkeypatch, "no Erfc")
        assert later.prepare(cell).failure.status == "unsupported" and calls == ["artifact"]
        assert json.loads(marker.read_text())["error_class"] == "ConverterError"  # rewritten


def _cli(tmp_path, cache_dir, run_id, *args):
    import os
    import subprocess

    from tests.conftest import EDGEBENCH, FAST

    env = dict(os.environ, EDGEBENCH_CACHE=str(cache_dir))
    return subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", *args, "--out", str(tmp_path / "res"),
                           "--run-id", run_id, *FAST], env=env, capture_output=True, text=True, timeout=600)


def test_a_read_only_cache_works_when_it_holds_everything_and_is_one_line_when_not(tmp_path, tmpfs):
    import subprocess

    from tests.conftest import read_cells

    require_env("pytorch")
    vol = tmpfs("256m")
    proc = _cli(tmp_path, vol, "build", "--frameworks", "pytorch")
    assert proc.returncode == 0, proc.stderr
    subprocess.run(["mount", "-o", "remount,ro", str(vol)], check=True)
    proc = _cli(tmp_path, vol, "ro", "--frameworks", "pytorch")
    assert proc.returncode == 0, proc.stderr
    (row,) = read_cells(tmp_path / "res" / "ro")
    assert row["status"] == "ok" and row["output_max_abs_diff"] is not None
    proc = _cli(tmp_path, vol, "ro-missing", "--frameworks", "pytorch", "--batch-sizes", "2")
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr and lines[-1].startswith("hint: set EDGEBENCH_CACHE to a writable")
    assert f"error: the artifact cache {vol} cannot be written (Read-only file system" in lines[-2]


def test_a_cache_path_that_is_a_file_is_one_line(tmp_path):
    require_env("pytorch")
    (tmp_path / "file").write_text("not a folder")
    proc = _cli(tmp_path, tmp_path / "file", "f", "--frameworks", "pytorch")
    assert proc.returncode == 3, proc.stderr
    assert f"error: the artifact cache {tmp_path / 'file'} cannot be written" in proc.stderr
    assert "Traceback" not in proc.stderr and "hint: set EDGEBENCH_CACHE" in proc.stderr
