"""A worker (or build job) dies with the orchestrator that started it, even when that one gets SIGKILL.

    die_with_parent()            # first thing in the child's main()

On Linux the child asks the kernel for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``), then
checks that its parent is still the process that started it (``EDGEBENCH_PARENT_PID``): a parent that died
between the fork and this call would otherwise go unnoticed. The child runs in its own session and process
group; on every exit the orchestrator sees (end of a cell, timeout, SIGINT/SIGTERM/SIGHUP) it kills that
whole group itself. Elsewhere (not Linux) this is a no-op. Worker side: standard library only.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PARENT_ENV = "EDGEBENCH_PARENT_PID"
PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Arrange SIGKILL on the parent's death; kill this process now if the parent is already gone."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    expected = os.environ.get(PARENT_ENV, "")
    if expected.isdigit() and os.getppid() != int(expected):
        os.kill(os.getpid(), signal.SIGKILL)
    return True
