"""README examples stay honest: its grid file expands, its SQL runs on a real run's Parquet."""

from __future__ import annotations

import re

import duckdb

from runner import config, plan
from tests.conftest import FAST, REPO

README = (REPO / "README.md").read_text()


def blocks(lang: str):
    return re.findall(rf"```{lang}\n(.*?)```", README, re.S)


def test_setup_is_exactly_two_commands():
    setup = README.split("## Set-up on a fresh machine")[1].split("##")[0]
    commands = [ln.split("#")[0].strip() for ln in blocks("sh")[0].splitlines() if ln.strip()]
    assert commands == ["make bench", "make test"]
    assert "make bench" in setup


def test_readme_grid_file_expands(tmp_path):
    (tmp_path / "grid.toml").write_text(blocks("toml")[0])
    cells = plan.expand(config.load(None, tmp_path / "grid.toml", {}))
    assert {c.model for c in cells} == {"alexnet", "squeezenet1_1"}


def test_readme_model_file_grid_loads(tmp_path):
    block = next(b for b in blocks("toml") if "model_files" in b)
    (tmp_path / "grid.toml").write_text(block)
    spec = config.load(None, tmp_path / "grid.toml", {})
    assert spec.model_files == (str(tmp_path / "models" / "my.onnx"), str(tmp_path / "models" / "saved_model_dir"))
    assert (spec.models, spec.input_shapes, spec.input_ranges) == ((), (("input_ids", (1, 128)),),
                                                                   (("input_ids", (0, 30522)),))


def test_readme_sql_runs_on_a_real_run(edgebench, tmp_path):
    edgebench("run", "--preset", "smoke", "--frameworks", "null", "-o", "fault=none,segfault", "--out", "results",
              "--run-id", "r", *FAST)
    con = duckdb.connect()
    for sql in blocks("sql"):
        rows = con.execute(sql.replace("'results/", f"'{tmp_path}/results/")).fetchall()
        assert rows or "energy" in sql, sql  # this run has no energy meter
