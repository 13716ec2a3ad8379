"""The arm images under emulation: the Jetson stand-in (arm64) and the Raspberry Pi image (armv7)."""

from __future__ import annotations

import json

import pytest

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
    for framework in ("null", "pytorch", "onnxruntime"):
        assert_ok(rows[framework])
    assert_unavailable(rows["mxnet"], "mxnet")
    assert rows["pytorch"]["device_class"] == "jetson"
    assert "36.4.0" in json.dumps(json.loads((run / "manifest.json").read_text()))


def test_rpi_image_spools_and_compacts(device_image, tmp_path):
    """armv7: no pyarrow there; the JSON Lines spool becomes the same Parquet on this host."""
    image = device_image("rpi")
    assert (image.attrs["Architecture"], image.attrs.get("Variant")) == ("arm", "v7")
    run = bench("rpi", tmp_path, "rpi-image", REPO / "tests/images/grids/armv7.toml")
    assert not list(run.glob("*/part-*.jsonl")), "make bench compacts the spool"
    rows = by_framework(read_table(run))
    assert_ok(rows["null"])
    assert_unavailable(rows["pytorch"], "pytorch")
    assert_unavailable(rows["onnxruntime"])
    if rows["tflite"]["status"] != "ok":  # its artifact is built by TensorFlow, absent on armv7
        assert_unavailable(rows["tflite"], "tensorflow")
    assert rows["null"]["device"].startswith("rpi-")
