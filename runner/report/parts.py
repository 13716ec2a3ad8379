"""The cells parts of many run folders as one table: one DuckDB scan of every part, or part by part.

DuckDB reads every part at once (in parallel, without keeping insertion order or the parsed footers: both
hold ~130-140 KB per part, gigabytes for a fleet's 10^4 parts); the rows are put back in part order.
When any part cannot be read with the others (unreadable, no rows, other columns) every part is read on
its own (``read_part``), so a damaged part is skipped and named and a part of another schema version is a
usage error with a hint, never a silent misreading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from runner.errors import UsageError
from runner.results.schema import CELLS, SCHEMA_VERSION

RUN_DIR_COLUMN = "run_dir"


def _check_version(path: Path, meta: Optional[Dict[bytes, bytes]], first: Optional[str]) -> None:
    """Refuse a part written by another schema version: its metadata's, else its ``schema_version`` column's."""
    version = (meta or {}).get(b"edgebench_schema_version", b"").decode() or first
    if version != SCHEMA_VERSION:
        raise UsageError(f"{path} has schema version {version}, this edgebench reads version {SCHEMA_VERSION}",
                         "report it with the edgebench version that wrote it (see runner_version in the part)")


def read_part(path: Path) -> pa.Table:
    """One cells part, with its schema version checked. Every part goes through here when the parts cannot
    be read together, so this is where an unreadable part is named."""
    table = pq.read_table(path)
    first = table.column("schema_version")[0].as_py() if "schema_version" in table.column_names and \
        table.num_rows else None
    _check_version(path, table.schema.metadata, first)
    return table


def skip(skipped: List[str], path: Path, exc: Exception) -> None:
    """Name an unreadable part (cells or latencies) in ``skipped``, with the first line of why."""
    reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    skipped.append(f"skipped unreadable part {path}: {reason}")


def _readable(path: Path, skipped: List[str]) -> Optional[pa.Table]:
    """One cells part, or None (and a line in ``skipped``) when it cannot be read as one."""
    try:
        table = read_part(path)
    except (OSError, pa.ArrowException) as exc:
        skip(skipped, path, exc)
        return None
    if not table.num_rows or not {"cell_id", "status"} <= set(table.column_names):
        skip(skipped, path, ValueError("not a cells table"))
        return None
    return table


def _no_results(run_dir: Path) -> UsageError:
    return UsageError(f"no results in {run_dir} (cells/ holds no readable part-*.parquet)",
                      "run `edgebench run --out ... --run-id ...` first, or pass another run folder")


def run_parts(run_dir: Path) -> List[Path]:
    parts = sorted((run_dir / "cells").glob("part-*.parquet"))
    if not parts:
        raise _no_results(run_dir)
    return parts


def read_together(parts: List[Path]) -> Optional[pa.Table]:
    """Every part in one DuckDB scan (parallel), rows in the order of ``parts``, with their run folder; the
    schema versions from one more pass over the footers (DuckDB's footer cache would save a fifth of the
    time but holds ~140 KB per part). None when a part holds no rows (read apart, it is skipped and named).
    Raises ``duckdb.Error`` when a part cannot be read, or has columns the first part lacks or lacks some it
    has (columns are matched by name)."""
    import duckdb

    names = [str(p) for p in parts]
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")  # ordered below; kept, it buffers ~130 KB per part
    table = con.sql("SELECT * FROM read_parquet($names, filename = true, file_row_number = true)",
                    params={"names": names}).to_arrow_table()
    meta = {name: {key: value} for name, key, value in con.execute(
        "SELECT file_name, key, value FROM parquet_kv_metadata(?) WHERE key = 'edgebench_schema_version'",
        [names]).fetchall()}
    table, index = _in_order(table.combine_chunks(), names)  # combined: one chunk per file otherwise
    if len(np.unique(index)) < len(parts):
        return None
    versions = table.column("schema_version").to_pylist() if "schema_version" in table.column_names else []
    first = dict(zip(index[::-1].tolist(), versions[::-1]))  # part -> its first row's version
    for i, part in enumerate(parts):
        _check_version(part, meta.get(names[i]), first.get(i))
    folders = np.array([str(p.parent.parent) for p in parts], dtype=object)
    table = _typed(table)
    return table.append_column(RUN_DIR_COLUMN, pa.array(folders[index], pa.string()))


def _in_order(table: pa.Table, names: List[str]) -> Tuple[pa.Table, np.ndarray]:
    """The rows in file order (the position of their ``filename`` in ``names``, then ``file_row_number``),
    without those two columns, and each row's file position."""
    position = {name: i for i, name in enumerate(names)}
    index = np.array([position[f] for f in table.column("filename").to_pylist()], dtype=np.int64)
    order = np.lexsort((table.column("file_row_number").to_numpy(), index))
    if np.any(order != np.arange(len(order))):
        table, index = table.take(order), index[order]
    return table.drop_columns(["filename", "file_row_number"]), index


def read_apart(parts: List[Path], skipped: List[str]) -> pa.Table:
    """Every part on its own (``_readable``: an unreadable one skipped, named in ``skipped``), with its run
    folder; a run folder left without a readable part is a usage error."""
    tables: Dict[Path, List[pa.Table]] = {p.parent.parent: [] for p in parts}
    for p in parts:
        t = _readable(p, skipped)
        if t is not None:
            tables[p.parent.parent].append(
                t.append_column(RUN_DIR_COLUMN, pa.array([str(p.parent.parent)] * t.num_rows, pa.string())))
    for run_dir, got in tables.items():
        if not got:
            raise _no_results(run_dir)
    return pa.concat_tables([t for got in tables.values() for t in got], promote_options="permissive")


def _typed(table: pa.Table) -> pa.Table:
    """The schema's types for the schema's columns (DuckDB names the UTC zone differently)."""
    for i, name in enumerate(table.column_names):
        idx = CELLS.get_field_index(name)
        if idx >= 0 and table.schema.field(i).type != CELLS.field(idx).type:
            table = table.set_column(i, CELLS.field(idx), table.column(i).cast(CELLS.field(idx).type))
    return table


def read_cells(run_dirs: Sequence[Path], skipped: List[str]) -> pa.Table:
    """The cells of every run folder: read together, or apart when a part cannot be read with the others."""
    import duckdb

    parts = [p for d in run_dirs for p in run_parts(d)]
    try:
        table = read_together(parts)
    except duckdb.Error:
        table = None
    return read_apart(parts, skipped) if table is None else table
