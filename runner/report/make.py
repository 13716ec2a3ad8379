"""What ``edgebench report`` and ``edgebench compare`` do, as functions (the CLI only parses options)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence

import pandas as pd
from rich.console import Console

from runner.catalog import HARNESS
from runner.cli.text import safe
from runner.errors import OutputError, UsageError
from runner.estimate import MIN_REPETITIONS
from runner.report import columns, export, render, terminal
from runner.report.compare import BELOW, FEW, THRESHOLD, Match, across, compare, failing
from runner.report.findings import MODES, default_mode, evaluate
from runner.report.load import Dataset, load
from runner.report.recommend import BY, Pick, missing_reasons, recommend
from runner.report.summarize import aggregate

FORMATS = ("md", "html")


def default_folder(ds: Dataset) -> Path:
    """Where a report goes without --out: ``report-<run_id>`` (``report-<first>-and-<n>-more`` for many)."""
    ids = ds.run_ids or ["results"]
    return Path(f"report-{ids[0]}" + (f"-and-{len(ids) - 1}-more" if len(ids) > 1 else ""))


def recommendations(ds: Dataset, agg: pd.DataFrame, by: Sequence[str] = tuple(BY)) -> List[Pick]:
    """The recommendation over the runtimes (harness rows measure edgebench itself and are left out)."""
    runtimes = agg[~agg["framework"].isin(HARNESS)] if not agg.empty else agg
    return recommend(runtimes, by, missing_reasons(ds.cells))


def report(paths: Sequence[Path], console: Console, out: Optional[Path] = None, fmt: Optional[str] = None,
           plots: bool = True, laptops: Sequence[str] = (), findings: Optional[str] = None,
           export: Optional[str] = None) -> Optional[Path]:
    """The recommendation, tables, warnings and findings on the terminal; or (with ``out`` or ``fmt``)
    report.md/report.html plus figures in ``out`` (default ``report-<run_id>``); returns the file. ``export``
    writes the results and the recommendation as CSV or JSON into the same folder."""
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}'", f"valid: {', '.join(FORMATS)}")
    if findings is not None and findings not in MODES:
        raise UsageError(f"unknown --findings '{findings}'", f"valid: {', '.join(MODES)}")
    ds = load(paths)
    agg = aggregate(ds.cells, ds.cell_latencies)
    mode = findings or default_mode(ds.manifests)
    verdicts = evaluate(ds, laptops) if mode != "off" else []
    picks = recommendations(ds, agg)
    folder = out or (default_folder(ds) if fmt or export else None)
    if export:
        _export(folder, export, agg, picks, console)
    if out is None and fmt is None:
        terminal.recommendation(picks, console)
        terminal.results(agg, console)
        terminal.problems(ds, agg, console)
        terminal.verdicts(verdicts, console, mode)
        warn_skipped(ds, console)
        return None
    fmt = fmt or "md"
    _writable(folder)
    figs = None
    if plots:
        from runner.report.plots import draw_all

        figs = draw_all(agg, folder)
    blocks = render.build(ds, agg, verdicts, figs, folder, picks, mode, inline=fmt == "html")
    path = render.write(blocks, folder, fmt)
    files = f" ({sum(len(p) for p in figs.paths.values())} figure files)" if figs else ""
    console.print(f"report: {safe(path)}{files}", highlight=False)
    warn_skipped(ds, console)
    return path


def warn_skipped(ds: Dataset, console: Console) -> None:
    """Warn about every part that could not be read (it is not in the report)."""
    for line in ds.skipped:
        console.print(f"[yellow]warning:[/yellow] {safe(line)}", highlight=False)


def _export(folder: Path, fmt: str, agg: pd.DataFrame, picks: Sequence[Pick], console: Console) -> None:
    export.check(fmt)
    _writable(folder)
    for name, records in (("results", columns.records(agg)), ("recommendation", export.picks(picks))):
        console.print(f"export: {safe(export.write(records, folder / f'{name}.{fmt}'))}", highlight=False)


def recommend_runs(paths: Sequence[Path], console: Console, by: Optional[str] = None,
                   fmt: Optional[str] = None, out: Optional[Path] = None) -> List[Pick]:
    """Print the recommendation (all criteria, or ``by``); ``fmt`` also writes it as CSV or JSON."""
    if by is not None and by not in BY:
        raise UsageError(f"unknown --by '{by}'", f"valid: {', '.join(BY)}")
    ds = load(paths)
    picks = recommendations(ds, aggregate(ds.cells, ds.cell_latencies), [by] if by else tuple(BY))
    if not picks:
        console.print("no runtime ran to completion: nothing to recommend", highlight=False)
    terminal.recommendation(picks, console)
    warn_skipped(ds, console)
    if fmt:
        path = out or Path(f"recommendation-{ds.run_ids[0] if ds.run_ids else 'results'}.{export.check(fmt)}")
        console.print(f"export: {safe(export.write(export.picks(picks), path))}", highlight=False)
    return picks


def _writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write the report to {out}: {exc.strerror or exc}",
                          "pass a writable folder with --out") from None


def compare_runs(a: Path, b: Optional[Path], console: Console, metric: str = "latency",
                 threshold: Optional[float] = None, ignore: Sequence[str] = (), fail_on: Optional[str] = None,
                 fmt: Optional[str] = None, out: Optional[Path] = None, across_dim: Optional[str] = None,
                 baseline: Optional[str] = None) -> List[Match]:
    """Print the B/A comparison of two runs (``fmt``: also write it as CSV or JSON to ``out``, by default
    ``compare-<A>-vs-<B>.<fmt>``); with ``across_dim``, of the values of that dimension within A (and B,
    pooled) against ``baseline``. Returns the matches ``fail_on`` gates on (empty: exit 0)."""
    if fmt is not None:
        export.check(fmt)
    threshold = THRESHOLD if threshold is None else threshold
    if not 0 <= threshold < 1:
        raise UsageError(f"--threshold {threshold} is not a fraction in [0, 1)", "e.g. --threshold 0.05 for 5%")
    failing([], fail_on)  # a bad --fail-on is a usage error before anything is read
    if across_dim:
        matches = _across_runs([a, *([b] if b else [])], console, across_dim, baseline, metric, threshold, ignore)
        default = f"compare-{a.name}-across-{across_dim}"
    else:
        if b is None:
            raise UsageError("compare needs two runs (RUN_A RUN_B), or one with --across DIMENSION",
                             "e.g. edgebench compare results/a results/b, or edgebench compare results/a "
                             "--across env_set")
        ds_a, ds_b = load([a]), load([b])
        matches, alone = compare(ds_a, ds_b, metric, threshold, ignore)
        warn_skipped(ds_a, console)
        warn_skipped(ds_b, console)
        if not matches:
            raise UsageError(f"no configuration of {a} matches one of {b}",
                             "cells match on model (a model file: its sha256 too), framework, version set, source, "
                             "batch size, provider and threads; --ignore threads (or another dimension) widens the "
                             "match (--ignore model_sha256: two files of one name), --across env_set pairs the same "
                             "configurations under different version sets")
        terminal.comparison(matches, alone, metric, console)
        default = f"compare-{a.name}-vs-{b.name}"
    _closing(matches, console, threshold, f"A = {safe(a)}, B = {safe(b)}" if not across_dim else "")
    if fmt:
        path = out or Path(f"{default}.{fmt}")
        console.print(f"export: {safe(export.write(export.matches(matches, metric), path))}", highlight=False)
    bad = failing(matches, fail_on)
    if bad:
        console.print(f"--fail-on {fail_on}: {len(bad)} configuration(s): "
                      + safe("; ".join(f"{m.name} {m.verdict} ×{m.ratio.value:.3f}" for m in bad)), highlight=False)
    return bad


def _across_runs(paths: Sequence[Path], console: Console, dim: str, baseline: Optional[str], metric: str,
                 threshold: float, ignore: Sequence[str]) -> List[Match]:
    """``compare --across``: one table per value of ``dim`` against the baseline value; every match."""
    ds = load(paths)
    found = across(ds, dim, baseline, metric, threshold, ignore)
    warn_skipped(ds, console)
    matches = [m for item in found for m in item.matches]
    if not matches:
        raise UsageError(f"no configuration matches across {dim} in {', '.join(map(str, paths))}",
                         "cells match on every other identity dimension; --ignore widens the match")
    for item in found:
        terminal.comparison(item.matches, item.alone, metric, console)
        console.print(safe(f"A = {dim} {item.baseline}, B = {dim} {item.value} ({len(item.matches)} matched "
                           "configurations, differing only in it)"), highlight=False)
    return matches


def _closing(matches: Sequence[Match], console: Console, threshold: float, sides: str) -> None:
    """What the verdicts rest on: repetitions, the CI, the threshold."""
    few = [m for m in matches if m.verdict == FEW]
    if few:
        console.print(f"{len(few)} configuration(s) have fewer than {MIN_REPETITIONS} repetitions on a side: "
                      "between-process variance is unknown, so no difference is claimed (run --repetitions 3 or "
                      "more)", highlight=False)
    head = f"{sides}; {len(matches)} matched configurations; " if sides else ""
    console.print(f"{head}95% CI of B/A from the repetitions (hierarchical bootstrap and Welch t on log values, the "
                  f"wider); '{BELOW}' = the CI excludes 1 but the change is under {threshold:.0%}", highlight=False)
