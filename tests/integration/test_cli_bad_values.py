"""Bad numbers and grid values of any type: one line, a hint, exit 2, nothing run and nothing written."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from runner.cell import Budget
from runner.cli.main import app
from tests.conftest import FAST

NULL = ["--preset", "smoke", "--frameworks", "null"]


def _cli(tmp_path, monkeypatch, *args: str):
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def _one_line_and_hint(res, message: str) -> None:
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    assert len(lines) == 2 and message in lines[0] and lines[1].startswith("hint: "), res.stderr
    assert res.exception is None or isinstance(res.exception, SystemExit)


@pytest.mark.parametrize("args, message", [
    (["--memory-limit", "nan"], "--memory-limit wants a positive size"),
    (["--memory-limit", "inf"], "--memory-limit wants a positive size"),
    (["--memory-limit", "1e30"], "--memory-limit wants a positive size"),
    (["--memory-limit", "-4G"], "--memory-limit wants a positive size"),
    (["--memory-limit", "0"], "--memory-limit wants a positive size"),
    (["--memory-limit", "4X"], "--memory-limit wants a positive size"),
    (["--timeout-s", "nan"], "timeout_s must be finite"),
    (["--timeout-s", "inf"], "timeout_s must be finite"),
    (["--min-time-s", "nan"], "min_time_s must be finite"),
    (["--max-time-s", "inf"], "max_time_s must be finite"),
    (["--warmup-s", "nan"], "warmup_s must be finite"),
    (["--target-rel-ci", "nan"], "target_rel_ci must be finite"),
    (["--idle-s", "nan"], "--idle-s wants a finite number"),
    (["--idle-s", "inf"], "--idle-s wants a finite number"),
    (["--idle-between-s", "-1"], "--idle-between-s wants a finite number"),
    (["--meters", "fake:-5"], "fake meter power '-5'"),
    (["--meters", "fake:nan"], "fake meter power 'nan'"),
    (["--batch-sizes", "1.5"], "wants integers"),
    (["--batch-sizes", "1e9"], "wants integers"),
    (["--repetitions", "10000000"], "more than 100,000"),
])
def test_a_bad_number_is_refused_before_anything_runs(tmp_path, monkeypatch, args, message):
    res = _cli(tmp_path, monkeypatch, "run", *NULL, *FAST[:-4], *args, "--out", "res", "--run-id", "r")
    _one_line_and_hint(res, message)
    assert not (tmp_path / "res").exists()


def test_a_malformed_fake_power_variable_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEBENCH_FAKE_POWER_W", "lots")
    res = _cli(tmp_path, monkeypatch, "run", *NULL, "--meters", "fake", "--out", "res", "--run-id", "r")
    _one_line_and_hint(res, "fake meter power from EDGEBENCH_FAKE_POWER_W")


GRIDS = {
    "budget = 5\n": "'budget' in g.toml must be a table",
    "options = 5\n": "'options' in g.toml must be a table",
    'options = "fault=hang"\n': "'options' in g.toml must be a table",
    '[budget]\nmin_time_s = "abc"\n': "min_time_s must be a number, got 'abc'",
    "[budget]\nmin_iterations = 2.5\n": "min_iterations must be an integer",
    "[budget]\nwarmup_iterations = true\n": "warmup_iterations must be an integer",
    "[budget]\ntimeout_s = nan\n": "timeout_s must be finite",
    "[budget]\nmax_time_s = inf\n": "max_time_s must be finite",
    "[budget]\nmemory_limit_bytes = -1\n": "memory_limit_bytes must be > 0",
    "[budget]\nmemory_limit_bytes = 0\n": "memory_limit_bytes must be > 0",
    "[budget]\nmemory_limit_bytes = 1.5e9\n": "memory_limit_bytes must be an integer",
    "[budget]\nmin_time_s = [1]\n": "min_time_s must be a number",
    "batch_sizes = [1.5]\n": "wants integers, got 1.5",
    "batch_sizes = [true]\n": "wants integers, got True",
    "batch_sizes = {a = 1}\n": "must be a list",
    "repetitions = 1e12\n": "wants integers",
    "repetitions = 1000000000000\n": "more than 100,000",
    "models = [[1]]\n": "unknown model",
    'frameworks = ["null"]\n[options]\nfault = [{a = 1}]\n': "invalid value '{'a': 1}' for option fault",
    b'models = ["\xff\xfe"]\n': "is not UTF-8 text",
    "models = [\n": "is not valid TOML",
}


@pytest.mark.parametrize("text", list(GRIDS), ids=lambda t: str(t)[:30])
def test_a_grid_file_with_a_value_of_the_wrong_type_is_one_line_and_a_hint(tmp_path, monkeypatch, text):
    (tmp_path / "g.toml").write_bytes(text if isinstance(text, bytes) else text.encode())
    res = _cli(tmp_path, monkeypatch, "plan", "--grid", "g.toml")
    _one_line_and_hint(res, GRIDS[text])


@pytest.mark.parametrize("field, value", [("timeout_s", float("nan")), ("min_time_s", float("inf")),
                                          ("memory_limit_bytes", -1), ("memory_limit_bytes", 0),
                                          ("memory_limit_bytes", 2**61), ("target_rel_ci", float("nan"))])
def test_budget_validation_rejects_every_non_finite_or_non_positive_limit(field, value):
    kwargs = {field: value}
    if field == "min_time_s":
        kwargs["max_time_s"] = value
    assert Budget(**kwargs).validate() is not None
    assert Budget().validate() is None and Budget(memory_limit_bytes=2**30).validate() is None
