"""Memory a cell may use, checked before it starts and watched while it runs (orchestrator side).

* Inputs. A batch of ``batch_size`` items of a model's input shapes needs at least ``INPUT_FACTOR`` ×
  :func:`input_bytes` while it is built (numpy stacks the items). A grid whose inputs alone exceed the
  host's memory is refused before anything runs (``UsageError``, exit 2); a cell whose inputs exceed the
  memory it may use when it starts is an ``unsupported`` row (``error_class=InsufficientMemory``).
* The limit. ``--memory-limit`` when given; else the default, derived from the host's memory: the memory
  available when the run starts (``MemAvailable``), at most ``DEFAULT_FRACTION`` of ``MemTotal``. The
  orchestrator kills a worker whose resident memory passes it (an ``oom`` row, ``error_class=MemoryLimit``)
  before the host runs out (on a Raspberry Pi, the whole device would). ``--memory-limit`` also caps the
  worker's address space (``RLIMIT_AS``: an allocation beyond it is a ``MemoryError``); the default does
  not, since GPU runtimes reserve address space far beyond their memory.

``/proc/meminfo`` is read under ``EDGEBENCH_HOST_ROOT`` (default ``/``), so tests can give a fake one.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from runner.cell import Cell
from runner.errors import UsageError
from runner.models.spec import MODELS

INPUT_FACTOR = 2
DEFAULT_FRACTION = 0.9


def _meminfo(key: str) -> Optional[int]:
    root = Path(os.environ.get("EDGEBENCH_HOST_ROOT") or "/")
    try:
        m = re.search(rf"^{key}:\s+(\d+) kB", (root / "proc" / "meminfo").read_text(), re.M)
    except OSError:
        return None
    return int(m.group(1)) * 1024 if m else None


def total_bytes() -> Optional[int]:
    return _meminfo("MemTotal")


def available_bytes() -> Optional[int]:
    return _meminfo("MemAvailable")


def default_limit() -> Optional[int]:
    """The default memory limit of a worker (see the module docstring); None where /proc says nothing."""
    total, available = total_bytes(), available_bytes()
    bounds = [b for b in (available, int(total * DEFAULT_FRACTION) if total else None) if b]
    return min(bounds) if bounds else None


def input_bytes(cell: Cell) -> int:
    """Bytes of one batch of the cell's model's inputs (a built-in model's, or its model file's)."""
    spec = cell.model_file.spec() if cell.model_file is not None else MODELS[cell.model]
    return cell.batch_size * sum(math.prod(s.shape) * np.dtype(s.dtype).itemsize for s in spec.inputs)


def _size(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def check_grid(cells: Iterable[Cell]) -> None:
    """Refuse a grid with a batch whose inputs alone need more than the host's memory."""
    total = total_bytes()
    if not total:
        return
    for cell in cells:
        need = INPUT_FACTOR * input_bytes(cell)
        if need > total:
            raise UsageError(f"batch size {cell.batch_size} of {cell.model} needs at least {_size(need)} for its "
                             f"inputs alone, more than this host's memory ({_size(total)})",
                             "lower --batch-sizes (or batch_sizes in the grid file)")


def cell_problem(cell: Cell, limit: Optional[int]) -> Optional[str]:
    """Why ``cell`` cannot start within ``limit`` and the memory available now, or None."""
    bounds = [b for b in (limit, available_bytes()) if b]
    need = INPUT_FACTOR * input_bytes(cell)
    if bounds and need > min(bounds):
        return (f"batch size {cell.batch_size} needs at least {_size(need)} for its inputs alone; the cell may "
                f"use {_size(min(bounds))} (the memory limit, or the memory available now)")
    return None
