"""The ONNX Runtime adapter on graphs exported by PyTorch, against the eager PyTorch reference."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Dict

import pytest

from tests.conftest import require_env as env_python
from tests.conftest import run_python

pytestmark = pytest.mark.frameworks
MODELS = ("tinycnn", "squeezenet1_1")
REF_BATCH = {"tinycnn": 4, "squeezenet1_1": 1}  # neither is the export's example batch (2)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """Weights, reference and ONNX export of each model in :data:`MODELS`, built by the pytorch env."""
    env_python("onnxruntime")  # skip before building when ONNX Runtime is missing
    torch_python = env_python("pytorch")
    root = tmp_path_factory.mktemp("ort-exported")
    pairs = []
    for m in MODELS:
        w = str(root / f"{m}.npz")
        reqs = [{"job": "weights", "model": m, "path": w, "seed": 7},
                {"job": "reference", "model": m, "weights": w, "batch_size": REF_BATCH[m],
                 "out": str(root / f"{m}.npy")},
                {"job": "artifact", "model": m, "target": "onnx", "weights": w, "out_dir": str(root / m)}]
        for i, req in enumerate(reqs):
            (root / f"{m}{i}.json").write_text(json.dumps(dict(req, builder="pytorch")))
            pairs.append([str(root / f"{m}{i}.json"), str(root / f"{m}{i}.out.json")])
    code = f"from runner.worker.build import main\nfor p in {pairs!r}:\n    main(p)\n"
    run_python(torch_python, ["-c", code])
    results = [json.loads(Path(out).read_text()) for _, out in pairs]
    assert all(r["ok"] for r in results), results
    return root


RUN_SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import numpy as np
    from runner.cell import Cell
    from runner.frameworks import adapter
    from runner.frameworks.base import Unsupported
    from runner.models.inputs import make_inputs
    from runner.models.spec import get
    model, art, ref = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    batch, threads, options = int(sys.argv[4]), int(sys.argv[5]), tuple(map(tuple, json.loads(sys.argv[6])))
    out = {"unsupported": {}}
    for provider in ("cuda", "tensorrt", "openvino", "npu"):
        a = adapter("onnxruntime")
        a.import_framework()
        try:
            a.load(art, Cell(model, "onnxruntime", "pytorch", batch, provider, threads, 0))
            out["unsupported"][provider] = None
        except Unsupported as exc:
            out["unsupported"][provider] = str(exc)
    cell = Cell(model, "onnxruntime", "pytorch", batch, "cpu", threads, 0, options=options)
    a = adapter("onnxruntime")
    a.configure(cell)
    a.import_framework()
    a.load(art, cell)
    x = a.prepare(make_inputs(get(model), batch))
    y = a.infer(x)
    a.sync()
    y2 = a.infer(x)  # a second call on the same binding
    a.sync()
    if ref:
        got, r = a.to_numpy(y2), np.load(ref)
        out.update(diff=float(np.abs(got - r).max()), scale=float(np.abs(r).max()), shape=list(got.shape),
                   same=bool(np.array_equal(a.to_numpy(y), got)))
    out.update(info=a.facts("cpu", x, y2), version=a.version())
    a.close()
    print(json.dumps(out))
""")


def run_adapter(model: str, artifact: Path, ref: str, batch: int, threads: int = 1, options=()) -> Dict[str, Any]:
    out = run_python(env_python("onnxruntime"), ["-c", RUN_SCRIPT, model, str(artifact), ref, str(batch),
                                                 str(threads), json.dumps([list(o) for o in options])])
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("model", MODELS)
def test_onnxruntime_agrees_with_the_pytorch_reference(exported, model):
    got = run_adapter(model, exported / model, str(exported / f"{model}.npy"), REF_BATCH[model])
    assert got["shape"][0] == REF_BATCH[model]
    assert got["diff"] < 1e-4 * max(1.0, got["scale"]), got
    info = got["info"]
    assert info["providers_active"] == ["CPUExecutionProvider"]
    assert (info["threads"]["intra"], info["threads"]["inter"]) == (1, 1)
    assert "SessionOptions" in info["threads"]["source"]
    assert info["initializers_as_inputs"] == 0 and info["iobinding"] is False
    call = info["timed_call"]
    assert (call["call"], call["inputs"], call["outputs"], call["copies"]) == ("session.run(None, feed)[0]", "host",
                                                                             "host", [])
    assert call["seen"] == {"inputs": "cpu", "outputs": "cpu"} and call["seen_agrees"] is True


def test_the_io_binding_path_runs_on_the_cpu_and_agrees(exported):
    """``-o iobinding=on``: OrtValues bound on the CPU, run_with_iobinding, an OrtValue out (the GPU path's
    code with the CPU device)."""
    ref = str(exported / "tinycnn.npy")
    bound = run_adapter("tinycnn", exported / "tinycnn", ref, REF_BATCH["tinycnn"], 2, [("iobinding", "on")])
    assert bound["diff"] < 1e-4 * max(1.0, bound["scale"]) and bound["same"], bound
    info = bound["info"]
    assert info["iobinding"] is True and info["threads"]["intra"] == 2
    call = info["timed_call"]
    assert call["call"].startswith("session.run_with_iobinding") and (call["inputs"], call["outputs"]) == ("host",
                                                                                                        "host")
    assert call["seen"] == {"inputs": "cpu", "outputs": "cpu"} and call["seen_agrees"] is True
    plain = run_adapter("tinycnn", exported / "tinycnn", ref, REF_BATCH["tinycnn"], 2, [("iobinding", "off")])
    assert plain["info"]["iobinding"] is False and plain["diff"] == bound["diff"]


def test_threads_zero_is_onnxruntimes_default_and_says_so(exported):
    got = run_adapter("tinycnn", exported / "tinycnn", "", 1, 0)
    threads = got["info"]["threads"]
    assert threads["intra"] is None and "intra_op_num_threads reports 0" in threads["reason"]
    assert threads["inter"] == 1


def test_missing_providers_are_unsupported_with_a_reason(exported):
    got = run_adapter("tinycnn", exported / "tinycnn", "", 1)
    reasons = got["unsupported"]
    for provider, ort_name in (("cuda", "CUDAExecutionProvider"), ("tensorrt", "TensorrtExecutionProvider"),
                               ("openvino", "OpenVINOExecutionProvider")):
        if reasons[provider] is None:
            continue  # this build has it and it initialised
        assert ort_name in reasons[provider] and "available:" in reasons[provider], reasons[provider]
    assert reasons["cuda"] is None or "install onnxruntime-gpu" in reasons["cuda"]
    assert "no 'npu' provider" in reasons["npu"]


def test_a_graph_onnxruntime_rejects_is_unsupported(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"this is not a protobuf")
    code = textwrap.dedent(f"""
        from pathlib import Path
        from runner.cell import Cell
        from runner.frameworks import adapter
        from runner.frameworks.base import Unsupported
        a = adapter("onnxruntime")
        a.import_framework()
        try:
            a.load(Path({str(tmp_path)!r}), Cell("tinycnn", "onnxruntime", "pytorch", 1, "cpu", 1, 0))
        except Unsupported as exc:
            print("UNSUPPORTED", exc)
    """)
    out = run_python(env_python("onnxruntime"), ["-c", code]).stdout
    assert "UNSUPPORTED" in out and "rejected the model" in out
