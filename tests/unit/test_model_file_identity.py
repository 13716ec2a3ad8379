"""A model file's identity beside the version set: cells of both, conversions and references per set, a run that
keeps each name's file, and reports and comparisons that never take two files of one name for the same model."""

from __future__ import annotations

import dataclasses
import json

import pytest

from runner import config, plan
from runner.catalog.sets import CURRENT
from runner.cell import Cell
from runner.errors import RunStateError
from runner.modelfiles import cache as file_cache
from runner.models import spec
from runner.models.files import FILE_SOURCE, ModelFile
from runner.models.spec import InputSpec
from runner.report.compare import compare
from runner.report.load import load
from runner.resources import input_bytes
from runner.results import resume
from tests.unit.report.conftest import reps, row, write

OLD = "greenai-2023"
FILE = ModelFile("mine", "onnx", "ab" * 32, "/cache/models/ab/file", "onnxruntime",
                 (InputSpec("input", (3, 8, 8), "float32", "tensor"),), ("logits",), path="/data/mine.onnx")


def test_a_model_files_cells_run_in_every_version_set_of_the_grid():
    grid = config.GridSpec(models=(), frameworks=("onnxruntime",), batch_sizes=(1,), env_sets=(CURRENT, OLD),
                           model_files=("/data/mine.onnx",))
    spec.register(FILE.spec())
    cells = plan.expand(grid, (FILE,))
    assert [(c.model, c.env_set, c.model_file) for c in cells] == [("mine", CURRENT, FILE), ("mine", OLD, FILE)]
    assert [c.cell_id for c in cells] == ["mine-onnxruntime-file-b1-cpu-t1-r0",
                                          f"mine-onnxruntime-file-b1-cpu-t1-r0-{OLD}"]
    back = Cell.from_dict(json.loads(json.dumps(cells[1].to_dict())))
    assert back == cells[1] and back.env_set == OLD and back.model_file == FILE


def test_conversions_are_found_per_version_set(tmp_path):
    root = tmp_path / "models" / FILE.sha256
    key = FILE.inputs_key
    names = [f"onnx-by-tensorflow2.21.0-in{key}", f"onnx-by-tensorflow2.9.3-{OLD}-in{key}",
             f"tflite-by-tensorflow2.21.0-in{key}", "onnx-by-tensorflow2.21.0-in00000000"]
    for name in names:
        (root / name).mkdir(parents=True)
    found = file_cache.conversions(tmp_path, FILE, CURRENT, "onnx-by-tensorflow")
    assert [p.name for p in found] == [names[0]]
    assert [p.name for p in file_cache.conversions(tmp_path, FILE, OLD)] == [names[1]]
    assert sorted(p.name for p in file_cache.conversions(tmp_path, FILE)) == sorted([names[0], names[2]])


def test_a_reference_names_the_version_of_the_runtime_that_made_it(tmp_path):
    stem = f"reference-in{FILE.inputs_key}-b2-onnxruntime"
    assert file_cache.reference_version(tmp_path / f"{stem}1.12.1.npy", FILE, 2) == "1.12.1"
    assert file_cache.reference_version(tmp_path / f"{stem}1.12.1.npy", FILE, 1) is None
    assert file_cache.reference_version(None, FILE, 2) is None


def test_a_model_files_inputs_size_its_batch():
    cell = Cell("mine", "onnxruntime", FILE_SOURCE, 4, "cpu", 1, 0, model_file=FILE)
    assert input_bytes(cell) == 4 * 3 * 8 * 8 * 4
    assert input_bytes(Cell("tinycnn", "onnxruntime", "pytorch", 1, "cpu", 1, 0)) == 3 * 32 * 32 * 4


def test_a_run_keeps_each_model_names_file():
    cells = [Cell("mine", "onnxruntime", FILE_SOURCE, 1, "cpu", 1, 0, model_file=FILE),
             Cell("tinycnn", "onnxruntime", "pytorch", 1, "cpu", 1, 0)]
    recorded = resume.model_files(cells)
    assert recorded == {"mine": {"sha256": FILE.sha256, "format": "onnx", "path": "/data/mine.onnx"}}
    resume.check_model_files({"model_files": recorded}, recorded, "r")
    resume.check_model_files({}, recorded, "r")
    other = resume.model_files([dataclasses.replace(cells[0], model_file=dataclasses.replace(FILE, sha256="cd" * 32))])
    with pytest.raises(RunStateError, match="another model file of the same name: mine was abababababab"):
        resume.check_model_files({"model_files": recorded}, other, "r")


def _file_rows(sha: str, p50_ms: float = 10.0):
    return reps(row("onnxruntime", model="mine", p50_ms=p50_ms, model_sha256=sha, model_format="onnx",
                    source="file"))


def test_two_files_of_one_name_stay_apart_in_a_pooled_report_and_never_match_in_compare(tmp_path):
    a = write(tmp_path / "results", [*_file_rows("ab" * 32), *reps(row("onnxruntime", model="tinycnn"))], "a")
    b = write(tmp_path / "results", [*_file_rows("cd" * 32, 12.0), *reps(row("onnxruntime", model="tinycnn"))], "b")
    pooled = load([a, b]).cells
    assert sorted(set(pooled["model"])) == ["mine-abababab", "mine-cdcdcdcd", "tinycnn"]
    assert set(pooled.loc[pooled["model"] == "tinycnn", "model_sha256"]) == {""}
    assert set(load([a]).cells["model"]) == {"mine", "tinycnn"}  # one file of the name: as the run named it
    matches, alone = compare(load([a]), load([b]))
    assert [m.name.split()[0] for m in matches] == ["tinycnn"]
    assert alone == ["only in run A: mine@abababab onnxruntime(file) b1 t1", "only in run B: mine@cdcdcdcd "
                     "onnxruntime(file) b1 t1"]
    matches, _ = compare(load([a]), load([b]), ignore=["model_sha256"])  # two versions of one file, on purpose
    assert sorted(m.name.split()[0] for m in matches) == ["mine", "tinycnn"]
    same = write(tmp_path / "results", _file_rows("ab" * 32, 11.0), "c")
    matches, alone = compare(load([a]), load([same]))
    assert [m.name.split()[0] for m in matches] == ["mine@abababab"]
    assert alone == ["only in run A: tinycnn onnxruntime b1 t1"]
