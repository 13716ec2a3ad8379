"""The one exception tree of the orchestrator side.

    EdgebenchError                 every expected failure; ``str(e)`` is one line, ``e.hint`` the next step
     ├── UsageError                bad names, options or grid files (nothing ran yet)
     │    └── GridError            a grid that cannot be expanded (unknown name, empty, duplicate cell)
     ├── OutputError               the results directory cannot be created or written
     ├── RunStateError             a run directory that does not match what was asked (resume mismatch)
     └── EnvironmentMissing        a framework environment (interpreter) is not there

``runner.cli.errors`` is the one place that turns these into exit codes. Failures *inside* a cell
never raise here: they become rows with a typed ``status`` (see ``runner.worker.protocol``).
"""

from __future__ import annotations


class EdgebenchError(Exception):
    """An expected failure with a one-line message and a hint saying what to do."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class UsageError(EdgebenchError):
    exit_code = 2


class GridError(UsageError):
    pass


class OutputError(EdgebenchError):
    exit_code = 3


class RunStateError(EdgebenchError):
    exit_code = 3


class EnvironmentMissing(EdgebenchError):
    exit_code = 4


def did_you_mean(name: str, choices) -> str:
    """A hint listing the valid choices, closest first."""
    import difflib

    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=1)
    prefix = f"did you mean '{close[0]}'? " if close else ""
    return f"{prefix}valid choices: {', '.join(choices)}"
