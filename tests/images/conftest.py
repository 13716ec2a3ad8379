"""Image tests: build the device images through make, run them through make bench and the Docker SDK.

They need a Docker engine (and qemu-user with binfmt for the arm images). Without one they skip, unless
the variable CI or EDGEBENCH_REQUIRE_DOCKER=1 is set: then a missing engine fails them.

    EDGEBENCH_IMAGES=x86,jetson,rpi,rpi64   which images to test (default: all four)
    EDGEBENCH_IMAGE_ARGS='BASES=local PIP_CERT=/etc/ssl/certs/ca-certificates.crt'   make variables
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.images

ARCH_OF = {"x86": "x86_64", "jetson": "aarch64", "rpi": "arm", "rpi64": "aarch64"}
BINFMT = {"jetson": ("qemu-aarch64", "edgebench-qemu-aarch64"), "rpi": ("qemu-arm",),
          "rpi64": ("qemu-aarch64", "edgebench-qemu-aarch64")}


def docker_required() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("EDGEBENCH_REQUIRE_DOCKER") == "1"


def unavailable(reason: str) -> None:
    """Fail where Docker is required (CI), skip elsewhere."""
    if docker_required():
        pytest.fail(f"Docker is required here (CI / EDGEBENCH_REQUIRE_DOCKER=1): {reason}")
    pytest.skip(reason)


def make_args() -> List[str]:
    return shlex.split(os.environ.get("EDGEBENCH_IMAGE_ARGS", ""))


def make(*args: str, env: Dict[str, str] = None, timeout: float = 3600) -> subprocess.CompletedProcess:
    """Run a make target of the checkout; fails the test with its output when it fails."""
    cmd = ["make", "--no-print-directory", *args, *make_args()]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} -> {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


@pytest.fixture(scope="session")
def docker_client():
    """A client of the local engine (the Docker SDK for Python)."""
    try:
        import docker
    except ImportError as exc:
        unavailable(f"the docker package is not installed: {exc}")
    try:
        client = docker.from_env(timeout=600)
        client.ping()
    except Exception as exc:  # any failure to reach the engine
        unavailable(f"no Docker engine answers: {exc}")
    return client


def emulation_ready(device: str) -> bool:
    """Can this host run the device's binaries (natively or through an enabled binfmt entry)?"""
    if device == "x86" or os.uname().machine.startswith(ARCH_OF[device]):
        return True
    entries = [Path("/proc/sys/fs/binfmt_misc") / name for name in BINFMT[device]]
    return any(e.is_file() and e.read_text().startswith("enabled") for e in entries)


@pytest.fixture(scope="session")
def device_image(docker_client):
    """``device_image(device)``: build (or reuse) the device's image with make; returns the image."""
    built: Dict[str, object] = {}
    wanted = os.environ.get("EDGEBENCH_IMAGES", "x86,jetson,rpi,rpi64").split(",")

    def get(device: str):
        if device not in wanted:
            pytest.skip(f"{device} is not in EDGEBENCH_IMAGES={','.join(wanted)}")
        if not emulation_ready(device):
            unavailable(f"no qemu-user binfmt entry for {device} binaries (docker/engine.sh enables them)")
        if device not in built:
            make("image", f"DEVICE={device}")
            tag = make("-s", "image-tag", f"DEVICE={device}").stdout.strip()
            built[device] = docker_client.images.get(tag)
        return built[device]

    return get


def bench(device: str, out: Path, run_id: str, grid: Path, env: Dict[str, str] = None) -> Path:
    """``make bench DEVICE=...`` with a grid file into ``out``; returns the run folder."""
    make("bench", f"DEVICE={device}", f"OUT={out}", f"RUN_ID={run_id}", f"GRID={grid}",
         "ARGS=--meters auto --idle-s 0", env=env)
    return out / run_id


def read_table(run_dir: Path, table: str = "cells") -> List[dict]:
    import pyarrow.parquet as pq

    return [row for p in sorted((run_dir / table).glob("part-*.parquet")) for row in pq.read_table(p).to_pylist()]


def by_framework(rows: List[dict]) -> Dict[str, dict]:
    return {row["framework"]: row for row in rows}


def assert_ok(row: dict) -> None:
    """A real measurement: ok, a positive median, the correctness column recorded."""
    assert row["status"] == "ok", (row["framework"], row["error_class"], row["error_message"])
    assert row["latency_p50_s"] > 0 and row["iterations"] > 0
    if row["framework"] != "null":
        assert row["output_max_abs_diff"] is not None, row["framework"]
        assert row["output_max_abs_diff"] < 1e-2, (row["framework"], row["output_max_abs_diff"])


def assert_unavailable(row: dict, *words: str) -> None:
    assert row["status"] == "unavailable", (row["framework"], row["status"])
    assert row["error_message"], row["framework"]
    for word in words:
        assert word in row["error_message"], (word, row["error_message"])
