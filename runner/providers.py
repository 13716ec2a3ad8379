"""Which execution providers each runtime can use on this host, asked of its own environment.

Each catalog record may carry a ``providers_probe``: Python source that imports the framework and sets
``available`` (edgebench's provider names usable here) and ``detail`` (what the runtime itself reports, e.g. its
own list of execution provider names). It runs in a subprocess of the framework's environment with the
workers' whitelisted variables (so it sees the GPUs a worker would see), never in the orchestrator's process.
A record without a probe runs on the CPU only; a missing environment has no provider at all, and says why.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Dict, Iterable, Tuple

from runner import envs
from runner.catalog import FRAMEWORKS

PROBE_TIMEOUT_S = 120.0
_MARK = "edgebench-providers "
_WRAPPER = (
    "import json, sys\n"
    "scope = {}\n"
    "exec(compile(sys.argv[1], 'providers_probe', 'exec'), scope)\n"
    f"print({_MARK!r} + json.dumps({{'available': [str(p) for p in scope['available']],"
    " 'detail': str(scope.get('detail', ''))}))\n"
)


@dataclass(frozen=True)
class Providers:
    """The providers of ``framework`` usable here; ``reason`` says why none is known (probe or environment)."""

    framework: str
    available: Tuple[str, ...] = ()
    detail: str = ""
    reason: str = ""

    def problem(self, provider: str) -> str:
        """Why ``provider`` cannot be used here ('' when it can)."""
        if provider in self.available:
            return ""
        if self.reason:
            return self.reason
        said = f" ({self.framework} reports: {self.detail})" if self.detail else ""
        return f"no {provider} provider here{said}"


@cache
def probe(framework: str) -> Providers:
    """Ask ``framework``'s environment which of its providers work here (cached for the process)."""
    record = FRAMEWORKS[framework]
    info = envs.for_framework(framework)
    if not info.available:
        return Providers(framework, reason=f"its environment is missing: {info.reason}")
    if not record.providers_probe:
        return Providers(framework, ("cpu",), "CPU only" if record.providers == ("cpu",) else
                         "no providers probe: only the CPU is known to work")
    return _run(framework, info.python or "", record.providers_probe)


def probe_all(frameworks: Iterable[str]) -> Dict[str, Providers]:
    """:func:`probe` for each framework, the subprocesses side by side."""
    names = list(dict.fromkeys(frameworks))
    with ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:
        return dict(zip(names, pool.map(probe, names)))


def _run(framework: str, python: str, source: str) -> Providers:
    from runner.worker.spawn import worker_environ

    env = worker_environ(0, "")
    env.pop("PYTHONPATH", None)
    with tempfile.TemporaryDirectory(prefix="edgebench-providers-") as cwd:
        try:
            proc = subprocess.run([python, "-c", _WRAPPER, source], capture_output=True, text=True, env=env,
                                  cwd=cwd, timeout=PROBE_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Providers(framework, reason=f"the providers probe did not finish: {exc}")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(_MARK):
            try:
                data = json.loads(line[len(_MARK):])
            except ValueError:
                break
            known = [p for p in data["available"] if p in FRAMEWORKS[framework].providers]
            return Providers(framework, tuple(known), data["detail"])
    last = (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]
    return Providers(framework, reason=f"the providers probe failed (exit {proc.returncode}): {last}")
