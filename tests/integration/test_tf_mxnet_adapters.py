"""TensorFlow, TensorFlow Lite and MXNet (and ONNX exported from TensorFlow and MXNet, run by ONNX Runtime)
against the eager PyTorch reference on the same canonical weights and seeded inputs.

Each framework runs in its own environment's interpreter; a missing environment skips its tests.
Tolerance: max |y - reference| < 1e-4 * max(1, max |reference|) (observed: ~1e-7, float32 rounding).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.conftest import require_env as env_python
from tests.conftest import run_python

pytestmark = pytest.mark.frameworks
MODELS = ("tinycnn", "squeezenet1_1")
BATCH = {"tinycnn": 2, "squeezenet1_1": 1}  # tinycnn's 2 exercises the resizing of the batch dimension
BUILDS = {"tensorflow": [("savedmodel", MODELS), ("tflite", MODELS), ("onnx", ("tinycnn",))],
          "mxnet": [("mxnet-symbol", MODELS), ("onnx", ("tinycnn",))]}


def run_jobs(python: str, root: Path, name: str, reqs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Run build jobs in one process of ``python``; their result dicts, in order."""
    pairs = []
    for i, req in enumerate(reqs):
        (root / f"{name}{i}.json").write_text(json.dumps(req))
        pairs.append([str(root / f"{name}{i}.json"), str(root / f"{name}{i}.out.json")])
    run_python(python, ["-c", f"from runner.worker.build import main\nfor p in {pairs!r}:\n    main(p)\n"])
    return [json.loads(Path(out).read_text()) for _, out in pairs]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """Canonical weights and PyTorch references of :data:`MODELS`, made by the pytorch environment."""
    root = tmp_path_factory.mktemp("tf-mxnet")
    reqs = []
    for m in MODELS:
        w = str(root / f"{m}.npz")
        reqs += [{"job": "weights", "builder": "pytorch", "model": m, "path": w, "seed": 0},
                 {"job": "reference", "builder": "pytorch", "model": m, "weights": w, "batch_size": BATCH[m],
                  "out": str(root / f"{m}.npy")}]
    results = run_jobs(env_python("pytorch"), root, "torch", reqs)
    assert all(r["ok"] for r in results), results
    return root


def _build(root: Path, builder: str) -> Dict[str, Any]:
    reqs = [{"job": "artifact", "builder": builder, "model": m, "target": t,
             "weights": str(root / f"{m}.npz"), "out_dir": str(root / builder / t / m)}
            for t, models in BUILDS[builder] for m in models]
    reqs.append({"job": "artifact", "builder": builder, "model": "tinycnn", "target": "caffe2-nets",
                 "weights": str(root / "tinycnn.npz"), "out_dir": str(root / builder / "bad")})
    results = run_jobs(env_python(builder), root, builder, reqs)
    return {(r["target"], r["model"]): res for r, res in zip(reqs, results)}


@pytest.fixture(scope="module")
def tf_built(root) -> Dict[str, Any]:
    return _build(root, "tensorflow")


@pytest.fixture(scope="module")
def mx_built(root) -> Dict[str, Any]:
    return _build(root, "mxnet")


RUN_SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import numpy as np
    from runner.cell import Cell
    from runner.frameworks import adapter
    from runner.frameworks.base import Unsupported
    from runner.models.inputs import make_inputs
    from runner.models.spec import get
    framework, jobs, out = sys.argv[1], json.loads(sys.argv[2]), []
    for model, art, ref, batch, provider in jobs:
        cell = Cell(model, framework, framework, batch, provider, 1, 0)
        a = adapter(framework)
        if hasattr(a, "configure"):
            a.configure(cell)
        a.import_framework()
        try:
            a.load(Path(art), cell)
        except Unsupported as exc:
            out.append({"unsupported": str(exc)})
            continue
        x = a.prepare(make_inputs(get(model), batch))
        y = a.infer(x)
        a.sync()
        info = a.facts(provider, x, y)
        y, r = a.to_numpy(y), np.load(ref)
        out.append({"diff": float(np.abs(y - r).max()), "scale": float(np.abs(r).max()),
                    "shape": list(y.shape), "info": info, "version": a.version()})
        a.close()
    print(json.dumps(out))
""")


def run_adapter(framework: str, jobs: List[List[Any]]) -> List[Dict[str, Any]]:
    proc = run_python(env_python(framework), ["-c", RUN_SCRIPT, framework, json.dumps(jobs)])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def check_agreement(results: List[Dict[str, Any]], models) -> None:
    for model, got in zip(models, results):
        assert got["shape"][0] == BATCH[model], got
        assert got["diff"] < 1e-4 * max(1.0, got["scale"]), (model, got)


def check_host_call(info: Dict[str, Any], call: str, copies) -> None:
    """The CPU timed call as the adapter declared it: host in, host out, where it was seen too."""
    timed = info["timed_call"]
    assert (timed["call"], timed["inputs"], timed["outputs"]) == (call, "host", "host"), timed
    assert (len(timed["copies"]) == copies) if isinstance(copies, int) else timed["copies"] == copies
    assert timed["seen_agrees"] is True, timed


def _jobs(root: Path, builder: str, target: str, models, provider: str = "cpu") -> List[List[Any]]:
    return [[m, str(root / builder / target / m), str(root / f"{m}.npy"), BATCH[m], provider] for m in models]


def test_tensorflow_savedmodel_agrees(root, tf_built):
    assert all(tf_built[("savedmodel", m)]["ok"] for m in MODELS), tf_built
    results = run_adapter("tensorflow", _jobs(root, "tensorflow", "savedmodel", MODELS))
    check_agreement(results, MODELS)
    info = results[0]["info"]
    threads = info["threads"]
    assert (threads["intra"], threads["inter"]) == (1, 1) and not info["threads_error"], info
    assert "tf.config.threading" in threads["source"]
    check_host_call(info, "serve(*tensors) under tf.device", [])
    assert "CPU:0" in info["timed_call"]["seen"]["inputs"] and "CPU:0" in info["timed_call"]["seen"]["outputs"]


def test_tflite_agrees_and_records_its_interpreter(root, tf_built):
    assert all(tf_built[("tflite", m)]["ok"] for m in MODELS), tf_built
    jobs = _jobs(root, "tensorflow", "tflite", MODELS)
    jobs += _jobs(root, "tensorflow", "tflite", ["tinycnn"], "cuda")
    results = run_adapter("tflite", jobs)
    check_agreement(results[:2], MODELS)
    info = results[0]["info"]
    assert info["interpreter"] in ("ai-edge-litert", "tflite-runtime", "tensorflow")
    assert (info["threads"]["intra"], info["threads"]["inter"]) == (1, None)
    assert "no inter-op pool" in info["threads"]["reason"]
    check_host_call(info, "set_tensor(index, array) per input; invoke(); get_tensor(output)", 2)
    assert "CPU only" in results[2]["unsupported"]


def test_mxnet_agrees_and_waits_for_its_output(root, mx_built):
    assert all(mx_built[("mxnet-symbol", m)]["ok"] for m in MODELS), mx_built
    results = run_adapter("mxnet", _jobs(root, "mxnet", "mxnet-symbol", MODELS))
    check_agreement(results, MODELS)
    info = results[0]["info"]
    assert info["env"]["OMP_NUM_THREADS"] == "1" and info["env"]["MXNET_CPU_WORKER_NTHREADS"] == "1"
    assert (info["threads"]["intra"], info["threads"]["inter"]) == (1, 1), info["threads"]
    check_host_call(info, "block(*arrays), then output.wait_to_read()", [])
    assert info["timed_call"]["seen"] == {"inputs": "cpu(0)", "outputs": "cpu(0)"}


@pytest.mark.parametrize("builder", ["tensorflow", "mxnet"])
def test_onnx_exports_run_in_onnxruntime(root, builder, request):
    built = request.getfixturevalue("tf_built" if builder == "tensorflow" else "mx_built")
    meta = built[("onnx", "tinycnn")]
    assert meta["ok"], meta
    assert meta["meta"]["input_layout"] == "NCHW" and meta["meta"]["ir_version"] <= 10
    results = run_adapter("onnxruntime", _jobs(root, builder, "onnx", ["tinycnn"]))
    check_agreement(results, ["tinycnn"])
    assert results[0]["info"]["graph_inputs"] == ["input"]


@pytest.mark.parametrize("builder", ["tensorflow", "mxnet"])
def test_an_unknown_target_is_unsupported(builder, request):
    built = request.getfixturevalue("tf_built" if builder == "tensorflow" else "mx_built")
    bad = built[("caffe2-nets", "tinycnn")]
    assert not bad["ok"] and bad["unsupported"] and "caffe2-nets" in bad["error_message"], bad
