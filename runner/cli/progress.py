"""A rich progress bar (current cell, ETA) and the end-of-run summary table."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any, Dict, List, Optional

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Column, Table

from runner.catalog import FRAMEWORKS
from runner.cell import Cell
from runner.estimate import Estimate, Repetition, estimate
from runner.naming import cell_label, runtime_label
from runner.orchestrator import Observer
from runner.worker.status import Status

STATUS_STYLE = {"ok": "green", "unsupported": "yellow", "unavailable": "yellow"}


class ProgressObserver(Observer):
    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.skipped_count = 0
        # the counts first, then the cell over two lines (its label, its phase), so a narrow terminal keeps both
        self.progress = Progress(
            BarColumn(bar_width=12), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("eta"),
            TimeRemainingColumn(), TextColumn("{task.description}", table_column=Column(overflow="ellipsis")),
            console=console, transient=True,
        )
        self.task = self.progress.add_task("starting", total=total)

    def __enter__(self) -> ProgressObserver:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def started(self, cell: Cell, index: int, total: int) -> None:
        self.progress.update(self.task, description=f"[bold]{escape(cell_label(cell))}[/bold]")

    def phase(self, cell: Cell, status: Status) -> None:
        """The progress line: the cell and its phase (``measuring: 1,204 iterations, p50 95% CI ±2.1%``)."""
        self.progress.update(self.task, description=f"[bold]{escape(cell_label(cell))}[/bold]\n"
                                                    f"{escape(status.describe())}")

    def finished(self, cell: Cell, row: Dict[str, Any]) -> None:
        style = STATUS_STYLE.get(row["status"], "red")
        p50 = row.get("latency_p50_s")
        detail = f"p50 {p50 * 1e3:.3f} ms" if p50 is not None else (row.get("error_message") or "")[:100]
        self.console.print(f"[{style}]{row['status']:11s}[/{style}] {escape(cell_label(cell))}  {escape(detail)}")
        for warning in row.get("warnings") or []:
            self.console.print(f"  [yellow]warning:[/yellow] {warning}")
        self.progress.advance(self.task)

    def skipped(self, cell: Cell) -> None:
        self.skipped_count += 1
        self.progress.advance(self.task)

    def note(self, message: str) -> None:
        self.console.print(f"[dim]{message}[/dim]")


def _ms(x) -> str:
    return f"{x * 1e3:.2f}" if x is not None else "-"


def _mib(x) -> str:
    return f"{x / 2**20:.0f}" if x is not None else "-"


CONFIG_KEYS = ("model", "framework", "source", "batch_size", "provider", "threads", "options")


def configurations(rows: List[Dict[str, Any]]) -> Dict[tuple, List[Dict[str, Any]]]:
    """Rows grouped by configuration (everything but the repetition), in the order first seen."""
    out: Dict[tuple, List[Dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(tuple(r.get(k) for k in CONFIG_KEYS), []).append(r)
    return out


def _median(rows: List[Dict[str, Any]], col: str) -> Optional[float]:
    vals = [r[col] for r in rows if r.get(col) is not None]
    return statistics.median(vals) if vals else None


def _status(rows: List[Dict[str, Any]]) -> str:
    """'ok 3/3' when every repetition ended alike, else the counts ('ok 2, crashed 1')."""
    counts = Counter(r["status"] for r in rows)
    if len(counts) == 1:
        status = rows[0]["status"]
        style = STATUS_STYLE.get(status, "red")
        return f"[{style}]{status} {len(rows)}/{len(rows)}[/{style}]"
    return "[red]" + ", ".join(f"{s} {n}" for s, n in counts.items()) + "[/red]"


def _note(e: Optional[Estimate]) -> str:
    if e is None:
        return ""
    if e.repetitions == 1:
        return "1 rep: between-process variance unknown"
    note = "approximate CI" if e.repetitions < 4 else ""
    if e.dominated:
        note += f"{'; ' if note else ''}spread dominates (CV {e.between_cv:.0%} vs ±{e.within_rel_ci:.1%})"
    return note


def summary_table(rows: List[Dict[str, Any]]) -> Table:
    """One line per configuration: repetitions pooled by the estimator (p50 value, its 95% CI, the CV between
    repetitions), medians of the phase times and energy, the largest memory and output difference."""
    table = Table(title="edgebench summary (one row per configuration; p50 = median of the repetitions' p50s)",
                  show_lines=False, pad_edge=False)
    for col in ("model", "runtime", "b", "t", "status", "load ms", "1st ms", "p50 ms", "95% CI ms", "CV",
                "p99 ms", "peak MiB", "J/inf", "|diff|", "note"):
        table.add_column(col, justify="left" if col in ("model", "runtime", "status", "note") else "right")
    for group in configurations(rows).values():
        r, ok = group[0], [g for g in group if g["status"] == "ok" and g.get("latency_p50_s") is not None]
        e = estimate([Repetition.from_row(g) for g in ok]) if ok else None
        diffs = [g["output_max_abs_diff"] for g in ok if g.get("output_max_abs_diff") is not None]
        peaks = [g["rss_peak_bytes"] for g in group if g.get("rss_peak_bytes") is not None]
        energy = _median(ok, "energy_per_inference_j")
        table.add_row(
            escape(str(r["model"])), escape(runtime_label(r["framework"], r["source"], r["provider"], r["options"])),
            str(r["batch_size"]), str(r["threads"]), _status(group),
            _ms(_median(ok, "load_s")), _ms(_median(ok, "first_inference_s")), _ms(e.value if e else None),
            f"{_ms(e.low)}–{_ms(e.high)}" if e and e.has_ci else "-",
            f"{e.between_cv:.1%}" if e and e.between_cv is not None else "-", _ms(_median(ok, "latency_p99_s")),
            _mib(max(peaks) if peaks else None), f"{energy:.3g}" if energy is not None else "-",
            f"{max(diffs):.1e}" if diffs else "-", _note(e),
        )
    return table


def prepare_artifacts(cells: List[Cell], console: Console) -> None:
    """Build or verify the weights, references and artifacts of ``cells``, one line per artifact."""
    import tempfile
    from pathlib import Path

    from runner.artifacts import Cache, cache_dir
    from runner.orchestrator import pythonpath_shim

    seen = set()
    with tempfile.TemporaryDirectory(prefix="edgebench-prepare-") as tmp:
        cache = Cache(cache_dir(), pythonpath_shim(Path(tmp)), cache_dir() / "logs")
        for cell in cells:
            key = (cell.model, cell.framework, cell.source, cell.batch_size)
            if not FRAMEWORKS[cell.framework].needs_artifact or key in seen:
                continue
            seen.add(key)
            got = cache.prepare(cell)
            what = escape(f"{cell.model} {runtime_label(cell.framework, cell.source)} b{cell.batch_size}")
            if got.failure:
                console.print(f"[yellow]{got.failure.status:11s}[/yellow] {what}: {got.failure.error_message}")
            else:
                console.print(f"[green]ready      [/green] {what}: {got.artifact_dir} ({got.artifact_bytes:,d} bytes)")
    console.print(f"cache: {cache_dir()}")
