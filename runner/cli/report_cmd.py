"""``edgebench report`` (and ``compare``): commands over stored runs."""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer
from rich.console import Console

from runner.cli.errors import handled


def register(app: typer.Typer) -> None:
    @app.command()
    @handled
    def report(run_dirs: List[Path] = typer.Argument(..., help="One or more run folders (results/<run_id>).")) -> None:
        """A terminal table of one or more runs."""
        from runner.report.terminal import show

        from runner.cli.main import make_console

        show(run_dirs, make_console())
