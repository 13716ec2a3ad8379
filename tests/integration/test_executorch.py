"""ExecuTorch on tinycnn: ``.pte`` programs lowered to XNNPACK from the PyTorch definitions (fp32, fp16, int8),
each made for one batch size, against the eager PyTorch reference, with the thread pool sized to the cell's
threads."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Dict

import pytest

from tests.conftest import require_env, run_python
from tests.integration.test_openvino import build_jobs

pytestmark = pytest.mark.frameworks
MODEL, BATCH = "tinycnn", 4
#: name -> (the build request's precision (what the cache sends for the record's entry), the program's batch).
BUILDS = {"fp32": (None, BATCH), "fp32-b1": (None, 1),
          "fp16": ({"precision": "fp16", "quantization": "fp16", "calibration_samples": 0}, BATCH),
          "int8": ({"precision": "int8", "quantization": "static-pt2e", "calibration_samples": 8}, BATCH),
          "int8-b1": ({"precision": "int8", "quantization": "static-pt2e", "calibration_samples": 8}, 1)}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Weights and reference (pytorch environment), then each program (executorch environment)."""
    et_python = require_env("executorch")
    root = tmp_path_factory.mktemp("executorch")
    w = str(root / "w.npz")
    results = build_jobs(require_env("pytorch"), root, {
        "weights": {"job": "weights", "builder": "pytorch", "model": MODEL, "path": w, "seed": 3},
        "reference": {"job": "reference", "builder": "pytorch", "model": MODEL, "weights": w, "batch_size": BATCH,
                      "out": str(root / "ref.npy")}})
    results.update(build_jobs(et_python, root, {
        name: {"job": "artifact", "builder": "executorch", "model": MODEL, "target": "pte", "weights": w,
               "out_dir": str(root / name), "precision": precision, "batch_size": batch}
        for name, (precision, batch) in BUILDS.items()}))
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

    def case(art, ref, precision, provider, threads, batch):
        cell = Cell("tinycnn", "executorch", "pytorch", batch, provider, threads, 0, precision=precision)
        a = adapter("executorch")
        a.configure(cell)
        a.import_framework()
        try:
            a.load(Path(art), cell)
        except Unsupported as exc:
            return {"unsupported": str(exc)}
        y = a.to_numpy(a.infer(a.prepare(make_inputs(get("tinycnn"), batch)))).astype(np.float64)
        r = np.load(ref)[:batch].astype(np.float64)  # the seeded items are the same for every batch size
        sqnr = 10 * np.log10(np.sum(r ** 2) / max(np.sum((r - y) ** 2), 1e-300))
        return {"diff": float(np.abs(y - r).max()), "sqnr_db": float(sqnr), "shape": list(y.shape),
                "top1": float(np.mean(y.argmax(1) == r.argmax(1))), "info": a.info(), "version": a.version(),
                "threads": a.threads().to_dict()}

    print(json.dumps([case(*c) for c in json.loads(sys.argv[1])]))
""")
#: (name, provider, threads, batch): every case runs in one process (ExecuTorch's import is torch's).
CASES = [("fp32", "cpu", 1, BATCH), ("fp32", "cpu", 2, BATCH), ("fp16", "cpu", 1, BATCH), ("int8", "cpu", 1, BATCH),
         ("fp32-b1", "cpu", 1, 1), ("int8-b1", "cpu", 1, 1), ("fp32", "cpu", 1, 1), ("fp32", "cuda", 1, BATCH)]


@pytest.fixture(scope="module")
def results(built) -> Dict[tuple, Dict[str, Any]]:
    cases = [[str(built / n), str(built / "ref.npy"), n, p, t, b] for n, p, t, b in CASES]
    out = run_python(require_env("executorch"), ["-c", RUN, json.dumps(cases)])
    return dict(zip(CASES, json.loads(out.stdout.strip().splitlines()[-1])))


def run(results: Dict[tuple, Dict[str, Any]], name: str, provider: str = "cpu", threads: int = 1,
        batch: int = BATCH) -> Dict[str, Any]:
    return results[(name, provider, threads, batch)]


@pytest.mark.parametrize("threads", [1, 2])
def test_fp32_agrees_with_the_reference_on_the_threads_asked_for(results, threads):
    got = run(results, "fp32", threads=threads)
    assert got["shape"] == [BATCH, 10] and got["diff"] < 1e-4, got
    info = got["info"]
    assert got["threads"]["intra"] == threads and info["providers_active"] == ["XnnpackBackend"]
    assert info["delegate_calls"] >= 1 and info["float_inputs"] == "float32" and got["version"].startswith("1.")


@pytest.mark.parametrize("name,quantization,min_sqnr", [("fp16", "fp16", 30), ("int8", "static-pt2e", 15)])
def test_reduced_precisions_are_close_and_say_what_they_are(built, results, name, quantization, min_sqnr):
    got = run(results, name)
    assert min_sqnr < got["sqnr_db"] < 200 and got["top1"] >= 0.75, got
    assert got["info"]["float_inputs"] == ("float16" if name == "fp16" else "float32")
    meta = json.loads((built / name / "edgebench.json").read_text())
    assert (meta["precision"], meta["quantization"]) == (name, quantization)
    assert meta["calibration_samples"] == (8 if name == "int8" else 0)


@pytest.mark.parametrize("name,min_sqnr", [("fp32-b1", 80), ("int8-b1", 15)])
def test_a_program_made_for_batch_1_runs_batch_1_with_buffers_for_one_item(built, results, name, min_sqnr):
    got = run(results, name, batch=1)
    assert got["shape"] == [1, 10] and min_sqnr < got["sqnr_db"] and got["top1"] == 1.0, got
    assert got["info"]["program_batch_size"] == 1
    four = json.loads((built / name.split("-")[0] / "edgebench.json").read_text())
    meta = json.loads((built / name / "edgebench.json").read_text())
    assert (meta["batch_size"], four["batch_size"], meta["shapes"]) == (1, BATCH, "static")
    assert 0 < meta["planned_buffer_bytes"] < four["planned_buffer_bytes"]  # planned for one item, not four


def test_another_batch_than_the_programs_and_other_providers_are_unsupported(results):
    other = run(results, "fp32", batch=1)
    assert f"made for batches of {BATCH}" in other["unsupported"], other
    cuda = run(results, "fp32", provider="cuda")
    assert "runs on the CPU here" in cuda["unsupported"], cuda
