"""The one place that turns exceptions into exit codes (hyperfine / huggingface_hub style).

Expected failures (:class:`runner.errors.EdgebenchError`) print one line and a hint, no traceback:

    exit 0   every cell ok (or unsupported / unavailable, which are data, unless --strict)
    exit 1   the run finished but some cells failed, timed out, ran out of memory or crashed
    exit 2   bad usage: unknown names, bad grid file, bad options (nothing ran)
    exit 3   the results folder (or the artifact cache) cannot be written or is out of space, or a run
             folder does not match, is damaged or is in use by another run
    exit 4   a required environment is missing
    exit 130 interrupted by SIGINT (Ctrl-C), 143 by SIGTERM, 129 by SIGHUP: 128 + the signal number
             (finished cells are kept, nothing is half-written; re-run with the same --run-id to resume)
"""

from __future__ import annotations

import functools
import sys
from typing import Callable, TypeVar

import typer

from runner.cli.text import plain
from runner.errors import EdgebenchError
from runner.interrupts import Interrupted
from runner.results.files import as_output_error

F = TypeVar("F", bound=Callable)


def report(exc: EdgebenchError) -> None:
    typer.secho(f"error: {plain(exc)}", fg=typer.colors.RED, err=True)
    if exc.hint:
        typer.echo(f"hint: {plain(exc.hint)}", err=True)


def handled(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except EdgebenchError as exc:
            report(exc)
            sys.exit(exc.exit_code)
        except OSError as exc:  # out of space or not writable outside the sink's own checks (logs, caches)
            typed = as_output_error(exc)
            if typed is None:
                raise
            report(typed)
            sys.exit(typed.exit_code)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP (runner.interrupts.Interrupted)
            by = f" by {exc.args[0]}" if isinstance(exc, Interrupted) else ""
            typer.echo(f"interrupted{by}: finished cells are saved; re-run with the same --run-id to resume",
                       err=True)
            sys.exit(getattr(exc, "exit_code", 130))

    return wrapper  # type: ignore[return-value]
