"""Grid expansion: documented order, validation before anything runs, option dimensions."""

from __future__ import annotations

import dataclasses

import pytest

from runner import config, plan
from runner.config import GridSpec
from runner.errors import GridError


def ids(spec):
    return [c.cell_id for c in plan.expand(spec)]


GRID = GridSpec(models=("tinycnn", "alexnet"), frameworks=("pytorch", "onnxruntime"),
                sources=("pytorch", "tensorflow"), batch_sizes=(1, 4), providers=("cpu",), threads=(1, 2),
                repetitions=2)


def _keys(cells):
    return [(c.model, c.framework, c.source, c.batch_size, c.provider, c.threads, c.repetition) for c in cells]


def test_sequential_order_is_model_framework_source_batch_provider_threads_repetition():
    keys = _keys(plan.expand(dataclasses.replace(GRID, order="sequential")))
    assert len(keys) == 2 * (1 + 2) * 2 * 2 * 2
    assert keys[:3] == [("tinycnn", "pytorch", "pytorch", 1, "cpu", 1, 0),
                        ("tinycnn", "pytorch", "pytorch", 1, "cpu", 1, 1),
                        ("tinycnn", "pytorch", "pytorch", 1, "cpu", 2, 0)]
    # the model varies slowest, the repetition fastest; ONNX Runtime expands its sources in grid order
    assert [k[0] for k in keys] == sorted([k[0] for k in keys], key=["tinycnn", "alexnet"].index)
    ort = [k for k in keys if k[1] == "onnxruntime" and k[0] == "tinycnn"]
    assert [k[2] for k in ort] == ["pytorch"] * 8 + ["tensorflow"] * 8


def test_interleaved_order_runs_every_configuration_once_per_round():
    assert GRID.order == "interleaved"
    keys = _keys(plan.expand(GRID))
    configs = _keys(plan.configurations(GRID))
    assert len(keys) == 2 * len(configs)
    assert keys[: len(configs)] == configs  # round 0: configuration order, repetition 0
    assert keys[len(configs):] == [k[:-1] + (1,) for k in configs]


def test_shuffled_order_permutes_each_round_reproducibly_from_the_seed():
    spec = dataclasses.replace(GRID, order="shuffled", seed=11, repetitions=3)
    first, again = _keys(plan.expand(spec)), _keys(plan.expand(spec))
    other = _keys(plan.expand(dataclasses.replace(spec, seed=12)))
    n = len(plan.configurations(spec))
    rounds = [first[i * n:(i + 1) * n] for i in range(3)]
    assert first == again and first != other
    assert all(sorted(r) == sorted(k[:-1] + (i,) for k in _keys(plan.configurations(spec)))
               for i, r in enumerate(rounds))
    assert rounds[0] != [k[:-1] + (0,) for k in _keys(plan.configurations(spec))]  # permuted
    assert [k[:-1] for k in rounds[0]] != [k[:-1] for k in rounds[1]]  # each round its own permutation


def test_order_and_seed_come_from_grid_files_and_a_missing_seed_is_drawn(tmp_path):
    grid = tmp_path / "g.toml"
    grid.write_text('order = "shuffled"\nrepetitions = 2\n')
    spec = config.load(None, grid, {})
    assert spec.order == "shuffled" and isinstance(spec.seed, int)
    assert "seed" in spec.to_dict() and plan.describe_order(spec).startswith("order shuffled")
    assert config.load(None, grid, {"seed": 5}).seed == 5
    assert config.load("quick", None, {}).order == "interleaved"


@pytest.mark.parametrize("name", [p for p in config.PRESETS if p != "smoke"])
def test_presets_other_than_smoke_run_three_repetitions_or_more(name):
    assert config.preset(name).repetitions >= 3


def test_cell_ids_are_unique_and_readable():
    cells = plan.expand(config.preset("greenai"))
    assert len({c.cell_id for c in cells}) == len(cells)
    assert "resnet50-onnxruntime-mxnet-b64-tensorrt" in " ".join(c.cell_id for c in cells)


def test_providers_a_framework_does_not_know_are_not_expanded():
    cells = plan.expand(GridSpec(frameworks=("pytorch", "onnxruntime"), providers=("cpu", "tensorrt")))
    assert {(c.framework, c.provider) for c in cells} == {("pytorch", "cpu"), ("onnxruntime", "cpu"),
                                                         ("onnxruntime", "tensorrt")}


def test_options_are_a_dimension_for_the_frameworks_that_take_them():
    spec = GridSpec(frameworks=("null", "pytorch"), options=(("fault", ("none", "segfault")),))
    assert ids(spec) == ["tinycnn-null-b1-cpu-t1-r0-fault=none", "tinycnn-null-b1-cpu-t1-r0-fault=segfault",
                         "tinycnn-pytorch-b1-cpu-t1-r0"]


def test_an_option_is_validated_against_the_records_of_the_grids_frameworks():
    """``-o xnnpack=off`` belongs to one framework: valid with it in the grid, a dimension of its cells only."""
    spec = GridSpec(frameworks=("null", "tflite"), sources=("pytorch",), options=(("xnnpack", ("off", "on")),))
    assert ids(spec) == ["tinycnn-null-b1-cpu-t1-r0", "tinycnn-tflite-tensorflow-b1-cpu-t1-r0-xnnpack=off",
                         "tinycnn-tflite-tensorflow-b1-cpu-t1-r0-xnnpack=on"]


@pytest.mark.parametrize("frameworks, option, message, hint", [
    (("tflite",), ("xnnpack", ("maybe",)), "invalid value 'maybe' for option xnnpack (tflite)", "valid: on, off"),
    (("null",), ("fault", ("none", "segfalt")), "invalid value 'segfalt' for option fault", "segfault"),
    (("null",), ("sleep_s", ("-1",)), "option sleep_s wants a number >= 0, got '-1'", "a number >= 0"),
    (("null",), ("sleep_s", ("nan",)), "wants a number >= 0, got 'nan'", "a number >= 0"),
    (("pytorch",), ("xnnpack", ("off",)), "unknown option 'xnnpack' for the frameworks pytorch",
     "'xnnpack' is an option of tflite"),
    (("pytorch",), ("xnnpak", ("off",)), "unknown option 'xnnpak'", "did you mean 'xnnpack'?"),
])
def test_a_bad_option_is_one_line_with_the_valid_values(frameworks, option, message, hint):
    with pytest.raises(GridError) as err:
        plan.expand(GridSpec(frameworks=frameworks, options=(option,)))
    assert message in str(err.value) and "\n" not in str(err.value)
    assert hint in err.value.hint


@pytest.mark.parametrize("change, message", [
    ({"models": ("resnet51",)}, "unknown model 'resnet51'"),
    ({"frameworks": ("pytorch", "pytorch")}, "'pytorch' is listed twice"),
    ({"models": ()}, "the grid has no models"),
    ({"batch_sizes": (0,)}, "batch sizes must be >= 1"),
    ({"providers": ("tpu",)}, "unknown provider 'tpu'"),
    ({"frameworks": ("tflite",), "providers": ("cuda",)}, "knows none of the providers"),
    ({"frameworks": ("onnxruntime",), "sources": ("caffe2",)}, "unknown source 'caffe2'"),
    ({"repetitions": 0}, "repetitions must be >= 1"),
    ({"options": (("nope", ("1",)),)}, "unknown option 'nope'"),
    ({"order": "random"}, "unknown order 'random'"),
    ({"order": "shuffled"}, "order 'shuffled' needs a seed"),
])
def test_invalid_grids_fail_before_anything_runs(change, message):
    with pytest.raises(GridError) as err:
        plan.expand(dataclasses.replace(GridSpec(), **change))
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert err.value.hint


def test_unknown_name_hint_suggests_the_closest_choice():
    with pytest.raises(GridError) as err:
        plan.expand(GridSpec(models=("resnet5",)))
    assert "did you mean 'resnet50'" in err.value.hint


@pytest.mark.parametrize("name", config.PRESETS)
def test_presets_expand(name):
    assert plan.expand(config.preset(name))


def test_greenai_preset_covers_the_study():
    cells = plan.expand(config.preset("greenai"))
    assert {c.model for c in cells} == {"resnet50", "mobilenet_v2", "bert_base"}
    assert {c.batch_size for c in cells} == {1, 64}
    assert {c.source for c in cells if c.framework == "onnxruntime"} == {"pytorch", "tensorflow", "mxnet"}
    assert {c.provider for c in cells if c.framework == "onnxruntime"} == {"cpu", "cuda", "tensorrt"}


def test_pcamp_preset_covers_the_five_packages():
    spec = config.preset("pcamp")
    assert set(spec.frameworks) == {"tensorflow", "caffe2", "mxnet", "pytorch", "tflite"}
    assert {"alexnet", "squeezenet1_0", "squeezenet1_1"} <= set(spec.models)
