"""``edgebench report``, ``edgebench recommend`` and ``edgebench compare``: commands over stored runs.

Examples::

    edgebench report results/lab-1                          # terminal: recommendation, tables, warnings, verdicts
    edgebench report results/lab-1 --format html            # report-lab-1/report.html (self-contained)
    edgebench report results/ --out report/ --format html   # every run under results/, with figures
    edgebench report results/lab-1 --findings full --export csv
    edgebench recommend results/lab-1 --by cold-start       # just the recommendation
    edgebench report results/x86 results/jetson --out rep --laptop mbp-2018
    edgebench compare results/torch-2.3 results/torch-2.4   # p50 B/A per configuration with a 95% CI
    edgebench compare results/a results/b --metric energy
    edgebench compare results/main results/pr --fail-on slower  # exit 1 on a significant slowdown
    edgebench compare results/t1 results/t2 --ignore threads
    edgebench compare results/a results/b --export json     # compare-a-vs-b.json
    edgebench compare results/sets --across env_set         # did the version set change it? (one run)
    edgebench compare results/now results/2023 --across env_set   # the same, the sets in two runs
    edgebench compare results/int8 --across precision       # int8 and fp16 against fp32 (one run)
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from runner.cli.errors import handled
from runner.report.textout import make_console

Export = typer.Option(None, "--export", metavar="FORMAT",
                      help="Also write the table as csv or json (column names in SI units).")


def register(app: typer.Typer) -> None:
    """Add ``report``, ``recommend`` and ``compare`` to the app."""

    @app.command()
    @handled
    def report(
        run_dirs: List[Path] = typer.Argument(..., metavar="RUN",
                                              help="Run folders (results/<run_id>) or a folder of runs."),
        out: Optional[Path] = typer.Option(None, "--out", metavar="FOLDER",
                                           help="Write report.md/.html and figures here."),
        fmt: Optional[str] = typer.Option(None, "--format", metavar="FORMAT",
                                          help="md or html: write the report file (into --out, else "
                                               "report-<run_id>/); without it the report prints here."),
        no_plots: bool = typer.Option(False, "--no-plots", help="Skip the figures."),
        laptop: Optional[List[str]] = typer.Option(
            None, "--laptop", metavar="DEVICE",
            help="Device name to treat as a laptop (laptop-scoped findings), repeatable."),
        findings: Optional[str] = typer.Option(
            None, "--findings", metavar="MODE",
            help="full, summary (one line of counts) or off; default full for the pcamp and greenai grids, "
                 "summary otherwise."),
        export: Optional[str] = Export,
    ) -> None:
        """The recommendation, tables per device × model × batch × precision, warnings and the published
        findings' verdicts.

        Without --out or --format it prints to the terminal (or a pipe, as plain text); with either it writes
        report.md (or a self-contained report.html) and PNG/SVG figures into --out or report-<run_id>/ and
        says where. --export csv|json writes results.<fmt> and recommendation.<fmt> into that folder.
        """
        from runner.report.make import report as make_report

        quiet = out is None and fmt is None
        make_report(run_dirs, make_console(stderr=not quiet), out, fmt, not no_plots, laptop or (), findings,
                    export)

    @app.command()
    @handled
    def recommend(
        run_dirs: List[Path] = typer.Argument(..., metavar="RUN",
                                              help="Run folders (results/<run_id>) or a folder of runs."),
        by: Optional[str] = typer.Option(None, "--by", metavar="CRITERION",
                                         help="latency, cold-start, memory or energy (default all)."),
        export: Optional[str] = Export,
        out: Optional[Path] = typer.Option(None, "--out", metavar="FILE",
                                           help="File for --export (default recommendation-<run_id>.<fmt>)."),
    ) -> None:
        """Which runtime to use per device × model × batch × precision: fastest steady state, fastest cold
        start (start-up + import + load + first inference), least memory, least energy per inference, each
        with its ratio to the runner-up and the 95% CI over repetitions, "no clear winner" when the CI
        includes 1, "not enough repetitions" below 3.
        """
        from runner.report.make import recommend_runs

        recommend_runs(run_dirs, make_console(), by, export, out)

    @app.command()
    @handled
    def compare(
        run_a: Path = typer.Argument(..., metavar="RUN_A", help="Baseline run folder (A)."),
        run_b: Optional[Path] = typer.Argument(None, metavar="[RUN_B]",
                                               help="Run folder compared with it (B); optional with --across."),
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
        across_dim: Optional[str] = typer.Option(
            None, "--across", metavar="DIMENSION",
            help="Compare the values of one identity dimension instead of two runs: env_set (did the version "
                 "set change it?), precision (what does int8 gain?), device, threads...; cells that differ only "
                 "in it are paired, within RUN_A (and RUN_B, pooled)."),
        baseline: Optional[str] = typer.Option(
            None, "--baseline", metavar="VALUE",
            help="With --across: the value compared against (A); default current for env_set, fp32 for "
                 "precision, else the first."),
        export: Optional[str] = Export,
        out: Optional[Path] = typer.Option(None, "--out", metavar="FILE",
                                           help="File for --export (default compare-<A>-vs-<B>.<fmt>)."),
    ) -> None:
        """B/A per matching configuration, repetitions pooled, with a 95% CI: faster, slower, no significant
        difference, below practical threshold, or not enough repetitions (fewer than 3 per side). With
        --across env_set, B/A pairs the same configuration under two version sets.

        Exit status: 0, or 1 when --fail-on finds a configuration with that verdict; 2 for bad usage.
        """
        from runner.report.make import compare_runs

        dims = [d.strip() for item in ignore or () for d in item.split(",") if d.strip()]
        if compare_runs(run_a, run_b, make_console(), metric, threshold, dims, fail_on, export, out, across_dim,
                        baseline):
            raise typer.Exit(1)
