"""The PyTorch builders (weights, references, artifacts, describe) and adapter, run in the pytorch env."""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pytest

from runner.frameworks.timed import RETURNS_DONE
from runner.models.spec import MODELS
from tests.conftest import not_applicable, run_python
from tests.conftest import require_env as env_python

pytestmark = pytest.mark.frameworks
BUILT = ("tinycnn", "squeezenet1_1")
REF_BATCH = {"tinycnn": 4, "squeezenet1_1": 1}


def build_jobs(python: str, reqs: List[Dict[str, Any]], work: Path) -> List[Dict[str, Any]]:
    """Run build requests through ``runner.worker.build.main`` in one interpreter; their results, in order."""
    pairs = []
    for i, req in enumerate(reqs):
        (work / f"req{i}.json").write_text(json.dumps(req))
        pairs.append([str(work / f"req{i}.json"), str(work / f"out{i}.json")])
    code = f"from runner.worker.build import main\nfor p in {pairs!r}:\n    main(p)\n"
    run_python(python, ["-c", code])
    return [json.loads(Path(out).read_text()) for _, out in pairs]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Dict[str, Any]:
    """Weights, reference and both artifacts of each model in :data:`BUILT`, built by the pytorch env."""
    python = env_python("pytorch")
    root = tmp_path_factory.mktemp("torch-built")
    reqs = []
    for m in BUILT:
        w = root / f"{m}.npz"
        reqs += [{"job": "weights", "builder": "pytorch", "model": m, "path": str(w), "seed": 7},
                 {"job": "reference", "builder": "pytorch", "model": m, "weights": str(w),
                  "batch_size": REF_BATCH[m], "out": str(root / f"{m}.npy")}]
        reqs += [{"job": "artifact", "builder": "pytorch", "model": m, "target": t, "weights": str(w),
                  "out_dir": str(root / f"{m}-{t}")} for t in ("torchscript", "onnx")]
    results = build_jobs(python, reqs, root)
    assert all(r["ok"] for r in results), results
    meta = {(q["model"], q["target"]): r["meta"] for q, r in zip(reqs, results) if q["job"] == "artifact"}
    return {"root": root, "python": python, "meta": meta}


def test_describe_matches_published_counts(tmp_path):
    python = env_python("pytorch")
    code = ("import json\nfrom runner.frameworks.pytorch.build import describe\n"
            f"print(json.dumps({{m: describe(m) for m in {list(MODELS)!r}}}))")
    described = json.loads(run_python(python, ["-c", code]).stdout.strip().splitlines()[-1])
    for name, spec in MODELS.items():
        got = described[name]
        assert got["params"] == spec.params, name
        assert got["flops_per_item"] == pytest.approx(spec.flops_per_item, rel=1e-9), name
        assert got["params"] == pytest.approx(spec.published_params, rel=0.01), name


def test_describe_through_the_build_job(tmp_path):
    req = {"job": "describe", "builder": "pytorch", "model": "tinycnn"}
    (result,) = build_jobs(env_python("pytorch"), [req], tmp_path)
    assert result["ok"] and result["describe"]["params"] == MODELS["tinycnn"].params


def test_weights_are_deterministic(tmp_path):
    reqs = [{"job": "weights", "builder": "pytorch", "model": "tinycnn", "path": str(tmp_path / f"{n}.npz"),
             "seed": seed} for n, seed in (("a", 7), ("b", 7), ("c", 8))]
    assert all(r["ok"] for r in build_jobs(env_python("pytorch"), reqs, tmp_path))
    assert sha256(tmp_path / "a.npz") == sha256(tmp_path / "b.npz")
    assert sha256(tmp_path / "a.npz") != sha256(tmp_path / "c.npz")
    with np.load(tmp_path / "a.npz") as npz:
        assert sorted(npz.files) == ["classifier.bias", "classifier.weight", "features.0.bias",
                                     "features.0.weight", "features.3.bias", "features.3.weight"]
        assert npz["features.0.weight"].shape == (8, 3, 3, 3) and npz["features.0.weight"].dtype == np.float32
        assert npz["classifier.weight"].shape == (10, 16)


def test_reference_output(built):
    ref = np.load(built["root"] / "tinycnn.npy")
    assert ref.shape == (4, 10) and ref.dtype == np.float32
    assert np.isfinite(ref).all() and 0.01 < np.abs(ref).max() < 1000
    assert not np.allclose(ref[0], ref[1])  # the seeded items differ


@pytest.mark.parametrize("model", BUILT)
def test_artifacts_and_their_metadata(built, model):
    script, onnx = built["meta"][(model, "torchscript")], built["meta"][(model, "onnx")]
    assert (built["root"] / f"{model}-torchscript" / "model.pt").is_file()
    assert (built["root"] / f"{model}-onnx" / "model.onnx").is_file()
    assert script["method"] == "script" and script["check_max_abs_diff"] < 1e-4
    assert onnx["opset"] == 17 and onnx["ir_version"] <= 10 and onnx["torch_version"]


ADAPTER_SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import numpy as np
    from runner.cell import Cell
    from runner.frameworks import adapter
    from runner.frameworks.base import Unsupported
    from runner.models.inputs import make_inputs
    from runner.models.spec import get
    fw, model, art, ref, batch = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    a = adapter(fw)
    a.import_framework()
    try:
        a.load(art, Cell(model, fw, "pytorch", batch, "cuda", 1, 0))
        cuda = "loaded"
    except Unsupported as exc:
        cuda = str(exc)
    a = adapter(fw)
    a.import_framework()
    a.load(art, Cell(model, fw, "pytorch", batch, "cpu", 1, 0))
    x = a.prepare(make_inputs(get(model), batch))
    out = a.infer(x)
    a.sync()
    y, r = a.to_numpy(out), np.load(ref)
    print(json.dumps({"diff": float(np.abs(y - r).max()), "scale": float(np.abs(r).max()),
                      "shape": list(y.shape), "info": a.facts("cpu", x, out), "version": a.version(), "cuda": cuda}))
""")


def run_adapter(python: str, fw: str, model: str, artifact: Path, ref: Path, batch: int) -> Dict[str, Any]:
    out = run_python(python, ["-c", ADAPTER_SCRIPT, fw, model, str(artifact), str(ref), str(batch)])
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("model", BUILT)
def test_torchscript_adapter_matches_reference(built, model):
    root = built["root"]
    got = run_adapter(built["python"], "pytorch", model, root / f"{model}-torchscript", root / f"{model}.npy",
                      REF_BATCH[model])
    assert got["shape"][0] == REF_BATCH[model]
    assert got["diff"] <= 1e-4 * max(1.0, got["scale"])
    info = got["info"]
    assert info["artifact_method"] == "script" and info["device"] == "cpu"
    threads = info["threads"]
    assert (threads["intra"], threads["inter"]) == (1, 1) and "torch.get_num" in threads["source"]
    call = info["timed_call"]
    assert (call["inputs"], call["outputs"], call["sync"], call["copies"]) == ("host", "host", RETURNS_DONE, [])
    assert call["seen"] == {"inputs": "cpu", "outputs": "cpu"} and call["seen_agrees"] is True


def test_cuda_without_cuda_is_unsupported_with_a_reason(built):
    root = built["root"]
    got = run_adapter(built["python"], "pytorch", "tinycnn", root / "tinycnn-torchscript",
                      root / "tinycnn.npy", REF_BATCH["tinycnn"])
    if got["cuda"] == "loaded":
        not_applicable("this machine has CUDA")
    assert "CUDA is not available to torch" in got["cuda"] and "built with CUDA" in got["cuda"]
