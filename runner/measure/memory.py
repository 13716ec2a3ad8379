"""Memory of the current process from /proc (worker side, standard library only).

RSS from ``/proc/self/statm``; USS (private pages) from ``/proc/self/smaps_rollup``. Where /proc is not
there (macOS), RSS falls back to the peak from ``getrusage`` and USS is None.
"""

from __future__ import annotations

import os
import resource
import sys
from typing import Optional

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def peak_rss_bytes() -> Optional[int]:
    """Peak RSS of this process image (``VmHWM``), which, unlike ``wait4``'s ``ru_maxrss``, starts afresh at
    exec: Linux folds the pre-exec (forked orchestrator's) high-water mark into ``ru_maxrss``."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def uss_bytes() -> Optional[int]:
    try:
        with open("/proc/self/smaps_rollup") as fh:
            kib = sum(int(line.split()[1]) for line in fh if line.startswith(("Private_Clean", "Private_Dirty")))
        return kib * 1024
    except (OSError, ValueError, IndexError):
        return None


def cpu_seconds() -> float:
    """User + system CPU time of this process (all threads)."""
    t = os.times()
    return t.user + t.system
