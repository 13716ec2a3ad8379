"""Model files in the greenai-2023 version set next to today's, through the real CLI: each set's cells run the
file (or its conversion, made by the set's own converter) with the set's runtimes against the set's own
runtime of the format, and what an older runtime cannot read is an ``unsupported`` row saying why.

Needs the set's environments (``make setup ENV_SETS=current,greenai-2023``); skips without them unless
``EDGEBENCH_REQUIRE_ENV_SETS=1``.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Dict, Tuple

import pytest

from runner.artifacts import Cache, cache_dir
from runner.cell import Cell
from runner.modelfiles import store
from runner.orchestrator import pythonpath_shim
from tests.conftest import EDGEBENCH, FAST, read_cells, require_env, run_python
from tests.integration.test_env_sets import OLD, require_set

pytestmark = [pytest.mark.env_sets, pytest.mark.frameworks]
FRAMEWORKS = ("onnxruntime", "tensorflow", "pytorch", "tflite")
#: tinycnn as a .pt2 (torch.export: torch >= 2.1; batch dynamic), made in the current pytorch environment.
PT2 = textwrap.dedent("""
    import sys
    import torch
    from runner.frameworks.pytorch.weights import example, load_model

    net = load_model("tinycnn", sys.argv[2])
    batch = torch.export.Dim("batch", min=1, max=64)
    torch.export.save(torch.export.export(net, example("tinycnn", 2), dynamic_shapes=({0: batch},)), sys.argv[1])
""")


@pytest.fixture(scope="module")
def both_sets(tmp_path_factory) -> Tuple[Dict[str, Path], Dict[Tuple[str, str, str], dict]]:
    """tinycnn as today's .onnx, as a SavedModel saved by the set's TensorFlow 2.9 and as a .pt2; one run of
    every framework in both sets."""
    require_set()
    python = require_env("pytorch")
    for name in ("onnxruntime", "tensorflow", "tflite"):
        require_env(name)
    root, work = tmp_path_factory.mktemp("files"), tmp_path_factory.mktemp("build")
    made = {}
    for env_set, framework, source, name, target in (("current", "onnxruntime", "pytorch", "model.onnx", "tiny.onnx"),
                                                     (OLD, "tensorflow", "tensorflow", "savedmodel", "tiny_tf29")):
        cache = Cache(cache_dir(), pythonpath_shim(work), work / "logs", env_set)
        folder, _ = cache.artifact(Cell("tinycnn", framework, source, 1, "cpu", 1, 0, env_set=env_set))
        (shutil.copytree if (folder / name).is_dir() else shutil.copyfile)(folder / name, root / target)
        made[target] = root / target
    made["tiny.pt2"] = root / "tiny.pt2"
    weights = Cache(cache_dir(), pythonpath_shim(work), work / "logs").weights("tinycnn")  # the same in every set
    run_python(python, ["-c", PT2, str(made["tiny.pt2"]), str(weights)])
    out = tmp_path_factory.mktemp("run")
    args = [a for p in made.values() for a in ("--model-file", str(p))]
    proc = subprocess.run([*EDGEBENCH, "run", *args, "--input-shape", "x=1x3x32x32", "--frameworks",
                           ",".join(FRAMEWORKS), "--env-sets", f"current,{OLD}", "--out", str(out), "--run-id", "s",
                           "--repetitions", "1", *FAST], capture_output=True, text=True, timeout=1800, cwd=out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {(r["model_format"], r["framework"], r["env_set"]): r for r in read_cells(out / "s")}
    return made, rows


def test_each_set_runs_the_file_with_its_own_runtimes_against_its_own_reference(both_sets):
    _, rows = both_sets
    for key in (("onnx", "onnxruntime"), ("savedmodel", "tensorflow"), ("savedmodel", "onnxruntime"),
                ("savedmodel", "tflite"), ("pt2", "pytorch"), ("pt2", "onnxruntime")):
        now = rows[(*key, "current")]
        assert now["status"] == "ok", (key, now["error_message"])
        assert now["output_max_abs_diff"] < 1e-4 and now["reference_version"] != "2.9.3"
    for key, version in ((("onnx", "onnxruntime"), "1.12.1"), (("savedmodel", "tensorflow"), "2.9.3"),
                         (("savedmodel", "onnxruntime"), "2.9.3")):
        old = rows[(*key, OLD)]
        assert old["status"] == "ok", (key, old["error_message"])
        assert old["reference_version"] == version and "/greenai-2023/" in old["env_python"], key
        assert old["output_max_abs_diff"] < 1e-4 and old["cell_id"].endswith(f"-{OLD}")
    assert rows[("savedmodel", "onnxruntime", OLD)]["framework_version"] == "1.12.1"


def test_the_sets_conversion_is_made_by_its_own_converter_and_kept_apart(both_sets):
    made, rows = both_sets
    sha = store.locate(made["tiny_tf29"]).sha256
    folders = sorted(p.name for p in (cache_dir() / "models" / sha).glob("onnx-by-tensorflow*"))
    assert any(n.startswith("onnx-by-tensorflow2.9.3-greenai-2023-in") for n in folders), folders
    assert any(n.startswith("onnx-by-tensorflow2.") and OLD not in n for n in folders), folders
    assert rows[("savedmodel", "onnxruntime", OLD)]["source"] == "tensorflow"


def test_what_an_older_set_cannot_read_or_lacks_is_a_row_saying_why(both_sets):
    _, rows = both_sets
    for key in (("pt2", "pytorch", OLD), ("pt2", "onnxruntime", OLD)):
        assert rows[key]["status"] == "unsupported" and "cannot read .pt2 files" in rows[key]["error_message"], key
    lacking = rows[("savedmodel", "tflite", OLD)]
    assert lacking["status"] == "unavailable" and f"tflite is not in version set {OLD}" in lacking["error_message"]
