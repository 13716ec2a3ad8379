"""The precision dimension without a framework: quality metrics on known arrays, the records' declarations,
the build frame's routing, the cache key, the grid, the protocol and the row."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

from runner import config, plan
from runner.artifacts import Prepared
from runner.catalog import FRAMEWORKS
from runner.cell import Budget, Cell
from runner.config import GridSpec
from runner.errors import GridError, UsageError
from runner.frameworks.base import FP32, PrecisionRequest, Unsupported, build_with
from runner.frameworks.record import PRECISIONS, Precision, Record
from runner.measure import quality
from runner.models.inputs import CALIBRATION_SEED, INPUT_SEED, calibration_inputs, make_inputs
from runner.models.spec import get as get_spec
from runner.naming import cell_label
from runner.precision import artifact_stem, precision_key, precision_of
from runner.results.rows import Readings, Where, cell_rows
from runner.worker.protocol import CellRequest, CellResult, Quality
from runner.worker.spawn import Outcome


def test_sqnr_on_known_arrays():
    ref = np.ones((4, 10), dtype=np.float32)
    assert quality.sqnr_db(ref, ref * 1.1) == pytest.approx(20.0)  # noise 0.01 x the signal
    assert quality.sqnr_db(ref, ref + 0.001) == pytest.approx(60.0, abs=0.01)
    assert quality.sqnr_db(ref, ref) == math.inf
    assert quality.sqnr_db(np.zeros((2, 3)), np.ones((2, 3))) == -math.inf
    # float16 outputs are compared in float64
    assert quality.sqnr_db(ref, (ref * 1.1).astype(np.float16)) == pytest.approx(20.0, abs=0.1)


def test_top1_agreement_on_known_arrays():
    ref = np.array([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.0, 0.0, 1.0]])
    out = np.array([[0.2, 0.7, 0.1], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5], [0.9, 0.0, 0.1]])
    assert quality.top1_agreement(ref, out) == 0.5
    tokens = np.zeros((2, 4, 3))  # per-position arg-max: 8 positions
    tokens[..., 0] = 1
    changed = tokens.copy()
    changed[0, :3] = [0, 1, 0]
    assert quality.top1_agreement(tokens, changed) == pytest.approx(5 / 8)
    with pytest.raises(ValueError, match="arg-max"):
        quality.top1_agreement(np.ones(3), np.ones(3))


@pytest.mark.parametrize("batch", [1, 3, 8, 64])
def test_quality_outputs_do_not_depend_on_the_batch_size(batch):
    spec = get_spec("tinycnn")

    def run(arrays):  # a stand-in for an adapter: one number per item
        return arrays["input"].reshape(len(arrays["input"]), -1).sum(axis=1, keepdims=True)

    expected = run(make_inputs(spec, 8))
    assert np.array_equal(quality.outputs(run, spec, batch, 8), expected)


def test_assess_reports_shape_and_finiteness_problems(tmp_path):
    spec = get_spec("tinycnn")
    path = tmp_path / "ref.npy"
    np.save(path, np.ones((4, 10), dtype=np.float32))
    ok = quality.assess(lambda a: np.ones((len(a["input"]), 10)) * 1.1, spec, 2, 4, str(path))
    assert (ok.samples, ok.top1_agreement, ok.problem) == (4, 1.0, "") and ok.sqnr_db == pytest.approx(20.0)
    wrong = quality.assess(lambda a: np.ones((len(a["input"]), 5)), spec, 2, 4, str(path))
    assert wrong.sqnr_db is None and "differ in shape" in wrong.problem
    nan = quality.assess(lambda a: np.full((len(a["input"]), 10), np.nan), spec, 2, 4, str(path))
    assert nan.sqnr_db is None and "non-finite" in nan.problem


def test_calibration_inputs_are_seeded_single_items_apart_from_the_measured_ones():
    spec = get_spec("tinycnn")
    items = calibration_inputs(spec, 5)
    assert len(items) == 5 and items[0]["input"].shape == (1, 3, 32, 32)
    assert np.array_equal(items[3]["input"], calibration_inputs(spec, 5)[3]["input"])
    assert CALIBRATION_SEED != INPUT_SEED
    assert not np.array_equal(items[0]["input"], make_inputs(spec, 1)["input"])


RECORD = Record("x", "X", "x", "x", ("x",), ("x",), {}, "onnx", {"x": "x"}, precisions=(
    Precision("fp32"), Precision("int8", "static-qdq", calibrated=True, family="cnn", derived=True),
    Precision("int8", "dynamic", family="transformer", derived=True),
    Precision("fp16", unsupported="no half kernels here")))


def test_a_record_names_the_method_per_family_and_why_not():
    assert RECORD.precision("int8", "cnn").quantization == "static-qdq"
    assert RECORD.precision("int8", "transformer").quantization == "dynamic"
    assert RECORD.precision("fp16", "cnn").unsupported == "no half kernels here"
    undeclared = Record("y", "Y", "y", "y", ("y",), ("y",), {}, "onnx", {"y": "y"}).precision("int8", "cnn")
    assert not undeclared.supported and "Y has no int8 path" in undeclared.unsupported


def test_every_record_runs_fp32_and_gives_a_reason_for_what_it_cannot():
    for record in FRAMEWORKS.values():
        assert record.precision("fp32", "cnn").quantization == "none", record.name
        for entry in record.precisions:
            assert entry.name in PRECISIONS and entry.family in ("", "cnn", "transformer"), (record.name, entry)
            assert entry.supported == (entry.quantization != "none" or entry.name == "fp32"), (record.name, entry)


def test_the_build_frame_routes_precisions_and_never_builds_fp32_instead(tmp_path):
    def build(kind):
        return lambda model, made, out, *rest: {"file": kind, "made": made, "rest": [vars(r) for r in rest]}

    int8 = PrecisionRequest("int8", "static-qdq", 16)
    quantizers = {("onnx", "static-qdq"): build("q")}
    meta = build_with("X", {"onnx": build("f")}, "onnx", tmp_path, lambda: 7, "m", {"v": "1"}, precision=int8,
                      quantizers=quantizers)
    assert (meta["file"], meta["precision"], meta["quantization"], meta["calibration_samples"]) == \
        ("q", "int8", "static-qdq", 16)
    assert meta["rest"] == [vars(int8)] and json.loads((tmp_path / "edgebench.json").read_text())["file"] == "q"
    fp32 = build_with("X", {"onnx": build("f")}, "onnx", tmp_path, lambda: 7, "m", {}, quantizers=quantizers)
    assert (fp32["file"], fp32["quantization"], fp32["calibration_samples"]) == ("f", "none", 0)
    with pytest.raises(Unsupported, match="no dynamic build of a 'onnx' artifact"):
        build_with("X", {"onnx": build("f")}, "onnx", tmp_path, lambda: 7, "m", {},
                   precision=PrecisionRequest("int8", "dynamic"), quantizers=quantizers)
    assert PrecisionRequest.from_dict(None) == FP32 and PrecisionRequest.from_dict(vars(int8)) == int8


def test_the_cache_key_names_precision_method_and_calibration():
    assert precision_key(Precision("fp32"), 0) == ""
    assert precision_key(Precision("int8", "static-qdq", calibrated=True), 32) == "-int8-static-qdq-c32"
    assert precision_key(Precision("int8", "dynamic"), 0) == "-int8-dynamic"
    assert precision_key(Precision("fp16", "fp16"), 0) == "-fp16"


def test_precisions_are_a_dimension_after_sources_and_in_the_cell_id():
    spec = GridSpec(frameworks=("pytorch", "null"), precisions=("fp32", "int8"), batch_sizes=(1, 4))
    ids = [c.cell_id for c in plan.expand(spec)]
    assert ids == ["tinycnn-pytorch-b1-cpu-t1-r0", "tinycnn-pytorch-b4-cpu-t1-r0",
                   "tinycnn-pytorch-int8-b1-cpu-t1-r0", "tinycnn-pytorch-int8-b4-cpu-t1-r0",
                   "tinycnn-null-b1-cpu-t1-r0", "tinycnn-null-b4-cpu-t1-r0",
                   "tinycnn-null-int8-b1-cpu-t1-r0", "tinycnn-null-int8-b4-cpu-t1-r0"]
    ort = plan.expand(GridSpec(frameworks=("onnxruntime",), sources=("pytorch",), precisions=("int8",)))
    assert [c.cell_id for c in ort] == ["tinycnn-onnxruntime-pytorch-int8-b1-cpu-t1-r0"]
    assert precision_of(ort[0]).name == "int8"


def test_a_cell_names_its_precision_and_its_version_set():
    spec = GridSpec(frameworks=("pytorch",), precisions=("fp32", "int8"), env_sets=("current", "greenai-2023"))
    cells = plan.expand(spec)
    assert [c.cell_id for c in cells] == ["tinycnn-pytorch-b1-cpu-t1-r0", "tinycnn-pytorch-b1-cpu-t1-r0-greenai-2023",
                                          "tinycnn-pytorch-int8-b1-cpu-t1-r0",
                                          "tinycnn-pytorch-int8-b1-cpu-t1-r0-greenai-2023"]
    assert cell_label(cells[-1]) == "tinycnn pytorch int8 b1 t1 r0 env greenai-2023"
    assert Cell.from_dict(cells[-1].to_dict()) == cells[-1]


def test_artifact_folders_name_the_precision_and_the_batch_where_a_runtime_makes_one_per_batch():
    def stem(framework, source, precision, batch=4):
        return artifact_stem(Cell("tinycnn", framework, source, batch, "cpu", 1, 0, precision=precision))

    assert stem("tflite", "tensorflow", "fp32") == "tflite-from-tensorflow"
    assert stem("tflite", "tensorflow", "int8") == "tflite-int8-full-integer-c32-from-tensorflow"
    assert stem("onnxruntime", "pytorch", "int8") == "onnx-int8-static-qdq-c32-from-onnx-from-pytorch"
    assert FRAMEWORKS["executorch"].per_batch and not FRAMEWORKS["tflite"].per_batch
    assert stem("executorch", "pytorch", "fp32", 1) == "pte-b1-from-pytorch"
    assert stem("executorch", "pytorch", "int8") == "pte-int8-static-pt2e-c32-b4-from-pytorch"


@pytest.mark.parametrize("precisions, message", [
    (("fp8",), "unknown precision 'fp8'"), (("int8", "int8"), "'int8' is listed twice"),
    ((), "the grid has no precisions"),
])
def test_bad_precisions_fail_before_anything_runs(precisions, message):
    with pytest.raises(GridError, match=message):
        plan.expand(GridSpec(precisions=precisions))


def test_grid_files_and_the_command_line_set_precisions_and_calibration(tmp_path):
    grid = tmp_path / "g.toml"
    grid.write_text('precisions = ["fp32", "fp16"]\n[budget]\ncalibration_samples = 8\nquality_samples = 0\n')
    spec = config.load(None, grid, {"precisions": ["int8"]})
    assert spec.precisions == ("int8",) and spec.budget.calibration_samples == 8
    assert spec.budget.quality_samples == 0 and config.load(None, grid, {}).precisions == ("fp32", "fp16")
    assert GridSpec().precisions == ("fp32",) and Budget().calibration_samples == 32
    grid.write_text("[budget]\ncalibration_samples = 0\n")
    with pytest.raises(UsageError, match="calibration_samples must be >= 1"):
        config.load(None, grid, {})
    grid.write_text("[budget]\nquality_samples = 1.5\n")
    with pytest.raises(UsageError, match="quality_samples must be an integer"):
        config.load(None, grid, {})


def test_the_protocol_carries_quality_and_the_quality_reference():
    cell = Cell("tinycnn", "pytorch", "pytorch", 1, "cpu", 1, 0, precision="int8")
    request = CellRequest(cell, "/a", "/r.npy", "/q.npy")
    assert CellRequest.from_json(request.to_json()) == request
    for q in (Quality(32, 41.5, 0.97), Quality(32, math.inf, 1.0), Quality(32, problem="no")):
        back = CellResult.from_json(CellResult("failed", quality=q).to_json())
        assert back.quality == q


def test_the_row_records_precision_method_calibration_and_quality():
    cell = Cell("tinycnn", "onnxruntime", "pytorch", 1, "cpu", 1, 0, precision="int8")
    where = Where("r", "box", "x86", dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    prepared = Prepared(Path("/a"), quantization="static-qdq", calibration_samples=32)
    result = CellResult("failed", quality=Quality(32, 38.2, 0.94, problem=""))
    row = cell_rows(cell, where, Outcome("failed", result, spawn_ns=1, end_ns=2), prepared, Readings()).row
    assert (row["precision"], row["quantization"], row["calibration_samples"]) == ("int8", "static-qdq", 32)
    assert (row["output_sqnr_db"], row["output_top1_agreement"], row["quality_samples"]) == (38.2, 0.94, 32)
    unsupported = dataclasses.replace(prepared, quantization=None, calibration_samples=None)
    never = cell_rows(cell, where, Outcome("unsupported", None, "PrecisionUnsupported", "no"), unsupported,
                      Readings()).row
    assert (never["precision"], never["quantization"], never["output_sqnr_db"]) == ("int8", None, None)



def test_the_fp32_tolerance_warning_is_for_fp32_cells_only():
    from runner.worker.protocol import MARKS, OutputCheck

    where = Where("r", "box", "x86", dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    marks = {m: 10 + i for i, m in enumerate(MARKS)}
    result = CellResult("ok", marks, latencies_ns=[1000, 1100], output=OutputCheck([1, 10], 1.0, 0.5, 5.0),
                        quality=Quality(32, 21.0, 0.84))
    for precision, warned in (("fp32", True), ("int8", False)):
        cell = Cell("tinycnn", "pytorch", "pytorch", 1, "cpu", 1, 0, precision=precision)
        row = cell_rows(cell, where, Outcome("ok", result, spawn_ns=1, end_ns=50), Prepared(Path("/a")),
                        Readings()).row
        assert any("differs from the reference" in w for w in row["warnings"]) == warned, precision


def test_plan_marks_a_precision_without_a_path_and_counts_no_time_for_it():
    from runner.cli import planning
    from runner.frameworks.null.record import NO_MODEL

    cells = [Cell("tinycnn", "null", "null", 1, "cpu", 1, 0, precision=p) for p in ("fp32", "int8")]
    marks = planning.host_marks(cells)
    assert marks[cells[0].cell_id] == [] and marks[cells[1].cell_id] == [planning.Mark("precision",
                                                                                        f"null int8: {NO_MODEL}")]
    both, fp32 = planning.estimate_s(cells, marks, []), planning.estimate_s(cells[:1], marks, [])
    assert both == fp32


def test_the_run_summary_names_the_precision_of_a_configuration_it_could_not_measure():
    import pandas as pd

    from runner.cli.summary import KEYS, unmeasured

    base = dict(dict.fromkeys(KEYS, ""), model="tinycnn", batch_size=1, threads=1, env_set="current")
    cells = pd.DataFrame([dict(base, framework="tensorflow", source="tensorflow", precision="int8",
                               status="unsupported", error_message="no int8 path"),
                          dict(base, framework="tensorflow", source="tensorflow", precision="fp32",
                               status="ok", error_message=None)])
    assert unmeasured(cells) == ["tinycnn tensorflow int8 b1 t1: unsupported 1/1: no int8 path"]


def test_a_model_files_precision_runs_only_where_its_runtime_derives_it_from_the_file():
    from runner.cli.planning import _file_marks
    from runner.modelfiles.cache import cannot_run
    from runner.models.files import ModelFile
    from runner.models.spec import InputSpec, register

    spec = (InputSpec("x", (3, 32, 32), "tensor"),)
    onnx = ModelFile("mine", "onnx", "ab" * 32, "/nonexistent/copy", "onnxruntime", spec)
    script = ModelFile("theirs", "torchscript", "cd" * 32, "/nonexistent/copy", "pytorch", spec)
    for file in (onnx, script):
        register(file.spec())

    def cell(file, framework, precision):
        return Cell(file.name, framework, "file", 1, "cpu", 1, 0, model_file=file, precision=precision)

    assert cannot_run(cell(onnx, "onnxruntime", "int8"), onnx) is None
    assert cannot_run(cell(script, "pytorch", "fp32"), script) is None
    refused = cannot_run(cell(script, "pytorch", "int8"), script)
    assert refused.error_class == "PrecisionUnsupported" and "not from a model file" in refused.error_message
    assert cannot_run(cell(onnx, "pytorch", "int8"), onnx).error_class == "NoConversion"  # the route first
    (mark,) = _file_marks(cell(script, "pytorch", "int8"))
    assert mark.kind == "precision" and mark.reason.startswith("theirs on pytorch int8: PyTorch makes its int8")
    assert _file_marks(cell(onnx, "onnxruntime", "int8")) == []
