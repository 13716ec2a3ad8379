"""``edgebench compact``: turn JSON Lines spools (hosts without pyarrow, e.g. armv7) into Parquet.

Examples::

    edgebench compact results/rpi-lab-1              # one run: every part-*.jsonl -> part-*.parquet
    edgebench compact results/                       # every run below results/
    edgebench compact results/rpi-lab-1 --keep       # keep the .jsonl parts
"""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer
from rich.console import Console

from runner import interrupts
from runner.cli.errors import handled
from runner.cli.text import safe
from runner.errors import UsageError


def run_dirs(paths: List[Path]) -> List[Path]:
    """The run folders named, or found below the folders named (a run folder holds manifest.json)."""
    found: List[Path] = []
    for path in paths:
        if not path.is_dir():
            raise UsageError(f"no such folder: {path}", "pass a run folder (results/<run_id>) or a folder of runs")
        if (path / "manifest.json").is_file() or (path / "cells").is_dir():
            found.append(path)
        else:
            found.extend(sorted(p.parent for p in path.glob("*/manifest.json")))
    return found


def register(app: typer.Typer) -> None:
    """Add ``compact`` to the app."""

    @app.command()
    @handled
    def compact(
        paths: List[Path] = typer.Argument(..., metavar="RUN", help="Run folders (results/<run_id>) or folders "
                                           "of runs."),
        keep: bool = typer.Option(False, "--keep", help="Keep the .jsonl parts after writing Parquet."),
    ) -> None:
        """Convert spooled JSON Lines parts into the Parquet parts of the same schema."""
        from runner.results.spool import check_part, spooled_parts
        from runner.results.spool import compact as compact_run

        console = Console(stderr=True)
        runs = run_dirs(paths)
        if not runs:
            raise UsageError(f"no run folders in {', '.join(map(str, paths))}",
                             "a run folder holds manifest.json and cells/")
        for run in runs:  # every run is checked before any is converted
            for part in spooled_parts(run):
                check_part(part)
        for run in runs:
            with interrupts.handled():
                counts = compact_run(run, keep)
            parts = ", ".join(f"{n} {table}" for table, n in counts.items())
            console.print(f"{safe(run)}: {sum(counts.values())} parts compacted ({parts})")
