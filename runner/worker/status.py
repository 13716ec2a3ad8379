"""Live status of a cell: which phase it is in, for the progress line (both sides, standard library only).

The worker appends one JSON line to a status file (the request's ``status_path``) when a phase begins and at
the stopping rule's checks (the iterations so far and the CI of the median then; at most every 0.25 s),
never per iteration and never between a phase's marks: the line announcing a phase is written before its
start mark. The parent tails the file while it waits for the result. It is a display channel only: the
result still comes as one :class:`~runner.worker.protocol.CellResult` on its pipe, and a status line that
cannot be written or read changes nothing in the data.

Phases, in the order a cell goes through them (the first two on the parent's side)::

    artifact  build   startup  import  load  first  warmup  steady  idle
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, List, Optional, Tuple

#: Phase -> what the progress line says.
PHASES = {
    "artifact": "checking the artifact",
    "build": "building",
    "startup": "starting the worker",
    "import": "importing the framework",
    "load": "loading the model",
    "first": "first inference",
    "warmup": "warming up",
    "steady": "measuring",
    "idle": "active idle (model loaded, no calls)",
    "quality": "output quality against the fp32 reference (untimed)",
}

#: What the parent builds before a cell's first run, as the progress line names it.
BUILDS = {"weights": "the seeded weights", "artifact": "the artifact", "reference": "the reference output"}


@dataclass(frozen=True)
class Status:
    """One report: the phase, and in ``steady`` the iterations so far and the CI's half-width (relative) at
    the last check; ``detail`` names what ``build`` builds."""

    phase: str
    iterations: Optional[int] = None
    rel_ci: Optional[float] = None
    detail: str = ""

    def to_line(self) -> bytes:
        rel_ci = self.rel_ci if self.rel_ci is not None and math.isfinite(self.rel_ci) else None
        return (json.dumps(dict(asdict(self), rel_ci=rel_ci)) + "\n").encode()

    @classmethod
    def from_line(cls, line: bytes) -> Optional[Status]:
        """The status on ``line``; None for anything else (a display never fails a cell)."""
        try:
            data = json.loads(line)
            status = cls(str(data["phase"]), data.get("iterations"), data.get("rel_ci"), str(data.get("detail", "")))
        except (ValueError, TypeError, KeyError):
            return None
        ok = status.phase in PHASES and isinstance(status.iterations, (int, type(None))) and \
            isinstance(status.rel_ci, (int, float, type(None)))
        return status if ok else None

    def describe(self) -> str:
        """What the progress line shows, e.g. ``measuring: 1,204 iterations, p50 95% CI ±2.1%``."""
        text = PHASES.get(self.phase, self.phase)
        if self.detail:
            text += f" {BUILDS.get(self.detail, self.detail)}"
        if self.iterations is not None:
            text += f": {self.iterations:,d} iterations"
            if self.rel_ci is not None:
                text += f", p50 95% CI ±{100 * self.rel_ci:.1f}%"
        return text


class StatusWriter:
    """Worker side: appends status lines to ``path`` (nothing when ``path`` is None). A phase change is always
    written; a repeated report of the same phase (the stopping rule's checks) at most every
    ``min_interval_s``, since the progress line refreshes no faster and a slow disk must not eat the budget."""

    def __init__(self, path: Optional[str], min_interval_s: float = 0.25) -> None:
        self.fd: Optional[int] = None
        self.min_interval_ns = int(min_interval_s * 1e9)
        self.last: Tuple[str, int] = ("", 0)
        if path:
            try:
                self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            except OSError:
                self.fd = None

    def __call__(self, phase: str, iterations: Optional[int] = None, rel_ci: Optional[float] = None) -> None:
        if self.fd is None:
            return
        now = time.monotonic_ns()
        if phase == self.last[0] and now - self.last[1] < self.min_interval_ns:
            return
        self.last = (phase, now)
        try:
            os.write(self.fd, Status(phase, iterations, rel_ci).to_line())
        except OSError:
            self.fd = None


class StatusReader:
    """Parent side: the complete lines appended to ``path`` since the last read, as statuses."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset, self.partial = Path(path), 0, b""

    def read(self) -> List[Status]:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except OSError:
            return []
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        return [s for s in map(Status.from_line, lines) if s is not None]


class StatusWatcher:
    """Parent side: a thread reads the status file every ``period_s`` while the worker runs and passes each new
    status to ``callback``, in order; leaving the ``with`` block stops it and reads the rest, so every status
    the worker wrote is delivered exactly once, whatever the timing."""

    def __init__(self, path: Path, callback: Callable[[Status], None], period_s: float = 0.2) -> None:
        self.reader, self.callback, self.period_s = StatusReader(path), callback, period_s
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="edgebench-status", daemon=True)

    def __enter__(self) -> StatusWatcher:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self._deliver()

    def _watch(self) -> None:
        while not self.stop.wait(self.period_s):
            self._deliver()

    def _deliver(self) -> None:
        for status in self.reader.read():
            self.callback(status)
