"""The report on a terminal (rich): a table per device × model × batch, warnings, verdicts; and comparisons."""

from __future__ import annotations

from pathlib import Path
from typing import List, Sequence

import pandas as pd
import pyarrow as pa
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from runner.report import quality
from runner.report.compare import Match
from runner.report.findings import CONTRADICTED, HOLDS, Verdict
from runner.report.load import Dataset, load
from runner.report.render import num, result_row
from runner.report.rules import marks
from runner.report.summarize import groups

VERDICT_STYLE = {HOLDS: "green", CONTRADICTED: "red"}
COLUMNS = ["runtime", "version", "thr", "reps", "load ms", "first ms", "p50 ms", "95% CI", "CV", "p99 ms", "items/s",
           "MiB", "file MiB", "J/inf", "net J", "max|diff|", "best"]


def load_cells(run_dirs: Sequence[Path]) -> pa.Table:
    """The cells of the run folders as one Arrow table (kept for callers of the first report)."""
    return pa.Table.from_pandas(load(run_dirs).cells, preserve_index=False)


def results(agg: pd.DataFrame, console: Console) -> None:
    """One table per device × model × batch size."""
    for (device, model, batch), rows in groups(agg):
        best = marks(rows)
        table = Table(title=f"{device} · {model} · batch {batch}", title_justify="left")
        for col in COLUMNS:
            table.add_column(col, justify="left" if col in ("runtime", "version", "best") else "right")
        for i, r in rows.iterrows():
            table.add_row(*map(escape, result_row(r, best.get(i, []))))
        console.print(table)


def problems(ds: Dataset, agg: pd.DataFrame, console: Console) -> None:
    """Failed cells and trust warnings."""
    for line in quality.failures(ds.cells):
        console.print(f"[red]not measured[/red] {escape(line)}", highlight=False)
    for line in quality.all_warnings(ds.cells, agg):
        console.print(f"[yellow]warning:[/yellow] {escape(line)}", highlight=False)
    note = quality.energy_note(ds.cells)
    if note:
        console.print(f"[dim]{escape(note)}[/dim]", highlight=False)


def verdicts(items: List[Verdict], console: Console) -> None:
    """One line per published finding: id, evidence label, verdict, and the numbers or what is missing."""
    table = Table(title="Published findings", title_justify="left", show_lines=True)
    for col in ("finding", "ev.", "verdict", "numbers / what is missing"):
        table.add_column(col, overflow="fold")
    for v in items:
        style = VERDICT_STYLE.get(v.verdict, "yellow")
        table.add_row(v.finding.id, escape(f"[{v.finding.evidence}]"), f"[{style}]{v.verdict}[/{style}]",
                      escape(v.detail))
    console.print(table)


def comparison(matches: List[Match], alone: List[str], metric: str, console: Console) -> None:
    """The ratio B/A per matched configuration with its CI and verdict; devices, versions, trust warnings."""
    unit, scale = ("ms", 1e3) if metric == "latency" else ("J", 1.0)
    what = "p50 latency (median of repetitions)" if metric == "latency" else "energy per inference (median of " \
        "repetitions)"
    table = Table(title=f"B / A: {what}", title_justify="left")
    for col in ("configuration", "device A → B", "version A → B", f"A {unit}", f"B {unit}", "reps", "B/A", "95% CI",
                "verdict"):
        table.add_column(col, justify="left" if col in ("configuration", "verdict") or "→" in col else "right")
    for m in matches:
        r = m.ratio
        ci = f"{r.low:.3f}–{r.high:.3f}" if r and r.has_ci else "-"
        style = "cyan" if m.direction else "white"
        table.add_row(escape(m.name), escape(f"{m.a.device} → {m.b.device}"),
                      escape(f"{m.a.version} → {m.b.version}"), num(m.a.value, scale, 4), num(m.b.value, scale, 4),
                      f"{m.a.repetitions}/{m.b.repetitions}", num(r.value if r else None, digits=4), ci,
                      f"[{style}]{escape(m.verdict)}[/{style}]")
    console.print(table)
    for m in matches:
        for w in m.warnings:
            console.print(f"[yellow]warning:[/yellow] {escape(m.name)}: {escape(w)}", highlight=False)
    for line in alone:
        console.print(f"[dim]{escape(line)}[/dim]", highlight=False)
