"""The DuckDB recipes of README.md run on results laid out by the real Sink."""

from __future__ import annotations

import re

import duckdb
import pytest

from tests.conftest import REPO
from tests.unit.report.conftest import row

README = (REPO / "README.md").read_text()
RECIPES = re.findall(r"```sql\n(.*?)```", README, re.S)


def test_there_are_recipes_and_every_picture_exists_and_is_small():
    assert len(RECIPES) >= 5
    pictures = set(re.findall(r"\((docs/[^)]+\.png)\)", README))
    assert {"docs/quick/report.png", "docs/pcamp/report.png", "docs/pcamp/cold_start.png"} <= pictures
    for rel in pictures:
        data = (REPO / rel).read_bytes()
        assert data[:4] == b"\x89PNG" and len(data) < 300_000, rel


@pytest.mark.parametrize("sql", RECIPES, ids=[f"recipe{i}" for i in range(len(RECIPES))])
def test_recipe_runs(make_run, tmp_path, sql):
    make_run([row("pytorch", energy_j=0.2), row("tensorflow", p50_ms=20)], run_id="a")
    make_run([row("pytorch", framework_version="2.0"), row("mxnet", status="crashed", error_class="SIGSEGV")],
             run_id="b")
    results = (tmp_path / "results").as_posix()
    rows = duckdb.sql(sql.replace("'results/", f"'{results}/")).fetchall()
    assert rows, sql
