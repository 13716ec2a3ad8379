"""Parent side of the process boundary: launch one worker, wait, classify how it ended (pyperf style).

The worker gets a whitelisted environment, its own process group (so a timeout kills everything it
started), stdout/stderr redirected to the cell's log file, and a pipe for its one JSON result. It dies with
the orchestrator, even on SIGKILL (``runner.worker.lifeline``). The pipe is read while the worker runs and
once more when it has exited, never until end of file: a process the worker left in another session may
hold the pipe open for ever. ``os.wait4`` gives the exit status and the peak RSS of the whole child.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from runner.catalog import worker_variables
from runner.worker import protocol
from runner.worker.lifeline import PARENT_ENV
from runner.worker.protocol import CellRequest, CellResult

_THREADS, _FIXED, _PASSTHROUGH = worker_variables()  # what the frameworks' records ask for
#: Variables passed through from the parent when set (the frameworks' own ones from their records).
PASSTHROUGH = (
    "PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "TZ", "LD_LIBRARY_PATH", "LD_PRELOAD",
    "CUDA_VISIBLE_DEVICES", "CUDA_HOME", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES",
    "KMP_AFFINITY", "OMP_PROC_BIND", "OMP_PLACES", "XDG_CACHE_HOME", *_PASSTHROUGH,
)
#: Thread-count variables set from the cell's ``threads`` (when > 0), so every framework sees the same.
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS", *_THREADS)
FIXED = {"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
         "PYTHONUNBUFFERED": "1", **_FIXED}


def worker_environ(threads: int, pythonpath: str, parent: Optional[Mapping[str, str]] = None,
                   extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The whitelisted environment of a worker (recorded with each cell)."""
    parent = os.environ if parent is None else parent
    env = {k: parent[k] for k in PASSTHROUGH if k in parent}
    env.update(FIXED)
    if threads > 0:
        env.update({k: str(threads) for k in THREAD_VARS})
    env["PYTHONPATH"] = pythonpath
    env.update(extra or {})
    return env


@dataclass
class Outcome:
    """How a cell ended: its status (``protocol.STATUSES``), the worker's result when it sent a valid one,
    the error, the parent's spawn and end times, the exit status and ``wait4``'s peak RSS."""

    status: str
    result: Optional[CellResult] = None
    error_class: Optional[str] = None
    error_message: Optional[str] = None
    spawn_ns: int = 0
    end_ns: int = 0
    returncode: Optional[int] = None
    rss_peak_bytes: Optional[int] = None  # wait4's ru_maxrss, only when it exceeds the parent's own RSS


def spawn(python: str, request: CellRequest, workdir: Path, log_path: Path, env: Mapping[str, str],
          timeout_s: float, memory_limit_bytes: Optional[int] = None, rss_limit_bytes: Optional[int] = None) -> Outcome:
    """Run one worker to completion (or until ``timeout_s``, or until its resident memory passes
    ``rss_limit_bytes``) and classify the outcome. ``memory_limit_bytes`` caps its address space."""
    req_path = workdir / "request.json"
    r, w = os.pipe()
    parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    with open(log_path, "ab") as log:
        spawn_ns = time.monotonic_ns()
        req_path.write_text(request.to_json())
        proc = subprocess.Popen(
            [python, "-m", "runner.worker.main", str(req_path), str(w)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=dict(env, **{PARENT_ENV: str(os.getpid())}),
            pass_fds=(w,), start_new_session=True, cwd=str(workdir),
        )
    os.close(w)
    if memory_limit_bytes:
        resource.prlimit(proc.pid, resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))
    pipe = ResultPipe(r)
    try:
        status, rusage, ended = _wait(proc, timeout_s, pipe, rss_limit_bytes)
    except BaseException:  # interrupted (a signal): never leave a worker behind
        _kill_group(proc.pid)
        proc.wait()
        pipe.finish()
        raise
    end_ns = time.monotonic_ns()
    _kill_group(proc.pid)
    outcome = _classify(status, ended, pipe.finish(), timeout_s, log_path, rss_limit_bytes)
    outcome.spawn_ns, outcome.end_ns = spawn_ns, end_ns
    maxrss = rusage.ru_maxrss * 1024 if rusage else None
    # ru_maxrss includes the forked parent's pre-exec RSS; only a larger value is the worker's own.
    outcome.rss_peak_bytes = maxrss if maxrss and maxrss > parent_rss else None
    return outcome


class ResultPipe:
    """The read end of the result pipe, read without blocking while the worker runs."""

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd, self.eof = fd, False
        self.chunks: List[bytes] = []

    def drain(self) -> None:
        """Read what the pipe holds now (never waits for end of file)."""
        while not self.eof:
            try:
                data = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return
            self.eof = not data
            self.chunks.append(data)

    def wait(self, seconds: float) -> None:
        """Sleep up to ``seconds``, waking early when the worker writes."""
        if self.eof:
            time.sleep(seconds)
        else:
            select.select([self.fd], [], [], seconds)

    def finish(self) -> bytes:
        """Everything the worker wrote (call after it exited); closes the pipe."""
        self.drain()
        os.close(self.fd)
        return b"".join(self.chunks)


def _wait(proc: subprocess.Popen, timeout_s: float, pipe: ResultPipe, rss_limit: Optional[int] = None):
    """Poll ``wait4`` until the worker exits, the deadline passes or its resident memory passes
    ``rss_limit`` (then kill its process group); the third value says which limit ended it, if any."""
    deadline = time.monotonic() + timeout_s
    delay = 0.001
    while True:
        pipe.drain()
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, rusage, None
        ended = "timeout" if time.monotonic() >= deadline else None
        if ended is None and rss_limit and _rss(proc.pid) > rss_limit:
            ended = "memory"
        if ended:
            _kill_group(proc.pid)
            _, status, rusage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, rusage, ended
        pipe.wait(delay)
        delay = min(delay * 2, 0.02)


def _rss(pid: int) -> int:
    """Resident bytes of a live process (0 when /proc cannot say)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize()
    except (OSError, IndexError, ValueError):
        return 0


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _classify(status: int, ended: Optional[str], data: bytes, timeout_s: float, log_path: Path,
              rss_limit: Optional[int] = None) -> Outcome:
    if ended == "timeout":
        return Outcome("timeout", error_class="Timeout",
                       error_message=f"no result within the {timeout_s:g} s budget; the process group was killed")
    if ended == "memory":
        return Outcome("oom", error_class="MemoryLimit",
                       error_message=f"resident memory passed the limit of {(rss_limit or 0) / 2**20:.0f} MiB; the "
                       "process group was killed (set --memory-limit, or free memory on the host)")
    if os.WIFSIGNALED(status):
        sig = signal.Signals(os.WTERMSIG(status)).name
        if sig == "SIGKILL":
            return Outcome("oom", error_class=sig, error_message=_with_log(
                "killed by SIGKILL without a timeout (most likely the kernel's OOM killer)", log_path))
        return Outcome("crashed", error_class=sig, error_message=_with_log(f"the worker died from {sig}", log_path))
    code = os.WEXITSTATUS(status)
    if not data:
        return Outcome("crashed", error_class=f"Exit{code}", returncode=code,
                       error_message=_with_log(f"the worker exited with status {code} without a result", log_path))
    try:
        result = CellResult.from_json(data)
    except protocol.ProtocolError as exc:
        return Outcome("failed", error_class="ProtocolError", error_message=str(exc), returncode=code)
    return Outcome(result.status, result, result.error_class, result.error_message, returncode=code)


def _with_log(message: str, log_path: Path) -> str:
    try:
        lines = [ln.strip() for ln in log_path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        lines = []
    return f"{message}; last log line: {lines[-1][:200]}" if lines else message
