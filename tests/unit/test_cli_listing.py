"""``edgebench list``, in process (Typer's CliRunner): every listing, each framework's options and values."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from runner import catalog
from runner.cli.listing import LISTINGS
from runner.cli.main import app

cli = CliRunner()


def invoke(*args: str):
    return cli.invoke(app, list(args), catch_exceptions=False)


def test_list_options_shows_every_records_option_its_default_and_valid_values():
    result = invoke("list", "options")
    assert result.exit_code == 0
    header, *lines = result.stdout.splitlines()
    assert header.split()[:4] == ["framework", "option", "default", "valid"]
    expected = catalog.options()
    assert len(lines) == len(expected) and expected
    for line, (framework, option) in zip(lines, expected):
        assert line.split()[:3] == [framework, option.name, option.default]
        assert option.valid.replace(", ", "|") in line
    assert any(line.startswith("tflite") and "xnnpack" in line and "on|off" in line for line in lines)


@pytest.mark.parametrize("what", sorted(LISTINGS))
def test_every_listing_prints_lines(what, tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEBENCH_CACHE", str(tmp_path))
    result = invoke("list", what)
    assert result.exit_code == 0 and result.stdout.strip()


def test_list_frameworks_has_one_line_per_record_with_its_artifact():
    header, *lines = invoke("list", "frameworks").stdout.splitlines()
    assert header.split()[:3] == ["framework", "env", "artifact"]
    assert [line.split()[0] for line in lines] == list(catalog.FRAMEWORKS)
    assert all(line.split()[2] == r.artifact for line, r in zip(lines, catalog.FRAMEWORKS.values()))


@pytest.mark.parametrize("what", sorted(set(LISTINGS) - {"artifacts"}))
def test_every_listing_has_a_header_and_aligned_columns(what):
    header, *lines = invoke("list", what).stdout.split("\n\n")[0].splitlines()
    first, second = header.split()[:2]
    assert first in ("model", "framework", "preset", "provider", "column", "format")
    start = header.index(f"  {second}") + 2
    for line in lines:  # the second column starts at the same place on every line
        assert line[start - 2:start] == "  " and len(line[:start].split()) == 1, (what, line)


def test_list_models_shows_input_shapes_dtypes_and_that_weights_are_seeded():
    header, *lines = invoke("list", "models").stdout.splitlines()
    assert header.split()[:3] == ["model", "family", "inputs"]
    by_model = {line.split()[0]: line for line in lines if line}
    assert "input float32[N,3,224,224]" in by_model["resnet50"]
    assert "input_ids int64[N,128]" in by_model["bert_base"] and "attention_mask int64[N,128]" in by_model["bert_base"]
    assert "seeded" in lines[-1] and "not trained" in lines[-1]


def test_list_artifacts_shows_each_cached_artifact_with_its_size(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEBENCH_CACHE", str(tmp_path))
    folder = tmp_path / "artifacts" / "tinycnn" / "onnx-from-pytorch-9.9"
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"x" * 1234)
    (folder / "artifact.json").write_text(json.dumps({"files": {"model.onnx": "00"}}))
    header, line = invoke("list", "artifacts").stdout.splitlines()
    assert header.split() == ["model", "artifact", "size", "folder"]
    assert line.split()[:4] == ["tinycnn", "onnx-from-pytorch-9.9", "1.2", "KiB"]
    sha = "ab" * 32
    for name, meta in (("file", {"files": {"model.onnx": "00"}, "given_as": "my.onnx"}),
                       ("onnx-by-tensorflow9.9-in01234567", {"files": {}})):
        (tmp_path / "models" / sha / name).mkdir(parents=True)
        (tmp_path / "models" / sha / name / "artifact.json").write_text(json.dumps(meta))
    _, _, copy, converted = invoke("list", "artifacts").stdout.splitlines()
    assert copy.split()[:3] == ["my.onnx", f"({sha[:12]})", "file"]
    assert converted.split()[:3] == ["my.onnx", f"({sha[:12]})", "onnx-by-tensorflow9.9-in01234567"]


def test_plan_accepts_an_option_of_a_framework_in_the_grid_and_rejects_a_bad_value():
    ok = invoke("plan", "--frameworks", "tflite", "--models", "tinycnn", "-o", "xnnpack=off")
    assert ok.exit_code == 0 and "xnnpack=off" in ok.stdout
    bad = cli.invoke(app, ["plan", "--frameworks", "tflite", "-o", "xnnpack=maybe"])
    assert bad.exit_code == 2
    assert "invalid value 'maybe' for option xnnpack (tflite)" in bad.output and "valid: on, off" in bad.output
