"""Model files without a framework: routes, concrete inputs, seeded values, names, digests, grid keys, cells, rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

import numpy as np
import pytest

from runner import config, plan
from runner.artifacts import Prepared
from runner.catalog import FRAMEWORKS, formats
from runner.cell import Cell
from runner.errors import UsageError
from runner.modelfiles import cache as file_cache
from runner.modelfiles import inputs as concrete_inputs
from runner.modelfiles import store
from runner.models import inputs, spec
from runner.models.files import FILE_SOURCE, ModelFile, Signature, TensorInfo
from runner.models.spec import InputSpec
from runner.results.rows import Readings, Where, cell_rows
from runner.worker.protocol import CellRequest
from runner.worker.spawn import Outcome

IMAGE = TensorInfo("input", (None, 3, 32, 32), "float32")
FILE = ModelFile("mine", "onnx", "ab" * 32, "/cache/models/ab/file", "onnxruntime",
                 (InputSpec("input", (3, 8, 8), "float32", "tensor"),), ("logits",))


def concrete(*infos, shapes=None, ranges=None, open_elsewhere=()):
    return concrete_inputs.concrete(Signature(tuple(infos)), shapes or {}, ranges or {}, "f.onnx", open_elsewhere)


# -- routes -----------------------------------------------------------------------------------------------------

def test_a_file_reaches_a_framework_as_it_is_converted_or_with_the_missing_conversion_named():
    for fmt, (_, owner) in formats.FORMATS.items():
        assert formats.route(fmt, owner.name) == formats.Route(FILE_SOURCE), fmt
    for framework, record in FRAMEWORKS.items():
        for fmt in formats.FORMATS:
            way = formats.route(fmt, framework)
            if way.conversion:
                assert way.conversion.source == fmt and way.conversion.target in record.reads
                assert fmt in {c.source for c in FRAMEWORKS[way.source].converts}
            elif not way.supported:
                assert formats.title(fmt) in way.reason and record.title in way.reason
    harness = next(n for n, r in FRAMEWORKS.items() if r.harness)
    assert formats.route("onnx", harness).supported and harness not in formats.runtimes("onnx")


def test_a_framework_that_reads_nothing_of_a_format_says_what_it_reads_and_what_the_format_converts_to():
    reader = next(n for n, r in FRAMEWORKS.items() if r.reads and not r.harness and "onnx" not in r.reads and
                  not any(c.target in r.reads for _, c in formats.conversions("onnx")))
    reason = formats.route("onnx", reader).reason
    assert reason.startswith("no conversion from ONNX") and "edgebench converts no ONNX file)" in reason, reason


# -- inputs -----------------------------------------------------------------------------------------------------

def test_the_first_dimension_is_the_batch_and_every_other_must_be_known():
    specs, batch = concrete(IMAGE)
    assert specs == (InputSpec("input", (3, 32, 32), "float32", "tensor"),) and batch is None
    specs, batch = concrete(TensorInfo("input", (1, 3, 32, 32), "float32"))
    assert batch == 1
    with pytest.raises(UsageError, match=r"dynamic dimensions \(\?x3x\?x\?\)") as err:
        concrete(TensorInfo("input", (None, 3, None, None), "float32"))
    assert "--input-shape input=1x" in err.value.hint
    specs, _ = concrete(TensorInfo("input", (None, 3, None, None), "float32"), shapes={"input": (9, 3, 24, 24)})
    assert specs[0].shape == (3, 24, 24)  # the 9 stands for the batch dimension


@pytest.mark.parametrize("info, shapes, message", [
    (TensorInfo("x", None, ""), {}, "does not say the shape of input 'x'"),
    (TensorInfo("x", (), "float32"), {}, "is a scalar"),
    (TensorInfo("x", (None, 3, 4), "float32"), {"x": (1, 3)}, "has 2 dimensions; f.onnx declares 3"),
    (TensorInfo("x", (None, 3, 4), "float32"), {"x": (1, 3, 5)}, "disagrees with f.onnx in dimension 2"),
    (TensorInfo("x", (None, 4), "string"), {}, "is string, which edgebench cannot synthesise"),
    (TensorInfo("x", (None, 4), "a TorchScript int"), {}, "which edgebench cannot synthesise"),
])
def test_inputs_edgebench_cannot_synthesise_are_one_line_errors(info, shapes, message):
    with pytest.raises(UsageError, match=message):
        concrete(info, shapes=shapes)


def test_a_shape_given_for_another_files_open_input_is_not_held_against_a_file_that_fixes_it():
    nhwc = TensorInfo("input", (None, 32, 32, 3), "float32")
    with pytest.raises(UsageError, match="disagrees"):
        concrete(nhwc, shapes={"input": (1, 3, 32, 32)})
    specs, _ = concrete(nhwc, shapes={"input": (1, 3, 32, 32)}, open_elsewhere={"input"})
    assert specs[0].shape == (32, 32, 3)


def test_inputs_whose_first_dimensions_differ_have_no_batch_dimension():
    with pytest.raises(UsageError, match="first dimensions differ"):
        concrete(TensorInfo("a", (1, 4), "float32"), TensorInfo("b", (2, 4), "float32"))


def test_integer_inputs_get_the_given_range_the_embedding_rows_the_8_bit_range_or_a_small_one():
    given, vocab, byte, small, mask, flag = concrete(
        TensorInfo("ids", (None, 8), "int64"), TensorInfo("tok", (None, 8), "int64", vocab=30522),
        TensorInfo("q", (None, 8), "uint8"), TensorInfo("seg", (None, 8), "int32"),
        TensorInfo("attention_mask", (None, 8), "int64"), TensorInfo("b", (None, 8), "bool"),
        ranges={"ids": (5, 9)})[0]
    assert (given.kind, given.low, given.high) == ("ids", 5, 9)
    assert (vocab.low, vocab.high) == (0, 30522) and (byte.low, byte.high) == (0, 256)
    assert (small.low, small.high) == concrete_inputs.SMALL_RANGE and mask.kind == "mask"
    assert (flag.low, flag.high) == (0, 2)
    torchscript = concrete(TensorInfo("ids", None, ""), shapes={"ids": (1, 6)}, ranges={"ids": (0, 7)})[0][0]
    assert (torchscript.dtype, torchscript.shape, torchscript.high) == ("int64", (6,), 7)
    with pytest.raises(UsageError, match="a range is for integer inputs"):
        concrete(IMAGE, ranges={"input": (0, 3)})
    with pytest.raises(UsageError, match=r"does not fit the input's uint8 \(0 to 255\)"):
        concrete(TensorInfo("q", (None, 8), "uint8"), ranges={"q": (0, 30522)})


def test_seeded_values_stay_in_their_range_and_are_the_same_item_for_every_batch_size():
    model = dataclasses.replace(FILE, inputs=(
        InputSpec("ids", (16,), "int32", "ids", low=3, high=7), InputSpec("x", (4,), "float16", "tensor"),
        InputSpec("b", (5,), "bool", "ids", low=0, high=2))).spec()
    one, four = inputs.make_inputs(model, 1), inputs.make_inputs(model, 4)
    ids = four["ids"]
    assert ids.dtype == np.int32 and ids.min() >= 3 and ids.max() <= 6 and len(np.unique(ids)) == 4
    assert four["x"].dtype == np.float16 and four["b"].dtype == np.bool_
    assert all(np.array_equal(one[k][0], four[k][0]) for k in one)


@pytest.mark.parametrize("shape, value_range", [("1x3x", "1:"), ("0x3", "3:1"), ("a", "a"), ("1,3", "1,3"), ("", "")])
def test_bad_shapes_and_ranges_are_one_line_errors(shape, value_range):
    with pytest.raises(UsageError, match="--input-shape x="):
        concrete_inputs.parse_shape("x", shape)
    with pytest.raises(UsageError, match="--input-range x="):
        concrete_inputs.parse_range("x", value_range)


def test_ranges_parse_and_high_must_exceed_low():
    assert concrete_inputs.parse_range("ids", "0:30522") == (0, 30522)
    assert concrete_inputs.parse_range("ids", "-3:-1") == (-3, -1)
    with pytest.raises(UsageError):
        concrete_inputs.parse_range("ids", "4:4")


# -- files on disk ----------------------------------------------------------------------------------------------

def test_formats_come_from_suffixes_and_marker_files(tmp_path):
    for fmt, _ in formats.FORMATS.values():
        if fmt.marker:
            (tmp_path / fmt.name).mkdir()
            (tmp_path / fmt.name / fmt.marker).write_bytes(b"x")
            assert store.detect(tmp_path / fmt.name) == fmt
        for suffix in fmt.suffixes:
            path = tmp_path / f"m{suffix.upper()}"
            path.write_bytes(b"x")
            assert store.detect(path) == fmt
    (tmp_path / "m.txt").write_bytes(b"x")
    (tmp_path / "folder").mkdir()
    for path, message in ((tmp_path / "m.txt", "not a model-file type"), (tmp_path / "folder", "is a folder but"),
                          (tmp_path / "none.onnx", "not found")):
        with pytest.raises(UsageError, match=message):
            store.detect(path)


def test_a_files_sha256_is_its_bytes_and_a_folders_the_digest_of_its_files(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"graph")
    assert store.locate(path).sha256 == hashlib.sha256(b"graph").hexdigest()
    folder = tmp_path / "sm"
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"pb")
    (folder / "variables" / "v").write_bytes(b"v")
    found = store.locate(folder)
    files = {f"savedmodel/{n}": hashlib.sha256(d).hexdigest() for n, d in
             (("saved_model.pb", b"pb"), ("variables/v", b"v"))}
    assert found.sha256 == store.digest(files) and found.stem == "sm"
    (folder / "variables" / "v").write_bytes(b"w")
    assert store.locate(folder).sha256 != found.sha256


def test_the_copy_is_verified_and_the_users_file_only_read(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"graph")
    before = path.stat()
    copy = store.copy_into(tmp_path / "cache", store.locate(path))
    assert (copy / "model.onnx").read_bytes() == b"graph" and copy.parent.name == hashlib.sha256(b"graph").hexdigest()
    meta = json.loads((copy / "artifact.json").read_text())
    assert meta["model_sha256"] == copy.parent.name and meta["given_as"] == "m.onnx"
    (copy / "model.onnx").write_bytes(b"tampered")
    store.copy_into(tmp_path / "cache", store.locate(path))
    assert (copy / "model.onnx").read_bytes() == b"graph"
    assert path.stat().st_mtime_ns == before.st_mtime_ns and path.read_bytes() == b"graph"


def test_a_graph_with_companions_is_copied_and_hashed_with_them_and_not_taken_without_them(tmp_path):
    fmt = next(f for f, _ in formats.FORMATS.values() if f.companions)
    graph, companion = tmp_path / f"m{fmt.suffixes[0]}", tmp_path / f"m{fmt.companions[0]}"
    graph.write_bytes(b"graph")
    with pytest.raises(UsageError, match=f"its {fmt.companions[0]} file m{fmt.companions[0]} is not beside it"):
        store.locate(graph)
    companion.write_bytes(b"weights")
    found = store.locate(graph)
    named = {fmt.file: b"graph", fmt.file.rsplit(".", 1)[0] + fmt.companions[0]: b"weights"}
    assert found.sha256 == hashlib.sha256("".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in
                                                  sorted(named.items())).encode()).hexdigest()
    copy = store.copy_into(tmp_path / "cache", found)
    assert {n: (copy / n).read_bytes() for n in named} == named
    companion.write_bytes(b"other weights")
    assert store.locate(graph).sha256 != found.sha256


def test_a_conversion_made_per_batch_size_names_its_batch_unless_the_file_fixes_it():
    converter, conversion = next((r, c) for r in FRAMEWORKS.values() for c in r.converts if r.per_batch)
    way = formats.Route(converter.name, conversion)
    dynamic = dataclasses.replace(FILE, format=conversion.source, batch=None)
    assert file_cache.conversion_base(dynamic, way, 3) == f"{conversion.target}-b3-by-{converter.name}"
    fixed = dataclasses.replace(dynamic, batch=2)
    assert file_cache.conversion_base(fixed, way, 2) == f"{conversion.target}-b2-by-{converter.name}"
    other, once = next((r, c) for r in FRAMEWORKS.values() for c in r.converts if not r.per_batch)
    assert file_cache.conversion_base(dynamic, formats.Route(other.name, once), 3) == f"{once.target}-by-{other.name}"


def test_names_are_stems_made_unique_with_the_sha256_and_checked(tmp_path):
    made = []
    for folder, data in (("a", b"1"), ("b", b"2"), ("c", b"3")):
        (tmp_path / folder).mkdir()
        for stem in ("net", "tinycnn", "other"):
            (tmp_path / folder / f"{stem}.onnx").write_bytes(data + stem.encode())
        made.append(tmp_path / folder)
    found = [store.locate(made[0] / "net.onnx"), store.locate(made[1] / "net.onnx"),
             store.locate(made[0] / "tinycnn.onnx"), store.locate(made[2] / "other.onnx")]
    names = store.names(found)
    assert names[0] == f"net-{found[0].sha256[:8]}" and names[1] == f"net-{found[1].sha256[:8]}"
    assert names[2] == f"tinycnn-{found[2].sha256[:8]}" and names[3] == "other"  # not the built-in model's name
    with pytest.raises(UsageError, match="are the same model"):
        store.names([found[0], found[0]])
    bad = tmp_path / "my model.onnx"
    bad.write_bytes(b"x")
    with pytest.raises(UsageError, match="invalid model name .* 'my model': use letters"):
        store.names([store.locate(bad)])
    longs = [folder / f"{'n' * 60}.onnx" for folder in made[:2]]
    for i, path in enumerate(longs):
        path.write_bytes(bytes([i]))
    assert store.names([store.locate(longs[0])]) == ["n" * 60]
    with pytest.raises(UsageError, match="at most 64 characters"):  # with the sha256's 8 digits: too long
        store.names([store.locate(p) for p in longs])


# -- grid keys, cells, rows ---------------------------------------------------------------------------------------

def test_grid_files_give_model_files_relative_to_themselves_and_input_tables(tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"x")
    grid = tmp_path / "grid.toml"
    grid.write_text('model_files = ["m.onnx"]\nbatch_sizes = [2]\n[input_shapes]\ninput = "1x3x8x8"\n'
                    '[input_ranges]\nids = [0, 7]\n')
    spec = config.load(None, grid, {"input_shapes": {"other": "1x4"}})
    assert spec.model_files == (str(tmp_path / "m.onnx"),) and spec.models == ()
    assert dict(spec.input_shapes) == {"input": (1, 3, 8, 8), "other": (1, 4)}
    assert dict(spec.input_ranges) == {"ids": (0, 7)}
    assert spec.frameworks == tuple(n for n in FRAMEWORKS if n in formats.runtimes("onnx"))
    kept = config.load(None, grid, {"models": ["tinycnn"], "frameworks": ["pytorch"]})
    assert kept.models == ("tinycnn",) and kept.frameworks == ("pytorch",)
    json.dumps(spec.to_dict())  # recorded in the manifest
    with pytest.raises(UsageError, match="must be a table"):
        config.merge(config.GridSpec(), {"input_shapes": ["1x3"]}, "grid.toml")


def test_model_files_follow_the_built_in_models_with_one_source_per_framework():
    frameworks = ("onnxruntime", "pytorch")
    grid = config.GridSpec(models=("tinycnn",), frameworks=frameworks, sources=("tensorflow",), batch_sizes=(1, 2))
    spec.register(FILE.spec())
    cells = plan.expand(grid, (FILE,))
    mine = [c for c in cells if c.model_file]
    assert [c.model for c in cells[: len(cells) - len(mine)]] == ["tinycnn"] * (len(cells) - len(mine))
    assert [(c.framework, c.source, c.batch_size) for c in mine] == [
        ("onnxruntime", FILE_SOURCE, 1), ("onnxruntime", FILE_SOURCE, 2), ("pytorch", FILE_SOURCE, 1),
        ("pytorch", FILE_SOURCE, 2)]
    assert mine[0].cell_id == "mine-onnxruntime-file-b1-cpu-t1-r0"
    plan.validate(dataclasses.replace(grid, models=(), model_files=("/x/mine.onnx",)))
    with pytest.raises(Exception, match="no models"):
        plan.validate(dataclasses.replace(grid, models=()))


def test_a_cell_carries_its_model_file_across_the_process_boundary():
    cell = Cell("mine", "onnxruntime", FILE_SOURCE, 1, "cpu", 1, 0, model_file=FILE)
    back = CellRequest.from_json(CellRequest(cell, "/a").to_json()).cell
    assert back == cell and back.model_file.inputs[0].shape == (3, 8, 8)
    spec.register(back.model_file.spec())
    assert spec.get("mine").inputs == FILE.inputs and spec.get("mine").family == "cnn"
    with pytest.raises(ValueError):
        spec.register(dataclasses.replace(FILE, name="tinycnn").spec())


def test_a_file_that_fixes_its_batch_or_has_no_route_is_an_unsupported_row_before_any_build():
    fixed = dataclasses.replace(FILE, batch=1)
    got = file_cache.prepare(None, Cell("mine", "onnxruntime", FILE_SOURCE, 4, "cpu", 1, 0, model_file=fixed))
    assert (got.failure.status, got.failure.error_class) == ("unsupported", "FixedBatch")
    assert "fixes its batch dimension to 1" in got.failure.error_message
    reader = next(n for n in FRAMEWORKS if not formats.route("onnx", n).supported)
    got = file_cache.prepare(None, Cell("mine", reader, FILE_SOURCE, 1, "cpu", 1, 0, model_file=FILE))
    assert got.failure.error_class == "NoConversion" and "no conversion from ONNX" in got.failure.error_message


def test_plan_marks_a_file_cell_without_a_conversion_or_at_a_batch_size_the_file_does_not_take():
    from runner.cli import planning

    reader = next(n for n in FRAMEWORKS if not formats.route("onnx", n).supported)
    marks = planning._file_marks(Cell("mine", reader, FILE_SOURCE, 1, "cpu", 1, 0, model_file=FILE))
    assert [m.kind for m in marks] == ["conversion"] and "no conversion from ONNX" in marks[0].reason
    fixed = Cell("mine", "onnxruntime", FILE_SOURCE, 2, "cpu", 1, 0, model_file=dataclasses.replace(FILE, batch=1))
    assert planning.cell_mark(planning._file_marks(fixed)) == "cannot run here: no batch size the file fixes"
    assert planning._file_marks(dataclasses.replace(fixed, batch_size=1)) == []


def test_rows_of_a_model_file_carry_its_sha256_format_and_reference_framework():
    cell = Cell("mine", "onnxruntime", FILE_SOURCE, 1, "cpu", 1, 0, model_file=FILE)
    where = Where("r", "box", "x86", dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    failure = Prepared(reference_framework="onnxruntime")
    row = cell_rows(cell, where, Outcome("unsupported", None, "X", "why"), failure, Readings()).row
    assert (row["model"], row["model_sha256"], row["model_format"]) == ("mine", FILE.sha256, "onnx")
    builtin = cell_rows(dataclasses.replace(cell, model="tinycnn", model_file=None), where,
                        Outcome("unsupported", None, "X", "why"), Prepared(), Readings()).row
    assert builtin["model_sha256"] is None and builtin["model_format"] is None


def test_a_model_files_inputs_key_changes_with_its_concrete_inputs():
    wider = dataclasses.replace(FILE, inputs=(InputSpec("input", (3, 9, 9), "float32", "tensor"),))
    assert FILE.inputs_key != wider.inputs_key and len(FILE.inputs_key) == 8
    assert ModelFile.from_dict(json.loads(json.dumps(FILE.to_dict()))) == FILE
