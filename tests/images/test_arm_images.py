"""The arm images under emulation: the Jetson stand-in and the 64-bit Pi image (arm64), the 32-bit Pi image (armv7)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from runner.catalog import FRAMEWORKS
from tests.conftest import REPO
from tests.images.conftest import assert_ok, assert_unavailable, bench, by_framework, read_table

pytestmark = [pytest.mark.images, pytest.mark.slow]


def test_jetson_image_runs_a_reduced_grid(device_image, tmp_path):
    """arm64: PyPI's CPU wheels run the tiny model; the L4T release given at run time is recorded."""
    image = device_image("jetson")
    assert image.attrs["Architecture"] == "arm64"
    run = bench("jetson", tmp_path, "jetson-image", REPO / "tests/images/grids/arm64.toml",
                env={"EDGEBENCH_L4T_RELEASE": "36.4.0"})
    rows = by_framework(read_table(run))
    for framework in ("null", "pytorch", "onnxruntime", "openvino"):
        assert_ok(rows[framework])
    for opt_in in ("mxnet", "executorch"):
        tag = FRAMEWORKS[opt_in].tag or opt_in
        if re.search(rf"(^|-){re.escape(tag)}[0-9]", image.labels.get("io.edgebench.pins") or ""):
            assert_ok(rows[opt_in])
        else:
            assert_unavailable(rows[opt_in], opt_in)
    assert rows["pytorch"]["device_class"] == "jetson"
    assert "36.4.0" in json.dumps(json.loads((run / "manifest.json").read_text()))


def test_rpi64_image_runs_a_reduced_grid(device_image, tmp_path):
    """arm64 for Raspberry Pi OS 64-bit: the same environments as the Jetson image, no NVIDIA settings; without
    a Pi 5's /dev/vcio and vcgencmd the PMIC meter is absent with its reason, and the grid still runs."""
    image = device_image("rpi64")
    assert image.attrs["Architecture"] == "arm64"
    assert "Raspberry Pi" in image.labels["org.opencontainers.image.title"]
    assert not [e for e in image.attrs["Config"]["Env"] if e.startswith("NVIDIA_")]
    run = bench("rpi64", tmp_path, "rpi64-image", REPO / "tests/images/grids/rpi64.toml")
    rows = by_framework(read_table(run))
    for framework in ("null", "onnxruntime"):
        assert_ok(rows[framework])
    assert_unavailable(rows["mxnet"], "mxnet")
    assert rows["null"]["device"].startswith("rpi64-")
    meters = {m["meter"]: m for m in json.loads((run / "manifest.json").read_text())["meters"]}
    assert meters["rpi_pmic"]["available"] is False and meters["rpi_pmic"]["reason"] == "not_found"


def test_rpi_image_spools_and_compacts(device_image, docker_client, tmp_path):
    """armv7: no pyarrow there; the JSON Lines spool becomes the same Parquet on this host. LiteRT runs a
    .tflite prepared on this host (`plan --prepare`) and copied into the Pi's cache volume, since
    TensorFlow, which converts it, has no armv7 build."""
    image = device_image("rpi")
    assert (image.attrs["Architecture"], image.attrs.get("Variant")) == ("arm", "v7")
    seed_cache(docker_client, image, tmp_path / "cache", "edgebench-cache-rpi")
    run = bench("rpi", tmp_path, "rpi-image", REPO / "tests/images/grids/armv7.toml")
    assert not list(run.glob("*/part-*.jsonl")), "make bench compacts the spool"
    rows = by_framework(read_table(run))
    assert_ok(rows["null"])
    assert_ok(rows["tflite"])
    assert '"prebuilt": true' in rows["tflite"]["info_json"]
    assert_unavailable(rows["pytorch"], "pytorch")
    assert_unavailable(rows["onnxruntime"])
    assert rows["null"]["device"].startswith("rpi-")


def seed_cache(docker_client, image, cache: Path, volume: str) -> None:
    """Prepare the tiny model's .tflite here and copy the cache into the device's cache volume."""
    env = dict(os.environ, EDGEBENCH_CACHE=str(cache))
    subprocess.run([sys.executable, "-m", "runner", "plan", "--models", "tinycnn", "--frameworks", "tflite",
                    "--prepare"], env=env, check=True, capture_output=True, cwd=REPO)
    docker_client.containers.run(image.id, entrypoint=["cp", "-a", "/seed/.", "/var/cache/edgebench/"],
                                 volumes={str(cache): {"bind": "/seed", "mode": "ro"},
                                          volume: {"bind": "/var/cache/edgebench", "mode": "rw"}},
                                 remove=True)
