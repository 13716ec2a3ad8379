"""Bring your own model, through the real CLI: tinycnn as every model-file format, made from the canonical
definitions and weights by the build jobs (and torch.export / torch.onnx in the pytorch environment), run on
the runtimes that read each format or a conversion of it, against the format's own runtime's reference; a
dynamic ONNX; integer inputs; and files that are not models."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

from runner.artifacts import Cache, cache_dir
from runner.cell import Cell
from runner.modelfiles import store
from runner.orchestrator import pythonpath_shim
from tests.conftest import EDGEBENCH, FAST, read_cells, require_env, run_python

pytestmark = pytest.mark.frameworks
FRAMEWORKS = ("onnxruntime", "pytorch", "tensorflow", "tflite")
#: What each format of tinycnn runs on: framework -> the cell's source (file: as it is; else the converter).
RUNS = {"onnx": {"onnxruntime": "file"}, "torchscript": {"pytorch": "file"},
        "pt2": {"pytorch": "file", "onnxruntime": "pytorch"},
        "savedmodel": {"tensorflow": "file", "tflite": "tensorflow", "onnxruntime": "tensorflow"},
        "tflite": {"tflite": "file"}}
OWNER = {"onnx": "onnxruntime", "torchscript": "pytorch", "pt2": "pytorch", "savedmodel": "tensorflow",
         "tflite": "tflite"}

#: Run in the pytorch environment: tinycnn as a .pt2 (dynamic batch), as an ONNX graph whose batch, height and
#: width are all dynamic and as one whose batch is fixed to 1, and a tiny embedding model (integer token ids)
#: as ONNX (batch and sequence dynamic) and as a .pt2 (batch dynamic, 16 ids).
EXPORTS = textwrap.dedent("""
    import sys
    from pathlib import Path
    import onnx, torch
    from runner.frameworks.pytorch.weights import example, load_model

    out, weights = Path(sys.argv[1]), Path(sys.argv[2])
    net = load_model("tinycnn", weights)
    batch = torch.export.Dim("batch", min=1, max=64)
    torch.export.save(torch.export.export(net, example("tinycnn", 2), dynamic_shapes=({0: batch},)),
                      str(out / "tinycnn.pt2"))

    def onnx_file(module, args, path, names, axes):
        torch.onnx.export(module, args, str(path), input_names=names, output_names=["out"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
        proto = onnx.load(str(path))
        proto.ir_version = 8  # what ONNX Runtime reads (runner.frameworks.onnx_export)
        onnx.save(proto, str(path))

    onnx_file(net, example("tinycnn", 2), out / "dynamic.onnx", ["image"], {"image": {0: "n", 2: "h", 3: "w"}})
    onnx_file(net, example("tinycnn", 1), out / "fixed.onnx", ["image"], {})

    class Embed(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.table, self.head = torch.nn.Embedding(50, 8), torch.nn.Linear(8, 4)

        def forward(self, ids):
            return self.head(self.table(ids).mean(1))

    torch.manual_seed(0)
    embed, ids = Embed().eval(), torch.zeros(2, 16, dtype=torch.int64)
    onnx_file(embed, (ids,), out / "embed.onnx", ["ids"], {"ids": {0: "n", 1: "seq"}})
    torch.export.save(torch.export.export(embed, (ids,), dynamic_shapes=({0: batch},)), str(out / "embed.pt2"))
""")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Dict[str, Path]:
    """tinycnn as .onnx, TorchScript .pt, .pt2, a SavedModel and .tflite, plus dynamic.onnx, embed.onnx and
    embed.pt2, in a folder of their own."""
    python = require_env("pytorch")
    for name in ("onnxruntime", "tensorflow", "tflite"):
        require_env(name)
    root = tmp_path_factory.mktemp("files")
    work = tmp_path_factory.mktemp("build")
    cache = Cache(cache_dir(), pythonpath_shim(work), work / "logs")
    made = {}
    for framework, source, name, target in (("pytorch", "pytorch", "model.pt", "tinycnn.pt"),
                                            ("onnxruntime", "pytorch", "model.onnx", "tinycnn.onnx"),
                                            ("tensorflow", "tensorflow", "savedmodel", "tinycnn_saved"),
                                            ("tflite", "tensorflow", "model.tflite", "tinycnn.tflite")):
        folder, _ = cache.artifact(Cell("tinycnn", framework, source, 1, "cpu", 1, 0))
        copy = shutil.copytree if (folder / name).is_dir() else shutil.copyfile
        copy(folder / name, root / target)
        made[target] = root / target
    run_python(python, ["-c", EXPORTS, str(root), str(cache.weights("tinycnn"))])
    made.update({n: root / n for n in ("tinycnn.pt2", "dynamic.onnx", "fixed.onnx", "embed.onnx", "embed.pt2")})
    return made


def edgebench(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*EDGEBENCH, *args], capture_output=True, text=True, timeout=900, cwd=cwd)


def digests(paths: List[Path]) -> Dict[Path, str]:
    return {p: store.locate(p).sha256 for p in paths}


def test_every_format_runs_where_it_is_read_or_converted_and_agrees_with_its_own_runtime(files, tmp_path):
    ours = [files[n] for n in ("tinycnn.onnx", "tinycnn.pt", "tinycnn.pt2", "tinycnn_saved", "tinycnn.tflite")]
    before, listing = digests(ours), sorted(p.name for p in ours[0].parent.iterdir())
    args = [a for p in ours for a in ("--model-file", str(p))]
    proc = edgebench(tmp_path, "run", *args, "--input-shape", "x=1x3x32x32", "--frameworks", ",".join(FRAMEWORKS),
                     "--out", str(tmp_path), "--run-id", "files", "--repetitions", "1", *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = read_cells(tmp_path / "files")
    assert len(rows) == len(ours) * len(FRAMEWORKS)
    by_sha = {r["model_sha256"]: r["model_format"] for r in rows}
    assert by_sha == {d: store.detect(p).name for p, d in before.items()}
    for r in rows:
        runs = RUNS[r["model_format"]]
        assert r["model"].startswith("tinycnn") and r["model"] != "tinycnn"  # a built-in name: made unique
        if r["framework"] not in runs:
            assert r["status"] == "unsupported" and r["error_message"].startswith("no conversion from"), r
            continue
        assert (r["status"], r["source"]) == ("ok", runs[r["framework"]]), r["error_message"]
        assert r["reference_framework"] == OWNER[r["model_format"]]
        assert r["output_max_abs_diff"] < 1e-4 and "differs from the reference" not in (r["warnings"] or "")
    assert digests(ours) == before and sorted(p.name for p in ours[0].parent.iterdir()) == listing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["files"]
    torch_rows = {r["model_format"]: r for r in rows if r["framework"] == "pytorch" and r["status"] == "ok"}
    # the same function and the same seeded input (both name it x): the same output
    assert torch_rows["pt2"]["output_checksum"] == pytest.approx(torch_rows["torchscript"]["output_checksum"],
                                                                 rel=1e-5)


def test_a_file_that_fixes_its_batch_runs_only_that_batch_size(files, tmp_path):
    proc = edgebench(tmp_path, "run", "--model-file", str(files["fixed.onnx"]), "--batch-sizes", "1,2",
                     "--frameworks", "onnxruntime", "--out", str(tmp_path), "--run-id", "fixed", "--repetitions", "1",
                     *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {r["batch_size"]: r for r in read_cells(tmp_path / "fixed")}
    assert rows[1]["status"] == "ok" and rows[1]["output_max_abs_diff"] == 0.0
    assert (rows[2]["status"], rows[2]["error_class"]) == ("unsupported", "FixedBatch")
    assert "fixes its batch dimension to 1" in rows[2]["error_message"]


def test_a_dynamic_onnx_takes_its_shape_from_input_shape_and_its_batch_from_batch_sizes(files, tmp_path):
    path = files["dynamic.onnx"]
    proc = edgebench(tmp_path, "run", "--model-file", str(path), "--out", str(tmp_path))
    assert proc.returncode == 2 and "dynamic dimensions (?x3x?x?)" in proc.stderr
    assert "--input-shape image=1x" in proc.stderr and not list(tmp_path.iterdir())
    proc = edgebench(tmp_path, "run", "--model-file", str(path), "--input-shape", "image=1x3x24x24",
                     "--batch-sizes", "1,3", "--frameworks", "onnxruntime", "--out", str(tmp_path), "--run-id", "dyn",
                     "--repetitions", "1", *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {r["batch_size"]: r for r in read_cells(tmp_path / "dyn")}
    assert set(rows) == {1, 3} and all(r["status"] == "ok" and r["source"] == "file" for r in rows.values())
    assert rows[3]["model_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    refs = sorted((cache_dir() / "models" / rows[3]["model_sha256"]).glob("reference-*-b3-*.npy"))
    assert refs and np.load(refs[-1]).shape == (3, 10)  # 24x24 images, 3 of them


def test_integer_inputs_get_a_seeded_range_and_agree_across_runtimes(files, tmp_path):
    paths = (files["embed.onnx"], files["embed.pt2"])
    args = [a for p in paths for a in ("--model-file", str(p))]
    proc = edgebench(tmp_path, "run", *args, "--input-shape", "ids=1x16", "--input-range", "ids=0:50",
                     "--frameworks", "onnxruntime,pytorch", "--batch-sizes", "2", "--out", str(tmp_path),
                     "--run-id", "ids", "--repetitions", "1", *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {(r["model_format"], r["framework"]): r for r in read_cells(tmp_path / "ids")}
    assert rows[("onnx", "pytorch")]["status"] == "unsupported"
    for key in (("onnx", "onnxruntime"), ("pt2", "pytorch"), ("pt2", "onnxruntime")):
        assert rows[key]["status"] == "ok", rows[key]["error_message"]
    converted = rows[("pt2", "onnxruntime")]
    assert (converted["source"], converted["reference_framework"]) == ("pytorch", "pytorch")
    assert converted["output_max_abs_diff"] < 1e-5  # ONNX Runtime on the export agrees with PyTorch on the .pt2
    proc = edgebench(tmp_path, "plan", "--model-file", str(paths[0]), "--input-shape", "ids=1x16",
                     "--input-range", "idz=0:5")
    assert proc.returncode == 2 and "did you mean 'ids'" in proc.stderr


def _hostile(files: Dict[str, Path], root: Path, case: str) -> Path:
    onnx = files["tinycnn.onnx"].read_bytes()
    made = {"random bytes named .onnx": ("random.onnx", np.random.default_rng(1).bytes(4096)),
            "truncated .onnx": ("truncated.onnx", onnx[: len(onnx) // 2]),
            "truncated .tflite": ("truncated.tflite", files["tinycnn.tflite"].read_bytes()[:2000]),
            "an ONNX file named .tflite": ("graph.tflite", onnx),
            "an unknown extension": ("model.weights", onnx)}
    if case in made:
        name, data = made[case]
        (root / name).write_bytes(data)
        return root / name
    folder = root / "folder"
    folder.mkdir()
    (folder / ("saved_model.pb" if case == "a corrupt saved_model.pb" else "variables.data")).write_bytes(b"\0" * 64)
    return folder


@pytest.mark.parametrize("case", ["random bytes named .onnx", "truncated .onnx", "truncated .tflite",
                                  "an ONNX file named .tflite", "an unknown extension", "a folder that is not a model",
                                  "a corrupt saved_model.pb"])
def test_a_file_that_is_not_a_model_is_one_line_and_exit_2_before_anything_is_written(files, tmp_path, case):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    path = _hostile(files, inputs, case)
    cached = sorted((cache_dir() / "models").glob("*/*"))
    proc = edgebench(tmp_path, "run", "--model-file", str(path), "--out", str(tmp_path / "results"))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 2, proc.stderr
    assert lines[0].startswith(f"error: {path}") and lines[1].startswith("hint: ")
    assert not (tmp_path / "results").exists() and not proc.stdout
    assert sorted((cache_dir() / "models").glob("*/*")) == cached  # nothing copied, nothing described


def test_a_missing_environment_for_the_formats_own_runtime_is_one_line(files, tmp_path):
    import os

    env = dict(os.environ, EDGEBENCH_ENV_ONNXRUNTIME=str(tmp_path / "nope" / "python"))
    proc = subprocess.run([*EDGEBENCH, "plan", "--model-file", str(files["tinycnn.onnx"])], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path, env=env)
    assert proc.returncode == 4 and "needs the onnxruntime environment" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 2
