"""The report on a terminal or a pipe (rich): the recommendation, a table per device × model × batch ×
precision, warnings and the findings; and comparisons. Every table fits the width (``textout``)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Sequence

import pandas as pd
import pyarrow as pa
from rich.console import Console
from rich.table import Table

from runner.cli.text import safe
from runner.report import columns, quality
from runner.report.columns import num
from runner.report.compare import Match
from runner.report.findings import CONTRADICTED, HOLDS, LEGEND, Verdict, parts, tally
from runner.report.load import Dataset, load
from runner.report.recommend import BY, TIE, WINNER, Pick, paragraphs
from runner.report.render import group_title
from runner.report.rules import marks
from runner.report.summarize import groups
from runner.report.textout import print_table

VERDICT_STYLE = {HOLDS: "green", CONTRADICTED: "red"}
OUTCOME_STYLE = {WINNER: "green", TIE: "yellow"}


def load_cells(run_dirs: Sequence[Path]) -> pa.Table:
    """The cells of the run folders as one Arrow table (kept for callers of the first report)."""
    return pa.Table.from_pandas(load(run_dirs).cells, preserve_index=False)


def recommendation(picks: Sequence[Pick], console: Console, paragraph: bool = True) -> None:
    """Per group: a line per criterion (the pick, its ratio and 95% CI, or why there is none); then the
    paragraph a user can act on."""
    by_group: Dict[tuple, List[Pick]] = {}
    for p in picks:
        by_group.setdefault(p.group, []).append(p)
    for key, ps in by_group.items():
        table = Table(title=safe(f"Recommendation · {group_title(key)}"), title_justify="left", box=None,
                      show_header=False, pad_edge=False)
        table.add_column("criterion", no_wrap=True)
        table.add_column("pick", overflow="fold")
        for p in ps:
            style = OUTCOME_STYLE.get(p.outcome, "")
            table.add_row(BY[p.by].title, f"[{style}]{safe(p.text())}[/{style}]" if style else safe(p.text()))
        console.print(table)
    if paragraph:
        for text in paragraphs(picks):
            console.print(safe(text), highlight=False)


def results(agg: pd.DataFrame, console: Console) -> None:
    """One table per device × model × batch size × precision."""
    for key, rows in groups(agg):
        print_table(console, group_title(key), columns.headers(), columns.text_rows(rows, marks(rows)),
                    columns.numeric())


def problems(ds: Dataset, agg: pd.DataFrame, console: Console) -> None:
    """Failed cells and trust warnings."""
    for line in quality.failures(ds.cells):
        console.print(f"[red]not measured[/red] {safe(line)}", highlight=False)
    for line in quality.all_warnings(ds.cells, agg):
        console.print(f"[yellow]warning:[/yellow] {safe(line)}", highlight=False)
    note = quality.energy_note(ds.cells)
    if note:
        console.print(f"[dim]{safe(note)}[/dim]", highlight=False)


def verdicts(items: List[Verdict], console: Console, mode: str = "full") -> None:
    """The published findings: one block per finding (``full``: id, evidence label, verdict, the statement,
    then the numbers or what is missing, one labelled part per line), one line of counts, or nothing."""
    if mode == "off" or not items:
        return
    if mode == "summary":
        console.print(f"Published findings (pCAMP, Green AI): {tally(items)} (--findings full shows them)",
                      highlight=False)
        return
    console.rule("Published findings", align="left")
    console.print(safe(LEGEND), highlight=False)
    console.print(safe(tally(items)), highlight=False)
    for v in items:
        style = VERDICT_STYLE.get(v.verdict, "yellow")
        where = f" {safe(v.where)}" if v.where else ""
        console.print(f"\n[bold]{safe(v.finding.id)}[/bold] {safe(f'[{v.finding.evidence}]')}{where} "
                      f"[{style}]{v.verdict}[/{style}]", highlight=False)
        console.print(f"  {safe(v.finding.statement)} (scope: {safe(v.finding.scope)})", highlight=False)
        for part in parts(v):
            console.print(f"  - {safe(part)}", highlight=False)


def comparison(matches: List[Match], alone: List[str], metric: str, console: Console) -> None:
    """The ratio B/A per matched configuration with its CI and verdict; devices, versions, trust warnings."""
    unit, scale = ("ms", 1e3) if metric == "latency" else ("J", 1.0)
    what = "p50 latency (median of repetitions)" if metric == "latency" else "energy per inference (median of " \
        "repetitions)"
    headers = ["configuration", "device A → B", "version A → B", f"A {unit}", f"B {unit}", "reps", "B/A", "95% CI",
               "verdict"]
    rows = []
    for m in matches:
        r = m.ratio
        rows.append([m.name, f"{m.a.device} → {m.b.device}", f"{m.a.version} → {m.b.version}",
                     num(m.a.value, scale, 4), num(m.b.value, scale, 4), f"{m.a.repetitions}/{m.b.repetitions}",
                     num(r.value if r else None, digits=4), f"{r.low:.3f}–{r.high:.3f}" if r and r.has_ci else "-",
                     m.verdict])
    numeric = [False, False, False, True, True, True, True, True, False]
    print_table(console, f"B / A: {what}", headers, rows, numeric,
                styles=["cyan" if m.direction else None for m in matches])
    for m in matches:
        for w in m.warnings:
            console.print(f"[yellow]warning:[/yellow] {safe(m.name)}: {safe(w)}", highlight=False)
    for line in alone:
        console.print(f"[dim]{safe(line)}[/dim]", highlight=False)

