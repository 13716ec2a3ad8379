"""Bookkeeping per cell: the orchestrator's wall time per cell minus the worker's own time.

    .venv/bin/python benchmarks/bookkeeping.py [--cells 5] [--iterations 100000]

Runs null-adapter cells (no sleep, no meters, no idle baseline) of exactly ``--iterations`` steady-state
iterations each through the real orchestrator, in this process, and prints per cell the wall time the
orchestrator spent on it (observer ``started`` to ``finished``), the worker's own time (``total_s``: spawn
until the worker exited) and their difference: what the parent spends preparing the cell, reading the
result, building the row and writing the parts. Then the median and range of that difference.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from runner import config, plan
from runner.orchestrator import Observer, Orchestrator, Settings


class Clock(Observer):
    """Wall time per cell, from ``started`` to ``finished``."""

    def __init__(self) -> None:
        self.t0 = 0.0
        self.walls: Dict[str, float] = {}

    def started(self, cell, index: int, total: int) -> None:
        self.t0 = time.perf_counter()

    def finished(self, cell, row) -> None:
        self.walls[cell.cell_id] = time.perf_counter() - self.t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=5, help="null cells to run (repetitions)")
    ap.add_argument("--iterations", type=int, default=100_000, help="steady-state iterations per cell")
    args = ap.parse_args()
    budget = {"warmup_iterations": 1, "warmup_s": 0.0, "min_iterations": args.iterations, "min_time_s": 0.0,
              "max_time_s": 600.0, "target_rel_ci": 0.5, "timeout_s": 600.0}
    spec = config.load("smoke", None, {"frameworks": ["null"], "models": ["tinycnn"], "batch_sizes": [1],
                                       "threads": [1], "repetitions": args.cells, "budget": budget})
    cells = plan.expand(spec)
    clock = Clock()
    with tempfile.TemporaryDirectory(prefix="edgebench-bookkeeping-") as tmp:
        settings = Settings(out=Path(tmp), run_id="bookkeeping", spec=spec, meters="none", idle_s=0.0,
                            device="bookkeeping")
        rows = Orchestrator(cells, settings, clock).run()
    print(f"{'cell':34s} {'iterations':>10s} {'wall s':>8s} {'worker s':>9s} {'bookkeeping s':>14s}")
    extra: List[float] = []
    for row in rows:
        wall = clock.walls[row["cell_id"]]
        extra.append(wall - row["total_s"])
        print(f"{row['cell_id']:34s} {row['iterations']:10d} {wall:8.3f} {row['total_s']:9.3f} {extra[-1]:14.3f}")
    print(f"bookkeeping per cell: median {statistics.median(extra):.3f} s "
          f"(min {min(extra):.3f}, max {max(extra):.3f}) over {len(extra)} cells of {args.iterations} iterations")


if __name__ == "__main__":
    main()
