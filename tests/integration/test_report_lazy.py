"""Report and compare at scale read latencies lazily: on runs made by the real CLI with the null adapter,
the tables and verdicts with latencies read only where needed are those with every latency read, and the
latencies parts a report does not need are never opened."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict, List

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from runner.cli.main import app
from runner.estimate import Repetition, estimate
from runner.report.compare import compare
from runner.report.findings import evaluate
from runner.report.load import Dataset, load
from runner.report.summarize import aggregate
from tests.conftest import EDGEBENCH, FAST

#: 2 ms calls (a few hundred per cell: a CI of the median) and 30 ms calls (about 10 per cell: none).
GRID = ["--preset", "smoke", "--frameworks", "null", "-o", "sleep_s=0.002,0.03", "-o", "jitter=0.05",
        "--repetitions", "3", *FAST]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Dict[str, Path]:
    root = tmp_path_factory.mktemp("lazy")
    for run_id in ("a", "b"):
        proc = subprocess.run([*EDGEBENCH, "run", *GRID, "--out", "res", "--run-id", run_id], capture_output=True,
                              text=True, timeout=300, cwd=root)
        assert proc.returncode == 0, proc.stderr
    return {"a": root / "res" / "a", "b": root / "res" / "b", "res": root / "res", "root": root}


def _eager(paths: List[Path]) -> Dataset:
    """The dataset with every latencies part read up front."""
    ds = load(paths)
    for d, c in zip(ds.cells["run_dir"], ds.cells["cell_id"]):
        ds.cell_latencies(d, c)
    return ds


def _short(ds: Dataset) -> pd.Series:
    return ds.cells["latency_p50_ci95_low_s"].isna() & (ds.cells["status"] == "ok")


def test_the_grid_has_cells_with_and_without_a_ci(runs):
    ds = load([runs["res"]])
    assert (ds.cells["status"] == "ok").all() and len(ds.cells) == 12
    assert _short(ds).sum() == 6 and (ds.cells.loc[_short(ds), "iterations"] < 16).all()


def test_lazy_tables_and_verdicts_are_the_eager_ones(runs):
    paths = [runs["res"]]
    lazy, eager = load(paths), _eager(paths)
    pd.testing.assert_frame_equal(aggregate(lazy.cells, lazy.cell_latencies),
                                  aggregate(eager.cells, eager.cell_latencies))
    assert [(v.finding.id, v.verdict, v.detail) for v in evaluate(lazy)] == \
        [(v.finding.id, v.verdict, v.detail) for v in evaluate(eager)]
    one, other = (compare(load([runs["a"]]), load([runs["b"]]))[0], compare(_eager([runs["a"]]),
                                                                             _eager([runs["b"]]))[0])
    assert [(m.name, m.verdict, m.ratio) for m in one] == [(m.name, m.verdict, m.ratio) for m in other]
    assert len(lazy._latency_cache) == 6 and len(eager._latency_cache) == 12


def test_raw_latencies_everywhere_move_a_ci_by_less_than_the_within_process_ci(runs):
    """The estimate from every cell's raw latencies (the CI columns ignored) against the one the report uses:
    the same value; CI ends apart by less than one within-process CI half-width (the columns' split normal
    against the order statistics of the same latencies), identical where the cells have no CI columns."""
    eager = _eager([runs["res"]])
    agg = aggregate(eager.cells, eager.cell_latencies)
    for _, row in agg.iterrows():
        raw = estimate([Repetition(r.value, latencies=eager.cell_latencies(*part))
                        for r, part in zip(row["reps"], row["parts"])])
        assert raw.value == row["p50_s"] and raw.values == row["estimate"].values
        half = 0.0 if pd.isna(row["within_rel_ci"]) else row["within_rel_ci"] * row["p50_s"]
        assert abs(raw.low - row["p50_low_s"]) <= half + 1e-12 and abs(raw.high - row["p50_high_s"]) <= half + 1e-12


def _in_process(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_report_and_compare_never_open_latencies_they_do_not_need(runs, tmp_path):
    """Every latencies part of a cell with a CI replaced by garbage: report and compare print what they print
    with the parts intact."""
    before = [_in_process("report", str(runs["res"])), _in_process("compare", str(runs["a"]), str(runs["b"]))]
    ds = load([runs["res"]])
    spoiled = [Path(d) / "latencies" / f"part-{c}.parquet" for d, c in zip(ds.cells["run_dir"], ds.cells["cell_id"])
               if not np.isnan(ds.cells.set_index("cell_id").loc[c, "latency_p50_ci95_low_s"].min())]
    assert len(spoiled) == 6
    for part in spoiled:
        part.write_bytes(b"not a parquet file")
    after = [_in_process("report", str(runs["res"])), _in_process("compare", str(runs["a"]), str(runs["b"]))]
    for b, a in zip(before, after):
        assert b.exit_code == a.exit_code == 0, a.output
        assert a.stdout == b.stdout
