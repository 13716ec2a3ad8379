"""A rich progress bar (current cell, ETA) and the end-of-run summary table."""

from __future__ import annotations

from typing import Any, Dict, List

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from runner.catalog import FRAMEWORKS
from runner.cell import Cell
from runner.orchestrator import Observer

STATUS_STYLE = {"ok": "green", "unsupported": "yellow", "unavailable": "yellow"}


class ProgressObserver(Observer):
    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.skipped_count = 0
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=console, transient=True,
        )
        self.task = self.progress.add_task("starting", total=total)

    def __enter__(self) -> ProgressObserver:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def started(self, cell: Cell, index: int, total: int) -> None:
        self.progress.update(self.task, description=cell.cell_id)

    def finished(self, cell: Cell, row: Dict[str, Any]) -> None:
        style = STATUS_STYLE.get(row["status"], "red")
        p50 = row.get("latency_p50_s")
        detail = f"p50 {p50 * 1e3:.3f} ms" if p50 is not None else (row.get("error_message") or "")[:100]
        self.console.print(f"[{style}]{row['status']:11s}[/{style}] {cell.cell_id}  {detail}")
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


def _framework(r: Dict[str, Any]) -> str:
    name = r["framework"] if r["source"] == r["framework"] else f"{r['framework']}<{r['source']}"
    return name if r["provider"] == "cpu" else f"{name}/{r['provider']}"


def summary_table(rows: List[Dict[str, Any]]) -> Table:
    """One line per cell: identity, status, phase times, memory, energy, agreement with the reference."""
    table = Table(title="edgebench summary", show_lines=False, pad_edge=False)
    for col in ("model", "framework", "b", "t", "r", "status", "load ms", "1st ms", "p50 ms", "p99 ms",
                "peak MiB", "J/inf", "|diff|"):
        table.add_column(col, justify="left" if col in ("model", "framework", "status") else "right")
    for r in rows:
        style = STATUS_STYLE.get(r["status"], "red")
        diff = r.get("output_max_abs_diff")
        energy = r.get("energy_per_inference_j")
        table.add_row(
            r["model"], _framework(r), str(r["batch_size"]), str(r["threads"]), str(r["repetition"]),
            f"[{style}]{r['status']}[/{style}]", _ms(r.get("load_s")), _ms(r.get("first_inference_s")),
            _ms(r.get("latency_p50_s")), _ms(r.get("latency_p99_s")), _mib(r.get("rss_peak_bytes")),
            f"{energy:.3g}" if energy is not None else "-", f"{diff:.1e}" if diff is not None else "-",
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
            what = f"{cell.model} {cell.framework}<{cell.source} b{cell.batch_size}"
            if got.failure:
                console.print(f"[yellow]{got.failure.status:11s}[/yellow] {what}: {got.failure.error_message}")
            else:
                console.print(f"[green]ready      [/green] {what}: {got.artifact_dir} ({got.artifact_bytes:,d} bytes)")
    console.print(f"cache: {cache_dir()}")
