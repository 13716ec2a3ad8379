"""The null adapter: measures the harness itself, and injects faults on request (DESIGN §4).

Options (grid ``[options]`` or ``--option key=v1,v2``; each value list is a grid dimension; defaults and
valid values in its record, ``edgebench list options``):

    fault        none | segfault | abort | hang | oom | garbage | exception | exit | unsupported | detach | hog
    fault_phase  import | load | infer (default infer: at the first inference)
    sleep_s      seconds each inference sleeps (default 0: the harness's own overhead)
    output       normal | nan | inf: the output's first value (a non-finite output is a failed cell)

Synthetic latency streams on top of ``sleep_s`` (for tests of the stopping rule and the statistics)::

    jitter          relative iid noise of each call's sleep (e.g. 0.05: sd 5% of sleep_s)
    ar1             lag-1 autocorrelation of that noise (0 = independent, 0.9 = slowly wandering)
    drift_per_s     relative latency growth per second since the first inference (heat, a neighbour)
    process_jitter  relative sd of an offset drawn once per process (between-process spread)
    noise_seed      mixed into the seed (default 0)

Each cell seeds its own stream from its cell id (which includes the repetition) and ``noise_seed``: the same
cell gives the same stream again, every repetition a different one.

Each fault maps to one status the orchestrator must produce: segfault/abort/exit → crashed,
hang → timeout, oom → oom, garbage → failed (ProtocolError), exception → failed, unsupported → unsupported,
detach → ok (it leaves a process in its own session holding the result pipe for a minute; the result counts),
hog → oom where the memory limit is below 512 MiB resident (it holds that much, then hangs: else timeout).
"""

from __future__ import annotations

import ctypes
import math
import os
import random
import resource
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any, Dict, Optional

from runner.frameworks.base import Adapter, Unsupported
from runner.frameworks.null.record import FAULTS, RECORD
from runner.frameworks.timed import Threads, TimedCall, no_threads, on_host

HOG_BYTES = 512 << 20


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
    elif fault == "hog":
        hoard = bytearray(HOG_BYTES)  # zero-filled: resident
        while hoard:
            time.sleep(3600)
    elif fault == "detach":
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True,
                         pass_fds=() if result_fd is None else (result_fd,), stdin=subprocess.DEVNULL)
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


class Noise:
    """Relative latency factors: per-process offset × (1 + drift · t) × (1 + jitter · AR(1) noise), seeded."""

    KEYS = ("jitter", "ar1", "drift_per_s", "process_jitter")

    def __init__(self, seed: int, jitter: float = 0.0, ar1: float = 0.0, drift_per_s: float = 0.0,
                 process_jitter: float = 0.0) -> None:
        if not -1.0 < ar1 < 1.0:
            raise ValueError(f"ar1 must be in (-1, 1), got {ar1}")
        self.rng = random.Random(seed)
        self.jitter, self.ar1, self.drift_per_s = jitter, ar1, drift_per_s
        self.offset = 1.0 + process_jitter * self.rng.gauss(0.0, 1.0)
        self.state = self.rng.gauss(0.0, 1.0)  # stationary start: unit variance
        self.t0: Optional[float] = None

    def factor(self, now: float) -> float:
        """The factor for the call starting at ``now`` (seconds, monotonic)."""
        if self.t0 is None:
            self.t0 = now
        self.state = self.ar1 * self.state + math.sqrt(1.0 - self.ar1 ** 2) * self.rng.gauss(0.0, 1.0)
        growth = 1.0 + self.drift_per_s * (now - self.t0)
        return max(0.0, self.offset * growth * (1.0 + self.jitter * self.state))


class NullAdapter(Adapter):
    name = "null"

    def __init__(self) -> None:
        self.fault = "none"
        self.phase = "infer"
        self.sleep_s = 0.0
        self.noise: Optional[Noise] = None
        self.output = "normal"
        self.result_fd: Optional[int] = None
        self._first = True

    def configure(self, cell: Any) -> None:
        settings = RECORD.settings(cell.options)
        self.fault, self.phase = settings["fault"], settings["fault_phase"]
        self.sleep_s = float(settings["sleep_s"])
        knobs = {k: float(settings[k]) for k in Noise.KEYS}
        if any(knobs.values()):
            seed = zlib.crc32(f"{cell.cell_id}/{settings['noise_seed']}".encode())
            self.noise = Noise(seed, **knobs)
        self.output = settings["output"]

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
            time.sleep(self.sleep_s * (self.noise.factor(time.monotonic()) if self.noise else 1.0))
        first = next(iter(batch.values()))
        out = first.reshape(first.shape[0], -1)[:, :10]
        if self.output != "normal":
            out = out.astype("float32")  # a copy: the input stays as it is
            out.flat[0] = float(self.output)
        return out

    def timed_call(self, provider: str) -> Optional[TimedCall]:
        return on_host("sleep sleep_s, then a view of the first input")

    def threads(self) -> Threads:
        return no_threads("the null adapter runs no framework")

    def info(self) -> Dict[str, Any]:
        noise = {k: getattr(self.noise, k) for k in ("jitter", "ar1", "drift_per_s")} if self.noise else {}
        return {"fault": self.fault, "fault_phase": self.phase, "sleep_s": self.sleep_s, **noise}


ADAPTER = NullAdapter
