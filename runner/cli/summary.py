"""The end of ``edgebench run``: one row per configuration of the run folder (resumed cells included),
through the same estimator and columns as the report, the status of every configuration, and the
recommendation with a paragraph to act on. ``--export csv|json`` writes the rows into the run folder."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pandas as pd
from rich.console import Console

from runner.catalog.sets import CURRENT
from runner.cli.text import safe
from runner.frameworks.record import FP32
from runner.naming import runtime_label
from runner.report import columns, export, terminal
from runner.report.load import load
from runner.report.make import recommendations, warn_skipped
from runner.report.render import group_title
from runner.report.summarize import aggregate, groups, with_precision
from runner.report.textout import print_table

KEYS = ["model", "batch_size", "precision", "framework", "env_set", "source", "provider", "threads", "options"]
#: The report's columns the summary shows (the report has them all).
SHOWN = ("runtime", "threads", "import ms", "load ms", "first ms", "cold start ms", "p50 ms", "p50 95% CI",
         "CV reps", "p99 ms", "peak MiB", "J/inf", "max|diff|")


def status_text(statuses: pd.Series) -> str:
    """'ok 3/3' when every repetition ended alike, else the counts ('ok 2, crashed 1')."""
    counts = Counter(statuses)
    if len(counts) == 1:
        return f"{statuses.iloc[0]} {len(statuses)}/{len(statuses)}"
    return ", ".join(f"{s} {n}" for s, n in counts.most_common())


def note(e) -> str:
    """The estimator's notes, short: '1 rep: no CI', 'approximate CI', 'spread dominates (CV 37% vs ±13%)'."""
    if e is None:
        return ""
    if e.repetitions == 1:
        return "1 rep: between-process variance unknown, no CI"
    parts = ["approximate CI"] if e.repetitions < 4 else []
    if e.dominated:
        parts.append(f"spread dominates (CV {e.between_cv:.0%} vs ±{e.within_rel_ci:.1%})")
    return "; ".join(parts)


def _statuses(cells: pd.DataFrame) -> Dict[Tuple, str]:
    return {k: status_text(g["status"]) for k, g in cells.groupby(KEYS, dropna=False, sort=False)}


def _table(rows: pd.DataFrame, statuses: Dict[Tuple, str]) -> Tuple[List[str], List[List[str]], List[bool]]:
    cols = [c for c in columns.RESULTS if c.header in SHOWN]
    headers = [c.header for c in cols[:2]] + ["status"] + [c.header for c in cols[2:]] + ["note"]
    numeric = [c.numeric for c in cols[:2]] + [False] + [c.numeric for c in cols[2:]] + [False]
    body = []
    for _, r in rows.iterrows():
        texts = [c.text(r) for c in cols]
        status = statuses.get(tuple(r[k] for k in KEYS), "")
        body.append(texts[:2] + [status] + texts[2:] + [note(r.get("estimate"))])
    return headers, body, numeric


def unmeasured(cells: pd.DataFrame) -> List[str]:
    """One line per configuration without an ok cell: its status counts and first error."""
    lines = []
    for k, g in cells.groupby(KEYS, dropna=False, sort=True):
        if (g["status"] == "ok").any():
            continue
        d = dict(zip(KEYS, k))
        msg = next((m for m in g["error_message"] if isinstance(m, str) and m), "")
        in_set = "" if d["env_set"] == CURRENT else f" env {d['env_set']}"
        precision = "" if d["precision"] == FP32 else f" {d['precision']}"
        lines.append(f"{d['model']} {runtime_label(d['framework'], d['source'], d['provider'], d['options'])}"
                     f"{precision} b{d['batch_size']} t{d['threads']}{in_set}: {status_text(g['status'])}"
                     + (f": {msg}" if msg else ""))
    return lines


def run_summary(run_dir: Path, console: Console, fmt: Optional[str] = None) -> None:
    """Print the summary of the run folder; with ``fmt`` also write ``summary.<fmt>`` into it."""
    ds = load([run_dir])
    cells = with_precision(ds.cells)
    agg = aggregate(cells, ds.cell_latencies)
    statuses = _statuses(cells)
    console.print("edgebench summary (one row per configuration; p50 = median of the repetitions' p50s, "
                  "cold start = start-up + import + load + first inference)", highlight=False)
    for key, rows in groups(agg):
        headers, body, numeric = _table(rows, statuses)
        print_table(console, group_title(key), headers, body, numeric)
    for line in unmeasured(cells):
        console.print(f"[yellow]not measured[/yellow] {safe(line)}", highlight=False)
    warn_skipped(ds, console)
    picks = recommendations(ds, agg)
    if picks:
        terminal.recommendation(picks, console)
        console.print(f"Full report: edgebench report {safe(run_dir)} --format html", highlight=False)
    if fmt:
        records = [dict(rec, status=statuses.get(tuple(rec.get(k) for k in KEYS))) for rec in columns.records(agg)]
        path = export.write(records, run_dir / f"summary.{export.check(fmt)}")
        console.print(f"export: {safe(path)}", highlight=False)
