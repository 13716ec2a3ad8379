"""The null adapter: measures the harness itself, and injects faults on request (DESIGN §4).

Options (grid ``[options]`` or ``--option key=v1,v2``; each value list is a grid dimension; defaults and
valid values in its record, ``edgebench list options``):

    fault        none | segfault | abort | hang | oom | garbage | exception | exit | unsupported
    fault_phase  import | load | infer (default infer: at the first inference)
    sleep_s      seconds each inference sleeps (default 0: the harness's own overhead)

Each fault maps to one status the orchestrator must produce: segfault/abort/exit → crashed,
hang → timeout, oom → oom, garbage → failed (ProtocolError), exception → failed, unsupported → unsupported.
"""

from __future__ import annotations

import ctypes
import os
import resource
import time
from pathlib import Path
from typing import Any, Dict, Optional

from runner.frameworks.base import Adapter, Unsupported
from runner.frameworks.null.record import FAULTS, RECORD


def inject(fault: str, result_fd: Optional[int]) -> None:
    """Make the current process fail in the way ``fault`` names."""
    if fault == "segfault":
        ctypes.string_at(0)
    elif fault == "abort":
        os.abort()
    elif fault == "hang":
        while True:
            time.sleep(3600)
    elif fault == "oom":
        _exhaust_memory()
    elif fault == "garbage":
        if result_fd is not None:
            os.write(result_fd, b"\x00this is not a result{")
        os._exit(0)
    elif fault == "exception":
        raise RuntimeError("injected exception from the null adapter")
    elif fault == "exit":
        os._exit(3)
    elif fault == "unsupported":
        raise Unsupported("injected: the null adapter was told this combination is unsupported")
    elif fault != "none":
        raise ValueError(f"unknown fault {fault!r}; valid: {', '.join(FAULTS)}")


def _exhaust_memory(step: int = 64 << 20) -> None:
    """Allocate until MemoryError, under an address-space limit so the host is never at risk."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (current + (512 << 20), hard))
    hoard = []
    while True:
        hoard.append(bytearray(step))  # bytearray zero-fills: the pages are touched


class NullAdapter(Adapter):
    name = "null"

    def __init__(self) -> None:
        self.fault = "none"
        self.phase = "infer"
        self.sleep_s = 0.0
        self.result_fd: Optional[int] = None
        self._first = True

    def configure(self, cell: Any) -> None:
        settings = RECORD.settings(cell.options)
        self.fault, self.phase = settings["fault"], settings["fault_phase"]
        self.sleep_s = float(settings["sleep_s"])

    def _maybe_fail(self, phase: str) -> None:
        if self.phase == phase:
            inject(self.fault, self.result_fd)

    def import_framework(self) -> None:
        self._maybe_fail("import")

    def version(self) -> str:
        from runner import __version__

        return __version__

    def load(self, artifact_dir: Optional[Path], cell: Any) -> None:
        self._maybe_fail("load")

    def infer(self, batch: Dict[str, Any]) -> Any:
        if self._first:
            self._first = False
            self._maybe_fail("infer")
        if self.sleep_s:
            time.sleep(self.sleep_s)
        first = next(iter(batch.values()))
        return first.reshape(first.shape[0], -1)[:, :10]

    def info(self) -> Dict[str, Any]:
        return {"fault": self.fault, "fault_phase": self.phase, "sleep_s": self.sleep_s}


ADAPTER = NullAdapter
