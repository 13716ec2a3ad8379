"""What ``edgebench report`` and ``edgebench compare`` do, as functions (the CLI only parses options)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence

from rich.console import Console

from runner.errors import OutputError, UsageError
from runner.estimate import MIN_REPETITIONS
from runner.report import render, terminal
from runner.report.compare import BELOW, FEW, THRESHOLD, Match, compare, failing
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
    agg = aggregate(ds.cells, ds.cell_latencies)
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


def compare_runs(a: Path, b: Path, console: Console, metric: str = "latency", threshold: Optional[float] = None,
                 ignore: Sequence[str] = (), fail_on: Optional[str] = None) -> List[Match]:
    """Print the B/A comparison of two runs; returns the matches ``fail_on`` gates on (empty: exit 0)."""
    threshold = THRESHOLD if threshold is None else threshold
    if not 0 <= threshold < 1:
        raise UsageError(f"--threshold {threshold} is not a fraction in [0, 1)", "e.g. --threshold 0.05 for 5%")
    failing([], fail_on)  # a bad --fail-on is a usage error before anything is read
    matches, alone = compare(load([a]), load([b]), metric, threshold, ignore)
    if not matches:
        raise UsageError(f"no configuration of {a} matches one of {b}",
                         "cells match on model, framework, source, batch size, provider and threads; "
                         "--ignore threads (or another dimension) widens the match")
    terminal.comparison(matches, alone, metric, console)
    few = [m for m in matches if m.verdict == FEW]
    if few:
        console.print(f"{len(few)} configuration(s) have fewer than {MIN_REPETITIONS} repetitions on a side: "
                      "between-process variance is unknown, so no difference is claimed (run --repetitions 3 or "
                      "more)", highlight=False)
    console.print(f"A = {a}, B = {b}; {len(matches)} matched configurations; 95% CI of B/A from the repetitions "
                  f"(hierarchical bootstrap and Welch t on log values, the wider); '{BELOW}' = the CI excludes 1 "
                  f"but the change is under {threshold:.0%}", highlight=False)
    bad = failing(matches, fail_on)
    if bad:
        console.print(f"--fail-on {fail_on}: {len(bad)} configuration(s): "
                      + "; ".join(f"{m.name} {m.verdict} ×{m.ratio.value:.3f}" for m in bad), highlight=False)
    return bad
