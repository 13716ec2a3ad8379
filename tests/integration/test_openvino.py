"""OpenVINO on tinycnn: the exported ONNX read directly (fp32), IRs saved from it (fp16, NNCF int8), against the
eager PyTorch reference; devices it does not find are unsupported with a reason."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Dict

import pytest

from tests.conftest import require_env, run_python

pytestmark = pytest.mark.frameworks
MODEL, BATCH = "tinycnn", 4
#: The derived builds: name -> the build request's precision (what the cache sends for the record's entry).
DERIVED = {"fp16": {"precision": "fp16", "quantization": "fp16", "calibration_samples": 0},
           "int8": {"precision": "int8", "quantization": "static-nncf", "calibration_samples": 8}}


def build_jobs(python: str, root: Path, reqs: Dict[str, dict]) -> Dict[str, dict]:
    """Run build jobs (``runner.worker.build``) in one process of ``python``; their results by name."""
    pairs = []
    for name, req in reqs.items():
        (root / f"{name}.json").write_text(json.dumps(req))
        pairs.append([str(root / f"{name}.json"), str(root / f"{name}.out.json")])
    run_python(python, ["-c", f"from runner.worker.build import main\nfor p in {pairs!r}:\n    main(p)\n"])
    return {name: json.loads(Path(out).read_text()) for name, (_, out) in zip(reqs, pairs)}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Weights, reference and ONNX export (pytorch environment), then each IR (openvino environment)."""
    ov_python = require_env("openvino")
    root = tmp_path_factory.mktemp("openvino")
    w = str(root / "w.npz")
    torch_jobs = {"weights": {"job": "weights", "model": MODEL, "path": w, "seed": 3},
                  "reference": {"job": "reference", "model": MODEL, "weights": w, "batch_size": BATCH,
                                "out": str(root / "ref.npy")},
                  "onnx": {"job": "artifact", "model": MODEL, "target": "onnx", "weights": w,
                           "out_dir": str(root / "fp32")}}
    results = build_jobs(require_env("pytorch"), root, {k: dict(v, builder="pytorch") for k, v in torch_jobs.items()})
    ov_jobs = {name: {"job": "artifact", "builder": "openvino", "model": MODEL, "target": "openvino-ir", "weights": w,
                      "out_dir": str(root / name), "from_dir": str(root / "fp32"), "precision": precision}
               for name, precision in DERIVED.items()}
    results.update(build_jobs(ov_python, root, ov_jobs))
    assert all(r["ok"] for r in results.values()), results
    return root


RUN = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import numpy as np
    from runner.cell import Cell
    from runner.frameworks import adapter
    from runner.frameworks.base import Unsupported
    from runner.models.inputs import make_inputs
    from runner.models.spec import get
    art, ref, options, provider, threads = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), sys.argv[4], \\
        int(sys.argv[5])
    precision = options.pop("precision", "fp32")
    cell = Cell("tinycnn", "openvino", "pytorch", 4, provider, threads, 0, options=tuple(options.items()),
                precision=precision)
    a = adapter("openvino")
    a.configure(cell)
    a.import_framework()
    try:
        a.load(art, cell)
    except Unsupported as exc:
        print(json.dumps({"unsupported": str(exc)}))
        sys.exit(0)
    y = a.to_numpy(a.infer(a.prepare(make_inputs(get("tinycnn"), 4)))).astype(np.float64)
    r = np.load(ref).astype(np.float64)
    sqnr = 10 * np.log10(np.sum(r ** 2) / max(np.sum((r - y) ** 2), 1e-300))
    print(json.dumps({"diff": float(np.abs(y - r).max()), "sqnr_db": float(sqnr),
                      "top1": float(np.mean(y.argmax(1) == r.argmax(1))), "info": a.info(),
                      "threads": a.threads().to_dict(), "call": a.timed_call(provider).call}))
""")


def run(built: Path, name: str, options: Dict[str, str], provider: str = "cpu", threads: int = 1) -> Dict[str, Any]:
    out = run_python(require_env("openvino"), ["-c", RUN, str(built / name), str(built / "ref.npy"),
                                               json.dumps(options), provider, str(threads)])
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_fp32_reads_the_onnx_and_agrees_with_the_reference(built):
    got = run(built, "fp32", {}, threads=2)
    assert got["diff"] < 1e-4, got
    info = got["info"]
    assert info["runtime_precision"] == "f32" and info["providers_active"] == ["CPU"]
    assert got["threads"]["intra"] == 2 and info["performance_hint"] == "LATENCY" and info["model_file"] == "model.onnx"
    assert "infer" in got["call"]


def test_int8_from_nncf_is_close_and_says_how_it_was_calibrated(built):
    got = run(built, "int8", {"precision": "int8"})
    assert 15 < got["sqnr_db"] < 200 and got["top1"] >= 0.75, got
    assert got["threads"]["intra"] == 1 and got["info"]["model_file"] == "model.xml"
    meta = json.loads((built / "int8" / "edgebench.json").read_text())
    assert (meta["precision"], meta["quantization"], meta["calibration_samples"]) == ("int8", "static-nncf", 8)
    assert meta["nncf_version"] and meta["calibration_seed"] and meta["target"] == "openvino-ir"


def test_fp16_runs_in_f16_or_is_unsupported_with_the_reason(built):
    got = run(built, "fp16", {"precision": "fp16"})
    if "unsupported" in got:  # a CPU without f16 arithmetic
        assert "f16" in got["unsupported"], got
        return
    assert got["info"]["runtime_precision"] == "f16" and got["info"]["model_file"] == "model.xml"
    assert 30 < got["sqnr_db"] < 200, got


def test_the_plugin_default_precision_is_recorded(built):
    got = run(built, "fp32", {"inference_precision": "plugin"})
    assert got["info"]["runtime_precision"] in ("f32", "bf16", "f16"), got
    assert got["sqnr_db"] > 30, got


@pytest.mark.parametrize("provider,device", [("gpu", "GPU"), ("npu", "NPU")])
def test_devices_it_does_not_find_are_unsupported_with_what_they_need(built, provider, device):
    got = run(built, "fp32", {}, provider=provider)
    if "unsupported" not in got:  # this host has the device: then it must agree
        assert got["diff"] < 1e-2 and got["info"]["device"] == device, got
        return
    assert f"finds no {device} device" in got["unsupported"] and "it needs" in got["unsupported"], got
