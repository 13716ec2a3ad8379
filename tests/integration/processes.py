"""Driving the CLI as a separate process: start it with default signal handling, wait for a known point,
and find the worker processes a run left behind by what they carry (``EDGEBENCH_RUN_ID`` in their
environment), never by a command-line pattern."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, List, Sequence

from tests.conftest import EDGEBENCH


def _default_signals() -> None:
    """A child of a background job of a non-interactive shell inherits SIGINT ignored (and Python then
    installs no Ctrl-C handler): give the CLI the default disposition, as an interactive start would."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def start(args: Sequence[str], cwd: Path, stderr: Path, env=None) -> subprocess.Popen:
    """``edgebench ARGS`` in the background, stderr kept in a file (for the assertion messages)."""
    with open(stderr, "wb") as err:
        return subprocess.Popen([*EDGEBENCH, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=err,
                                env=dict(env or os.environ, COLUMNS="200"), preexec_fn=_default_signals)


def wait_for(what: str, ready: Callable[[], bool], proc: subprocess.Popen, timeout: float = 120) -> None:
    """Poll ``ready`` until true; fail when the process exits first or the deadline passes."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, f"the run exited ({proc.returncode}) before {what}"
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.01)


def carriers(run_id: str) -> List[int]:
    """Live processes whose environment holds EDGEBENCH_RUN_ID=<run_id> (workers and what they started)."""
    marker = f"EDGEBENCH_RUN_ID={run_id}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()  # empty for a zombie: it is dead
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            found.append(int(proc.name))
    return found


def wait_gone(run_id: str, timeout: float = 30) -> List[int]:
    """The processes still carrying the run id after up to ``timeout`` s (a killed parent's worker dies
    asynchronously); empty when none is left."""
    deadline = time.monotonic() + timeout
    while carriers(run_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    return carriers(run_id)


def kill_all(pids: Sequence[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_cli(args: Sequence[str], cwd: Path, env=None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``edgebench ARGS`` to completion, with its own environment."""
    return subprocess.run([*EDGEBENCH, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=dict(env or os.environ, COLUMNS="200"))
