"""What durable parts and a checked resume cost: writing one cell's parts (fsync around the rename) and
reading every cells part back when a run is resumed.

    python benchmarks/durable_parts.py [--cells 300] [--iterations 1000] [--out DIR]

Writes ``--cells`` cells (each with ``--iterations`` latencies) through the Parquet sink into a run folder
under ``--out`` (default: a temporary folder on the file system of the current directory), then opens the
run again and times ``Sink.finished()`` (every part read back and checked). The same writes without the
fsyncs (``runner.results.files.make_durable`` and ``fsync_dir`` replaced by a chmod and a no-op) give the
cost of durability. Prints the median time per cell of each, in milliseconds, as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from runner.results import files
from runner.results.schema import SCHEMA_VERSION
from runner.results.sink import Sink


def _row(run_id: str, cell_id: str) -> Dict[str, object]:
    return {"run_id": run_id, "cell_id": cell_id, "schema_version": SCHEMA_VERSION, "status": "ok",
            "latency_p50_s": 0.002}


def write_cells(out: Path, run_id: str, cells: int, iterations: int) -> List[float]:
    """Seconds per write_cell call."""
    latencies = [0.002] * iterations
    times = []
    with Sink(out, run_id).opened() as sink:
        for i in range(cells):
            t0 = time.perf_counter()
            sink.write_cell(f"c{i}", _row(run_id, f"c{i}"), latencies)
            times.append(time.perf_counter() - t0)
    return times


def resume_check(out: Path, run_id: str) -> float:
    """Seconds for finished() on the whole run."""
    with Sink(out, run_id).opened() as sink:
        t0 = time.perf_counter()
        done = sink.finished()
        elapsed = time.perf_counter() - t0
    assert not sink.damaged, sink.damaged
    return elapsed / max(1, len(done))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=300)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.out or Path.cwd()) as tmp:
        durable = write_cells(Path(tmp), "durable", args.cells, args.iterations)
        per_part = resume_check(Path(tmp), "durable")
        files.make_durable, files.fsync_dir = (lambda p: os.chmod(p, files.file_mode())), (lambda d: None)
        plain = write_cells(Path(tmp), "plain", args.cells, args.iterations)
    print(json.dumps({
        "cells": args.cells, "iterations": args.iterations, "file_system": str(args.out or Path.cwd()),
        "write_cell_ms_median": round(1e3 * statistics.median(durable), 3),
        "write_cell_without_fsync_ms_median": round(1e3 * statistics.median(plain), 3),
        "resume_check_ms_per_part": round(1e3 * per_part, 3),
    }, indent=1))


if __name__ == "__main__":
    main()
