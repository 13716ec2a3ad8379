"""The x86 image, built and run for real: every framework in it measures the tiny model."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from tests.conftest import REPO
from tests.images.conftest import assert_ok, assert_unavailable, bench, by_framework, read_table

pytestmark = [pytest.mark.images, pytest.mark.slow]
IN_IMAGE = ("pytorch", "onnxruntime", "tensorflow", "tflite", "mxnet", "openvino", "executorch")


def test_make_bench_runs_every_framework(device_image, tmp_path):
    """make bench DEVICE=x86 (compose service, counters' mounts, results folder) -> real ok rows."""
    image = device_image("x86")
    run = bench("x86", tmp_path, "x86-image", REPO / "tests/images/grids/x86.toml",
                env={"RESULTS_OWNER": "4242:4243"})  # as if a user 4242 had run make bench
    paths = [p for p in (run, *run.rglob("*")) if not p.is_symlink()]  # .pythonpath/runner points into the image
    assert {(p.stat().st_uid, p.stat().st_gid) for p in paths} == {(4242, 4243)}, "results belong to the caller"
    assert all(p.stat().st_mode & 0o044 == 0o044 for p in paths if p.is_file()), "and are readable by its group"
    rows = read_table(run)
    cells = {(r["framework"], r["source"]): r for r in rows}
    for framework in ("null", *IN_IMAGE):
        assert_ok(by_framework(rows)[framework])
    for source in ("pytorch", "tensorflow", "mxnet"):
        assert_ok(cells[("onnxruntime", source)])
        assert_ok(cells[("openvino", source)])
    caffe2 = by_framework(rows)["caffe2"]
    if "caffe2" in (image.labels.get("io.edgebench.pins") or ""):
        assert_ok(caffe2)
    else:
        assert_unavailable(caffe2, "caffe2")
    manifest = json.loads((run / "manifest.json").read_text())
    text = json.dumps(manifest)
    assert image.id in text, "the image digest is recorded in the manifest"
    assert image.tags[0] in text or image.labels.get("io.edgebench.pins", "") in text
    assert read_table(run, "latencies"), "raw latencies are stored"


def test_container_with_mounts_and_results_volume(docker_client, device_image, tmp_path):
    """The Docker SDK runs the image as compose does: sysfs read-only under /host/sys, a named results volume."""
    image = device_image("x86")
    volume = docker_client.volumes.create("edgebench-test-results")
    try:
        docker_client.containers.run(
            image.id, ["run", "--models", "tinycnn", "--frameworks", "null,pytorch", "--out", "/results",
                       "--run-id", "sdk", "--min-time-s", "0.1", "--max-time-s", "0.3", "--idle-s", "0"],
            environment={"EDGEBENCH_SYSFS_ROOT": "/host/sys", "EDGEBENCH_IMAGE_DIGEST": image.id,
                         "EDGEBENCH_DEVICE": "x86-sdk"},
            volumes={volume.name: {"bind": "/results", "mode": "rw"},
                     **{f"/sys/{t}": {"bind": f"/host/sys/{t}", "mode": "ro"} for t in ("class", "devices", "bus")}},
            security_opt=["no-new-privileges:true"], remove=True)
        reader = docker_client.containers.create(image.id, volumes={volume.name: {"bind": "/results", "mode": "ro"}})
        try:
            stream, _ = reader.get_archive("/results/sdk")
            tarfile.open(fileobj=io.BytesIO(b"".join(stream))).extractall(tmp_path)
        finally:
            reader.remove()
    finally:
        volume.remove(force=True)
    rows = by_framework(read_table(tmp_path / "sdk"))
    assert_ok(rows["null"])
    assert_ok(rows["pytorch"])
    text = (tmp_path / "sdk" / "manifest.json").read_text()
    assert image.id in text and "x86-sdk" in text
