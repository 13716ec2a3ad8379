"""Caffe2 (torch 1.8.1, Python 3.9): the pCAMP models through the real CLI, and the worker side on 3.9.

Needs the caffe2 environment (`make setup-caffe2`). Without it these tests skip with the reason, unless
``EDGEBENCH_REQUIRE_CAFFE2=1`` (set where the environment is built), where they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EDGEBENCH, FAST, REPO, read_cells, require_env

pytestmark = [pytest.mark.frameworks, pytest.mark.caffe2]

PCAMP_MODELS = ("alexnet", "squeezenet1_0", "squeezenet1_1")
#: Caffe2's float32 kernels sum in another order than PyTorch's: 3e-5 was seen on AlexNet's logits
#: (|logits| up to ~21); a wrong layout or padding gives differences of order 1.
TOLERANCE = 1e-3
PY39_PYTEST = REPO / ".envs" / "py39-pytest"


def caffe2_python() -> str:
    """The caffe2 environment's interpreter; skip without it, or fail when it is required."""
    from runner import envs

    info = envs.for_framework("caffe2")
    if info.available:
        return str(info.python)
    reason = f"{info.reason} (it is made by `make setup-caffe2`)"
    if os.environ.get("EDGEBENCH_REQUIRE_CAFFE2") == "1":
        pytest.fail(f"EDGEBENCH_REQUIRE_CAFFE2=1 but there is no caffe2 environment: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pcamp_run(tmp_path_factory):
    """AlexNet and SqueezeNet 1.0/1.1 on Caffe2, batch 1, one thread, short budgets."""
    caffe2_python()
    require_env("pytorch")  # the reference outputs and the canonical weights come from it
    out = tmp_path_factory.mktemp("caffe2")
    proc = subprocess.run([*EDGEBENCH, "run", "--models", ",".join(PCAMP_MODELS), "--frameworks", "caffe2",
                           "--batch-sizes", "1", "--threads", "1", "--out", str(out), "--run-id", "c2", *FAST],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {r["model"]: r for r in read_cells(out / "c2")}


@pytest.mark.parametrize("model", PCAMP_MODELS)
def test_pcamp_models_run_on_caffe2_and_agree_with_pytorch(pcamp_run, model):
    r = pcamp_run[model]
    assert r["status"] == "ok", r["error_message"]
    assert r["framework"] == "caffe2" and r["framework_version"] == "1.8.1"
    assert r["reference_framework"] == "pytorch"
    assert r["output_max_abs_diff"] is not None and r["output_max_abs_diff"] < TOLERANCE
    for col in ("startup_s", "import_s", "load_s", "first_inference_s", "latency_p50_s"):
        assert 0 < r[col] < 600, col


def test_the_artifact_and_threads_are_recorded(pcamp_run):
    info = json.loads(pcamp_run["squeezenet1_1"]["info_json"])
    assert info["env"]["OMP_NUM_THREADS"] == "1"
    assert (info["threads"]["intra"], info["threads"]["inter"]) == (1, None)
    assert (pcamp_run["squeezenet1_1"]["threads_intra"], pcamp_run["squeezenet1_1"]["threads_inter"]) == (1, None)
    call = info["timed_call"]
    assert (call["call"], call["inputs"], call["outputs"]) == ("RunNet(net); FetchBlob(output)", "host", "host")
    assert call["copies"] == ["FetchBlob: the output into a new numpy array"]
    artifact = info.get("artifact", {})
    assert artifact.get("init_net") == "init_net.pb" and artifact.get("predict_net") == "predict_net.pb"


def test_the_worker_side_passes_its_tests_on_python_39():
    """tests/py39 and the measure unit tests, run by the caffe2 environment's Python 3.9."""
    python = caffe2_python()
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=120).stdout.strip()
    assert version == "3.9", f"the caffe2 environment runs Python {version}"
    if not (PY39_PYTEST / "pytest").is_dir():
        pytest.skip(f"no pytest for Python 3.9 in {PY39_PYTEST} (made by `make setup-caffe2`)")
    env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{PY39_PYTEST}", PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/py39",
                           "tests/unit/test_measure.py"], capture_output=True, text=True, cwd=str(REPO), env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout


def test_the_environment_is_a_python_39_with_the_pinned_torch():
    python = caffe2_python()
    pins = dict(line.split("==") for line in (REPO / "envs" / "caffe2.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    code = ("import json, sys; from importlib import metadata; "
            "print(json.dumps([sys.version_info[:2], {p: metadata.version(p) for p in sys.argv[1:]}]))")
    out = subprocess.run([python, "-c", code, *pins], capture_output=True, text=True, timeout=120)
    version, installed = json.loads(out.stdout)
    assert version == [3, 9]
    assert installed == pins
    assert Path(python).exists()
