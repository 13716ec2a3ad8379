"""Model files of OpenVINO's and ExecuTorch's formats, through the real CLI: tinycnn as an OpenVINO IR (saved by
OpenVINO from the ONNX export of the canonical definitions), as a ``.pte`` (ExecuTorch's build job, batch 2) and
as a ``.pt2`` (torch.export, dynamic batch), each run where it is read or converted, against its own runtime's
reference; a truncated ``.pte`` and an ``.xml`` without its ``.bin`` stop before anything is written."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Dict

import pytest

from runner.artifacts import Cache, cache_dir
from runner.cell import Cell
from runner.orchestrator import pythonpath_shim
from tests.conftest import EDGEBENCH, FAST, read_cells, require_env, run_python

pytestmark = pytest.mark.frameworks
FRAMEWORKS = ("openvino", "executorch", "pytorch")
PTE_BATCH = 2
#: What each file runs on: framework -> the cell's source (file: as it is; else the converter).
RUNS = {"openvino-ir": {"openvino": "file"}, "pte": {"executorch": "file"},
        "pt2": {"pytorch": "file", "executorch": "executorch", "openvino": "pytorch"}}
OWNER = {"openvino-ir": "openvino", "pte": "executorch", "pt2": "pytorch"}

EXPORT_PT2 = textwrap.dedent("""
    import sys
    import torch
    from runner.frameworks.pytorch.weights import example, load_model

    net = load_model("tinycnn", sys.argv[2])
    batch = torch.export.Dim("batch", min=1, max=64)
    torch.export.save(torch.export.export(net, example("tinycnn", 2), dynamic_shapes=({0: batch},)), sys.argv[1])
""")
SAVE_IR = "import sys, openvino\nopenvino.save_model(openvino.Core().read_model(sys.argv[1]), sys.argv[2])\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Dict[str, Path]:
    """tinycnn.xml (+ .bin), tinycnn.pte (batch 2) and tinycnn.pt2 (dynamic batch) in a folder of their own."""
    python, ov_python = require_env("pytorch"), require_env("openvino")
    require_env("executorch")
    root, work = tmp_path_factory.mktemp("files"), tmp_path_factory.mktemp("build")
    cache = Cache(cache_dir(), pythonpath_shim(work), work / "logs")
    onnx, _ = cache.artifact(Cell("tinycnn", "onnxruntime", "pytorch", 1, "cpu", 1, 0))
    run_python(ov_python, ["-c", SAVE_IR, str(onnx / "model.onnx"), str(root / "tinycnn.xml")])
    pte, _ = cache.artifact(Cell("tinycnn", "executorch", "pytorch", PTE_BATCH, "cpu", 1, 0))
    shutil.copyfile(pte / "model.pte", root / "tinycnn.pte")
    run_python(python, ["-c", EXPORT_PT2, str(root / "tinycnn.pt2"), str(cache.weights("tinycnn"))])
    return {p.name: p for p in root.iterdir()}


def edgebench(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*EDGEBENCH, *args], capture_output=True, text=True, timeout=1200, cwd=cwd)


def test_ir_pte_and_pt2_run_where_they_are_read_or_converted_against_their_own_runtime(files, tmp_path):
    ours = [files[n] for n in ("tinycnn.xml", "tinycnn.pte", "tinycnn.pt2")]
    args = [a for p in ours for a in ("--model-file", str(p))]
    proc = edgebench(tmp_path, "run", *args, "--frameworks", ",".join(FRAMEWORKS), "--batch-sizes", "1,2",
                     "--out", str(tmp_path), "--run-id", "files", "--repetitions", "1", *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = read_cells(tmp_path / "files")
    assert len(rows) == len(ours) * len(FRAMEWORKS) * 2
    for r in rows:
        runs = RUNS[r["model_format"]]
        if r["framework"] not in runs:
            assert r["status"] == "unsupported" and r["error_message"].startswith("no conversion from"), r
            continue
        if r["model_format"] == "pte" and r["batch_size"] != PTE_BATCH:
            assert (r["status"], r["error_class"]) == ("unsupported", "FixedBatch"), r
            assert f"fixes its batch dimension to {PTE_BATCH}" in r["error_message"]
            continue
        assert (r["status"], r["source"]) == ("ok", runs[r["framework"]]), r["error_message"]
        assert r["reference_framework"] == OWNER[r["model_format"]]
        assert r["output_max_abs_diff"] < 1e-4 and "differs from the reference" not in (r["warnings"] or "")
    by = {(r["model_format"], r["framework"], r["batch_size"]): r for r in rows}
    assert "OpenVINO IR" in by[("openvino-ir", "executorch", 1)]["error_message"]
    lowered = sorted((cache_dir() / "models" / by[("pt2", "executorch", 1)]["model_sha256"]).glob("pte-b*-by-*"))
    assert {p.name.split("-by-")[0] for p in lowered if p.is_dir()} >= {"pte-b1", "pte-b2"}  # one per batch size


@pytest.mark.parametrize("case", ["a truncated .pte", "an .xml without its .bin"])
def test_a_broken_ir_or_pte_is_one_line_and_exit_2_before_anything_is_written(files, tmp_path, case):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    if case == "a truncated .pte":
        path = inputs / "truncated.pte"
        path.write_bytes(files["tinycnn.pte"].read_bytes()[:1000])
    else:
        path = inputs / "lonely.xml"
        shutil.copyfile(files["tinycnn.xml"], path)
    cached = sorted((cache_dir() / "models").glob("*/*"))
    proc = edgebench(tmp_path, "run", "--model-file", str(path), "--out", str(tmp_path / "results"))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 2, proc.stderr
    assert lines[0].startswith(f"error: {path}") and lines[1].startswith("hint: ")
    assert ("lonely.bin" in lines[0]) == (case != "a truncated .pte")
    assert not (tmp_path / "results").exists() and not proc.stdout
    assert sorted((cache_dir() / "models").glob("*/*")) == cached  # nothing copied, nothing described
