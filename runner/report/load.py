"""Read one or many run folders (many devices too) as one dataset.

    results/<run_id>/manifest.json          environment, once per run (optional for reading)
    results/<run_id>/cells/part-*.parquet   one row per cell (required)
    results/<run_id>/latencies/part-*.parquet  raw per-iteration latencies (optional; read per cell, only
                                               where the estimator needs them: ``Dataset.cell_latencies``)
    results/<run_id>/power/part-*.parquet   meter samples (optional; only counted here)

A folder that holds run folders (``results/``) is expanded to the runs inside it. The cells parts of every
run are read together (``runner.report.parts``) and checked against the schema version this code reads: a
part written by another version is a usage error with a hint, never a silent misreading. A part that cannot
be read at all (truncated, empty, not a cells table) is skipped and named in ``Dataset.skipped``, which
report and compare print as warnings. Latencies parts are read by ``read_latencies`` alone (a latencies part
that is never needed is never read, so never named).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from runner.catalog.sets import CURRENT
from runner.errors import UsageError
from runner.frameworks.record import FP32
from runner.report.parts import read_cells, skip
from runner.results.schema import CELLS

FAILED_STATUSES = ("failed", "timeout", "oom", "crashed")


def read_latencies(path: Path) -> Optional[np.ndarray]:
    """One latencies part's latencies (s) in iteration order, two columns read; None when absent or empty."""
    if not path.is_file():
        return None
    table = pq.read_table(path, columns=["iteration", "latency_s"])
    if not table.num_rows:
        return None
    return table.sort_by("iteration").column("latency_s").to_numpy(zero_copy_only=False).astype(float)


@dataclass
class Dataset:
    """Cells of every run (one DataFrame), the manifests by run folder, and lazy access to latencies."""

    cells: pd.DataFrame
    manifests: Dict[str, Dict] = field(default_factory=dict)
    run_dirs: List[Path] = field(default_factory=list)
    power_parts: int = 0
    skipped: List[str] = field(default_factory=list)  # unreadable parts, one line each
    _latency_cache: Dict[Tuple[str, str], Optional[np.ndarray]] = field(default_factory=dict, repr=False)
    read_part: Callable[[Path], Optional[np.ndarray]] = field(default=read_latencies, repr=False)

    @property
    def ok(self) -> pd.DataFrame:
        """Rows whose cell ran to completion."""
        return self.cells[self.cells["status"] == "ok"]

    @property
    def run_ids(self) -> List[str]:
        """Run ids in the dataset, sorted."""
        return sorted(self.cells["run_id"].dropna().unique().tolist())

    def latencies(self, parts: Iterable[Tuple[str, str]]) -> np.ndarray:
        """Raw steady-state latencies (s) of the given (run_dir, cell_id) pairs, pooled; empty when absent."""
        arrays = [a for a in (self.cell_latencies(d, c) for d, c in parts) if a is not None]
        return np.concatenate(arrays) if arrays else np.empty(0)

    def cell_latencies(self, run_dir: str, cell_id: str) -> Optional[np.ndarray]:
        """One cell's raw latencies (s) in iteration order, read on first use and kept; None when not stored."""
        key = (str(run_dir), str(cell_id))
        if key not in self._latency_cache:
            path = Path(run_dir) / "latencies" / f"part-{cell_id}.parquet"
            try:
                self._latency_cache[key] = self.read_part(path)
            except (OSError, pa.ArrowException) as exc:
                skip(self.skipped, path, exc)
                self._latency_cache[key] = None
        return self._latency_cache[key]

    def subset(self, mask: pd.Series) -> Dataset:
        """The cells where ``mask`` holds, sharing this dataset's manifests and latency cache."""
        return Dataset(self.cells[mask], self.manifests, self.run_dirs, self.power_parts, skipped=self.skipped,
                       _latency_cache=self._latency_cache, read_part=self.read_part)

    def has_latencies(self) -> bool:
        """Whether any run folder holds a latencies table."""
        return any(any((Path(d) / "latencies").glob("part-*.parquet")) for d in self.run_dirs)


def expand(paths: Sequence[Path]) -> List[Path]:
    """Run folders named by ``paths``: a run folder itself, or every run folder directly inside a folder."""
    out: List[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise UsageError(f"no such folder: {path}", "pass a run folder such as results/<run_id>")
        if (path / "cells").is_dir():
            out.append(path)
            continue
        inner = sorted(p for p in path.iterdir() if (p / "cells").is_dir())
        if not inner:
            raise UsageError(f"no results in {path} (no cells/ folder)",
                             "pass a run folder such as results/<run_id>, or the results/ folder holding runs")
        out.extend(inner)
    return list(dict.fromkeys(out))


def _conform(table: pa.Table) -> pa.Table:
    """Add any schema column a (future-compatible) part lacks, as nulls, so every reader sees every column."""
    for f in CELLS:
        if f.name not in table.column_names:
            table = table.append_column(f.name, pa.nulls(table.num_rows, f.type))
    return table


def _distinct_model_files(cells: pd.DataFrame) -> pd.DataFrame:
    """``model_sha256`` '' for built-in models; a model name that stands for several model files in the
    dataset (runs pooled, each with its own file of that name) gets each file's sha256's first 8 hex digits."""
    cells["model_sha256"] = cells["model_sha256"].fillna("")
    files = cells[cells["model_sha256"] != ""]
    shared = files.groupby("model")["model_sha256"].nunique()
    clash = cells["model"].isin(shared[shared > 1].index) & (cells["model_sha256"] != "")
    cells.loc[clash, "model"] = cells.loc[clash, "model"] + "-" + cells.loc[clash, "model_sha256"].str[:8]
    return cells


def _manifest(run_dir: Path) -> Dict:
    path = run_dir / "manifest.json"
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError):
        return {}


def load(paths: Sequence[Path], read_part: Callable[[Path], Optional[np.ndarray]] = read_latencies) -> Dataset:
    """Read the cells of every run folder under ``paths`` into one :class:`Dataset` (its latencies parts are
    read later, by ``read_part``, one cell at a time and only where asked for)."""
    run_dirs = expand(paths)
    skipped: List[str] = []
    table = _conform(read_cells(run_dirs, skipped))
    cells = table.to_pandas()
    for col in ("source", "provider", "options", "framework_version", "device_class"):
        cells[col] = cells[col].fillna("")
    cells["env_set"] = cells["env_set"].fillna(CURRENT)  # rows written before version sets: today's pins then
    cells["precision"] = cells["precision"].fillna(FP32)  # rows written before precisions: fp32 then
    cells = _distinct_model_files(cells)
    power = sum(len(list((d / "power").glob("part-*.parquet"))) for d in run_dirs)
    return Dataset(cells, {str(d): _manifest(d) for d in run_dirs}, run_dirs, power, skipped=skipped,
                   read_part=read_part)
