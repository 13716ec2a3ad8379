"""A first terminal table over one or many run folders."""

from __future__ import annotations

from pathlib import Path
from typing import List, Sequence

import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console

from runner.errors import UsageError


def load_cells(run_dirs: Sequence[Path]) -> pa.Table:
    tables: List[pa.Table] = []
    for run_dir in run_dirs:
        parts = sorted(Path(run_dir).glob("cells/part-*.parquet"))
        if not parts:
            raise UsageError(f"no results in {run_dir}", "pass a run folder such as results/<run_id>")
        tables.extend(pq.read_table(p) for p in parts)
    return pa.concat_tables(tables, promote_options="default")


def show(run_dirs: Sequence[Path], console: Console) -> None:
    from runner.cli.progress import summary_table

    rows = load_cells(run_dirs).to_pylist()
    rows.sort(key=lambda r: (r["device"], r["model"], r["batch_size"], r["framework"], r["source"], r["cell_id"]))
    console.print(summary_table(rows))
