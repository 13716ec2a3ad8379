"""Reading many runs at once: every cells part in one scan (the same table as part by part), and latencies
parts read only for the cells whose CI the estimator cannot take from the cells table."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from runner.report import load as loading
from runner.report import parts as parts_io
from runner.report.compare import compare
from runner.report.findings import evaluate
from runner.report.summarize import aggregate
from tests.unit.report.conftest import reps, row


def _runs(make_run, short: bool = False) -> List[Path]:
    """Two runs of three configurations × 3 repetitions; with ``short`` one configuration's cells have 10
    latencies (too few for a CI of the median)."""
    extra = {"latency_count": 10} if short else {}
    configs = [row("pytorch", p50_ms=10), row("tensorflow", p50_ms=12), row("mxnet", p50_ms=11, **extra)]
    return [make_run([r for c in configs for r in reps(c)], run_id=run_id) for run_id in ("a", "b")]


def _frame(table: pa.Table) -> pd.DataFrame:
    return loading._conform(table).to_pandas()


def test_parts_read_together_are_the_parts_read_apart(make_run):
    runs = _runs(make_run)
    parts = [p for d in runs for p in parts_io.run_parts(d)]
    together = _frame(parts_io.read_together(parts))
    pd.testing.assert_frame_equal(together, _frame(parts_io.read_apart(parts, [])))
    assert together["run_dir"].tolist() == [str(p.parent.parent) for p in parts]
    backwards = _frame(parts_io.read_together(parts[::-1]))
    assert backwards["cell_id"].tolist() == together["cell_id"].tolist()[::-1]


def test_a_part_of_several_rows_keeps_their_order(make_run):
    run = _runs(make_run)[0]
    parts = sorted((run / "cells").glob("part-*.parquet"))
    merged = pa.concat_tables([pq.read_table(p) for p in parts[::-1]])
    for p in parts:
        p.unlink()
    pq.write_table(merged, run / "cells" / "part-all.parquet", row_group_size=2)
    assert loading.load([run]).cells["cell_id"].tolist() == merged.column("cell_id").to_pylist()


def test_a_part_with_other_columns_is_read_apart_and_conformed(make_run):
    run = _runs(make_run)[0]
    part = sorted((run / "cells").glob("part-*.parquet"))[-1]
    table = pq.read_table(part)
    pq.write_table(table.drop_columns(["latency_p99_s"]), part)  # same version, one column fewer
    ds = loading.load([run])
    assert len(ds.cells) == 9 and ds.cells["latency_p99_s"].isna().sum() >= 1
    assert ds.cells["latency_p50_s"].notna().all()


class Counting:
    """The real latencies reader, counting the parts it was asked for."""

    def __init__(self) -> None:
        self.paths: List[Path] = []

    def __call__(self, path: Path) -> Optional[np.ndarray]:
        self.paths.append(path)
        return loading.read_latencies(path)


def _everything(ds: loading.Dataset) -> None:
    """What report and compare compute: the tables, the verdicts, a comparison."""
    aggregate(ds.cells, ds.cell_latencies)
    evaluate(ds)
    compare(ds, ds)


def test_cells_with_a_ci_read_no_latencies(make_run):
    counting = Counting()
    _everything(loading.load([p.parent for p in _runs(make_run)][:1], read_part=counting))
    assert counting.paths == []


def test_only_cells_without_a_ci_read_their_latencies_once(make_run):
    runs = _runs(make_run, short=True)
    counting = Counting()
    ds = loading.load([runs[0].parent], read_part=counting)
    _everything(ds)
    short = ds.cells[ds.cells["latency_p50_ci95_low_s"].isna()]
    assert len(short) == 6 and sorted(map(str, counting.paths)) == sorted(
        str(Path(d) / "latencies" / f"part-{c}.parquet") for d, c in zip(short["run_dir"], short["cell_id"]))
    raw = aggregate(ds.cells, ds.cell_latencies).set_index("framework")
    alone = aggregate(ds.cells).set_index("framework")  # no reader: the short cells have only their p50
    assert raw.loc["pytorch", "estimate"] == alone.loc["pytorch", "estimate"]
    assert raw.loc["mxnet", "estimate"].bootstrap != alone.loc["mxnet", "estimate"].bootstrap  # latencies used


def test_a_part_without_rows_is_read_apart_skipped_and_named(make_run):
    run = _runs(make_run)[0]
    part = sorted((run / "cells").glob("part-*.parquet"))[0]
    table = pq.read_table(part)
    pq.write_table(table.slice(0, 0), part)  # a cells table's schema and version, no row
    ds = loading.load([run])
    assert len(ds.cells) == 8 and ds.skipped == [f"skipped unreadable part {part}: not a cells table"]


def test_a_subset_shares_the_latencies_read_and_the_parts_skipped(make_run):
    runs = _runs(make_run, short=True)
    counting = Counting()
    ds = loading.load([runs[0]], read_part=counting)
    short = ds.cells[ds.cells["latency_p50_ci95_low_s"].isna()]
    damaged = Path(short["run_dir"].iloc[0]) / "latencies" / f"part-{short['cell_id'].iloc[0]}.parquet"
    damaged.write_bytes(b"PAR1")
    sub = ds.subset(ds.cells["framework"] == "mxnet")
    aggregate(sub.cells, sub.cell_latencies)
    assert len(counting.paths) == 3 and len(ds._latency_cache) == 3
    assert [line.split(":")[0] for line in ds.skipped] == [f"skipped unreadable part {damaged}"]
    aggregate(ds.cells, ds.cell_latencies)
    assert len(counting.paths) == 3  # read once, through the subset
