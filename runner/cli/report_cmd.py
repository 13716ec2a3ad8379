"""``edgebench report`` and ``edgebench compare``: commands over stored runs.

Examples::

    edgebench report results/lab-1                          # terminal tables, warnings, verdicts
    edgebench report results/ --out report/ --format html   # every run under results/, with figures
    edgebench report results/x86 results/jetson --out rep --laptop mbp-2018
    edgebench compare results/torch-2.3 results/torch-2.4   # p50 B/A per cell, 95% bootstrap CI
    edgebench compare results/a results/b --metric energy
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from runner.cli.errors import handled


def register(app: typer.Typer) -> None:
    """Add ``report`` and ``compare`` to the app."""

    @app.command()
    @handled
    def report(
        run_dirs: List[Path] = typer.Argument(..., help="Run folders (results/<run_id>) or a folder of runs."),
        out: Optional[Path] = typer.Option(None, "--out", help="Write report.md/.html and figures here."),
        fmt: str = typer.Option("md", "--format", help="md or html (with --out)."),
        no_plots: bool = typer.Option(False, "--no-plots", help="Skip the figures."),
        laptop: Optional[List[str]] = typer.Option(
            None, "--laptop", help="Device name to treat as a laptop (laptop-scoped findings), repeatable."),
    ) -> None:
        """Tables per device × model × batch, warnings and the published findings' verdicts.

        Without --out it prints to the terminal; with --out it writes report.md (or report.html) and PNG/SVG
        figures there.
        """
        from runner.report.make import report as make_report

        make_report(run_dirs, Console() if out is None else Console(stderr=True), out, fmt,
                    not no_plots, laptop or ())

    @app.command()
    @handled
    def compare(
        run_a: Path = typer.Argument(..., help="Baseline run folder (A)."),
        run_b: Path = typer.Argument(..., help="Run folder compared with it (B)."),
        metric: str = typer.Option("latency", "--metric", help="latency (p50) or energy (per inference)."),
        threshold: float = typer.Option(0.02, "--threshold",
                                        help="Changes below this fraction count as no difference."),
    ) -> None:
        """B/A per matching cell with a 95% bootstrap CI: faster, slower or no significant difference.

        Cells match on model, framework, source, batch size, provider and threads (repetitions pooled), so
        runs on different devices or framework versions compare; both are shown.
        """
        from runner.report.make import compare_runs

        compare_runs(run_a, run_b, Console(), metric, threshold)
