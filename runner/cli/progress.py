"""A rich progress bar (the cell and its phase, ETA) and the artifact preparation of ``plan --prepare``."""

from __future__ import annotations

from typing import Any, Dict, List

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Column

from runner.catalog import FRAMEWORKS
from runner.catalog.sets import CURRENT
from runner.cell import Cell
from runner.cli.text import safe
from runner.frameworks.record import FP32
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
        self.progress.update(self.task, description=f"[bold]{safe(cell_label(cell))}[/bold]")

    def phase(self, cell: Cell, status: Status) -> None:
        """The progress line: the cell and its phase (``measuring: 1,204 iterations, p50 95% CI ±2.1%``)."""
        self.progress.update(self.task, description=f"[bold]{safe(cell_label(cell))}[/bold]\n"
                                                    f"{safe(status.describe())}")

    def finished(self, cell: Cell, row: Dict[str, Any]) -> None:
        style = STATUS_STYLE.get(row["status"], "red")
        p50 = row.get("latency_p50_s")
        detail = f"p50 {p50 * 1e3:.3f} ms" if p50 is not None else (row.get("error_message") or "")[:100]
        self.console.print(f"[{style}]{row['status']:11s}[/{style}] {safe(cell_label(cell))}  {safe(detail)}")
        for warning in row.get("warnings") or []:
            self.console.print(f"  [yellow]warning:[/yellow] {safe(warning)}")
        self.progress.advance(self.task)

    def skipped(self, cell: Cell) -> None:
        self.skipped_count += 1
        self.progress.advance(self.task)

    def note(self, message: str) -> None:
        self.console.print(f"[dim]{safe(message)}[/dim]")


def _artifact_label(cell: Cell) -> str:
    """'model runtime(source)[ precision] b1[ env set]': what one prepared artifact serves."""
    precision = "" if cell.precision == FP32 else f" {cell.precision}"
    in_set = "" if cell.env_set == CURRENT else f" env {cell.env_set}"
    return f"{cell.model} {runtime_label(cell.framework, cell.source)}{precision} b{cell.batch_size}{in_set}"


def prepare_artifacts(cells: List[Cell], console: Console) -> None:
    """Build or verify the weights, references and artifacts of ``cells``, one line per artifact."""
    import tempfile
    from pathlib import Path

    from runner.artifacts import Cache, cache_dir
    from runner.orchestrator import pythonpath_shim

    seen = set()
    with tempfile.TemporaryDirectory(prefix="edgebench-prepare-") as tmp:
        caches: Dict[str, Cache] = {}  # one per version set
        for cell in cells:
            key = (cell.model, cell.framework, cell.source, cell.precision, cell.batch_size, cell.env_set)
            if not FRAMEWORKS[cell.framework].needs_artifact or key in seen:
                continue
            seen.add(key)
            if cell.env_set not in caches:
                caches[cell.env_set] = Cache(cache_dir(), pythonpath_shim(Path(tmp)), cache_dir() / "logs",
                                             cell.env_set)
            got = caches[cell.env_set].prepare(cell)
            what = safe(_artifact_label(cell))
            if got.failure:
                console.print(f"[yellow]{got.failure.status:11s}[/yellow] {what}: {safe(got.failure.error_message)}")
            else:
                console.print(f"[green]ready      [/green] {what}: {safe(got.artifact_dir)} "
                              f"({got.artifact_bytes:,d} bytes)")
    console.print(f"cache: {safe(cache_dir())}")
