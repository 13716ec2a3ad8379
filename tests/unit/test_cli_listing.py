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
    lines = result.stdout.splitlines()
    expected = catalog.options()
    assert len(lines) == len(expected) and expected
    for line, (framework, option) in zip(lines, expected):
        assert line.split()[:2] == [framework, option.name]
        assert f"default {option.default}" in line and option.valid.replace(", ", "|") in line
    assert any(line.startswith("tflite") and "xnnpack" in line and "on|off" in line for line in lines)


@pytest.mark.parametrize("what", sorted(LISTINGS))
def test_every_listing_prints_lines(what, tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEBENCH_CACHE", str(tmp_path))
    result = invoke("list", what)
    assert result.exit_code == 0 and result.stdout.strip()


def test_list_frameworks_has_one_line_per_record_with_its_artifact():
    lines = invoke("list", "frameworks").stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(catalog.FRAMEWORKS)
    assert all(f"artifact={r.artifact}" in line for line, r in zip(lines, catalog.FRAMEWORKS.values()))


def test_list_artifacts_shows_each_cached_artifact_with_its_size(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEBENCH_CACHE", str(tmp_path))
    folder = tmp_path / "artifacts" / "tinycnn" / "onnx-from-pytorch-9.9"
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"x" * 1234)
    (folder / "artifact.json").write_text(json.dumps({"files": {"model.onnx": "00"}}))
    (line,) = invoke("list", "artifacts").stdout.splitlines()
    assert line.split()[:4] == ["tinycnn", "onnx-from-pytorch-9.9", "1,234", "bytes"]


def test_plan_accepts_an_option_of_a_framework_in_the_grid_and_rejects_a_bad_value():
    ok = invoke("plan", "--frameworks", "tflite", "--models", "tinycnn", "-o", "xnnpack=off")
    assert ok.exit_code == 0 and "xnnpack=off" in ok.stdout
    bad = cli.invoke(app, ["plan", "--frameworks", "tflite", "-o", "xnnpack=maybe"])
    assert bad.exit_code == 2
    assert "invalid value 'maybe' for option xnnpack (tflite)" in bad.output and "valid: on, off" in bad.output
