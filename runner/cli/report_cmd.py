"""``edgebench report`` and ``edgebench compare``: commands over stored runs.

Examples::

    edgebench report results/lab-1                          # terminal tables, warnings, verdicts
    edgebench report results/ --out report/ --format html   # every run under results/, with figures
    edgebench report results/x86 results/jetson --out rep --laptop mbp-2018
    edgebench compare results/torch-2.3 results/torch-2.4   # p50 B/A per configuration with a 95% CI
    edgebench compare results/a results/b --metric energy
    edgebench compare results/main results/pr --fail-on slower  # exit 1 on a significant slowdown
    edgebench compare results/t1 results/t2 --ignore threads
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
        run_dirs: List[Path] = typer.Argument(..., metavar="RUN",
                                              help="Run folders (results/<run_id>) or a folder of runs."),
        out: Optional[Path] = typer.Option(None, "--out", metavar="FOLDER",
                                           help="Write report.md/.html and figures here."),
        fmt: str = typer.Option("md", "--format", metavar="FORMAT", help="md or html (with --out)."),
        no_plots: bool = typer.Option(False, "--no-plots", help="Skip the figures."),
        laptop: Optional[List[str]] = typer.Option(
            None, "--laptop", metavar="DEVICE",
            help="Device name to treat as a laptop (laptop-scoped findings), repeatable."),
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
        run_a: Path = typer.Argument(..., metavar="RUN_A", help="Baseline run folder (A)."),
        run_b: Path = typer.Argument(..., metavar="RUN_B", help="Run folder compared with it (B)."),
        metric: str = typer.Option("latency", "--metric", metavar="METRIC",
                                   help="latency (p50) or energy (per inference)."),
        threshold: Optional[float] = typer.Option(
            None, "--threshold", metavar="FRACTION",
            help="Significant changes below this fraction are 'below practical threshold' (default 0.05)."),
        ignore: Optional[List[str]] = typer.Option(
            None, "--ignore", metavar="DIMENSION",
            help="Identity dimension not to match on (threads, source, provider, batch_size, model, framework; "
                 "device, framework_version and options already are), repeatable or comma-separated."),
        fail_on: Optional[str] = typer.Option(
            None, "--fail-on", metavar="VERDICT",
            help="Exit 1 when a configuration is slower, faster or either (any): regression gating."),
    ) -> None:
        """B/A per matching configuration, repetitions pooled, with a 95% CI: faster, slower, no significant
        difference, below practical threshold, or not enough repetitions (fewer than 3 per side).

        Exit status: 0, or 1 when --fail-on finds a configuration with that verdict; 2 for bad usage.
        """
        from runner.report.make import compare_runs

        dims = [d.strip() for item in ignore or () for d in item.split(",") if d.strip()]
        if compare_runs(run_a, run_b, Console(), metric, threshold, dims, fail_on):
            raise typer.Exit(1)
