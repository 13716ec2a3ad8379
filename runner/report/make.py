"""What ``edgebench report`` and ``edgebench compare`` do, as functions (the CLI only parses options)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from rich.console import Console

from runner.errors import OutputError, UsageError
from runner.report import render, terminal
from runner.report.compare import compare
from runner.report.findings import evaluate
from runner.report.load import load
from runner.report.summarize import aggregate

FORMATS = ("md", "html")


def report(paths: Sequence[Path], console: Console, out: Optional[Path] = None, fmt: str = "md",
           plots: bool = True, laptops: Sequence[str] = ()) -> Optional[Path]:
    """Terminal tables and verdicts, or (with ``out``) report.md/report.html plus figures; returns the file."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}'", f"valid: {', '.join(FORMATS)}")
    ds = load(paths)
    agg = aggregate(ds.cells)
    verdicts = evaluate(ds, laptops)
    if out is None:
        terminal.results(agg, console)
        terminal.problems(ds, agg, console)
        terminal.verdicts(verdicts, console)
        return None
    _writable(out)
    figs = None
    if plots:
        from runner.report.plots import draw_all

        figs = draw_all(agg, out)
    path = render.write(render.build(ds, agg, verdicts, figs, out), out, fmt)
    console.print(f"report: {path}" + (f" ({sum(len(p) for p in figs.paths.values())} figure files)" if figs else ""))
    return path


def _writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write the report to {out}: {exc.strerror or exc}",
                          "pass a writable folder with --out") from None


def compare_runs(a: Path, b: Path, console: Console, metric: str = "latency", threshold: float = 0.02) -> int:
    """Print the B/A comparison of two runs; returns the number of matched cells."""
    if not 0 <= threshold < 1:
        raise UsageError(f"--threshold {threshold} is not a fraction in [0, 1)", "e.g. --threshold 0.02 for 2%")
    matches, alone = compare(load([a]), load([b]), metric, threshold)
    if not matches:
        raise UsageError(f"no cell of {a} matches a cell of {b}",
                         "cells match on model, framework, source, batch size, provider and threads")
    terminal.comparison(matches, alone, metric, console)
    console.print(f"A = {a}, B = {b}; {len(matches)} matched cells; no significant difference = the 95% CI "
                  f"includes 1 or the change is below {threshold:.0%}", highlight=False)
    return len(matches)
