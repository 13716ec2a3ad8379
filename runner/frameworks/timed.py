"""What a timed call includes, and the threads a framework runs with: one description for every adapter.

The rule (DESIGN §5): on the CPU a timed call takes host arrays (or the framework's host tensors, made before
timing) and returns the framework's output object; on a GPU it takes inputs already on the device and
leaves its output there, and the adapter's ``sync()`` waits for the device. Each adapter declares its call
with a :class:`TimedCall` (``Adapter.timed_call``) and reports its effective thread counts with a
:class:`Threads` (``Adapter.threads``); ``Adapter.facts`` writes both into every cell's ``info_json`` the
same way, with where the inputs and the output were actually seen, so a declaration that does not match
what ran shows up in the data. README's table of timed calls is rendered from the same declarations
(:func:`markdown_table`, checked by a test).

Worker side: standard library only (Python >= 3.9).
"""

from __future__ import annotations

import ctypes
from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

HOST, DEVICE = "host", "device"
#: The sync of a call that returns when its work is done.
RETURNS_DONE = "none: the call returns when its work is done"


@dataclass(frozen=True)
class TimedCall:
    """One timed call: the framework call made, where its inputs are when it starts (``host`` or
    ``device``), where it leaves its output, how the timed region waits for the work, and the copies the
    call itself makes (none, where the rule holds without them)."""

    call: str
    inputs: str
    outputs: str
    sync: str = RETURNS_DONE
    copies: Tuple[str, ...] = ()

    def record(self, seen_inputs: Optional[str], seen_output: Optional[str]) -> Dict[str, Any]:
        """The ``timed_call`` entry of ``info_json``: the declaration, where the inputs and the output were
        seen (the framework's own device names) and whether that agrees with the declaration."""
        seen = {"inputs": seen_inputs, "outputs": seen_output}
        agrees = all(where is None or placement(where) == want
                     for where, want in ((seen_inputs, self.inputs), (seen_output, self.outputs)))
        return dict(asdict(self), copies=list(self.copies), seen=seen, seen_agrees=agrees)


def on_host(call: str, copies: Sequence[str] = (), sync: str = RETURNS_DONE) -> TimedCall:
    """A call on the CPU: host inputs in, the framework's host output out."""
    return TimedCall(call, HOST, HOST, sync, tuple(copies))


def on_device(call: str, sync: str, copies: Sequence[str] = ()) -> TimedCall:
    """A call on a GPU: device-resident inputs in, the output left on the device, ``sync`` waits for it."""
    return TimedCall(call, DEVICE, DEVICE, sync, tuple(copies))


def placement(where: str) -> str:
    """``device`` for a framework's name of a GPU (``cuda:0``, ``gpu(0)``, ``/device:GPU:0``), else ``host``."""
    name = where.lower()
    return DEVICE if "cuda" in name or "gpu" in name else HOST


@dataclass(frozen=True)
class Threads:
    """Effective thread counts as the framework reports them: intra-op (the pool one operator uses) and
    inter-op (the pool that runs independent operators, or the engine's workers); ``source`` names the API
    read; ``reason`` says why a count is None."""

    intra: Optional[int]
    inter: Optional[int]
    source: str
    reason: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def reported(value: Any, what: str) -> Tuple[Optional[int], str]:
    """A count a framework reports, with 0 or less ("its default", not a count) as None and the reason."""
    count = int(value) if value is not None else 0
    if count > 0:
        return count, ""
    return None, f"{what} reports {value!r}: its default, not a count"


def no_threads(reason: str) -> Threads:
    return Threads(None, None, "", reason)


def native_threads(symbol: str = "omp_get_max_threads") -> Optional[int]:
    """``symbol()`` (``omp_get_max_threads``, ``mkl_get_max_threads``) from the threading runtimes this process
    has loaded (libgomp, libiomp, libomp, MKL, or a library linking one in, as libtorch_cpu does); None when
    none of them has it."""
    with open("/proc/self/maps") as fh:
        libs = {line.split()[-1] for line in fh if ".so" in line and
                any(k in line for k in ("gomp", "iomp", "libomp", "mkl", "torch_cpu"))}
    for lib in sorted(libs):
        try:
            return int(getattr(ctypes.CDLL(lib), symbol)())
        except (OSError, AttributeError):
            continue
    return None


def markdown_table(rows: Iterable[Tuple[str, str, Optional[TimedCall]]]) -> str:
    """README's table of timed calls: one row per (framework, device) with its declared call."""
    lines: List[str] = ["| framework | device | timed call | inputs | output | sync | copies in the call |",
                        "|---|---|---|---|---|---|---|"]
    for framework, device, call in rows:
        if call is None:
            lines.append(f"| {framework} | {device} | — (no {device} path) | | | | |")
            continue
        copies = "; ".join(call.copies) or "none"
        lines.append(f"| {framework} | {device} | `{call.call}` | {call.inputs} | {call.outputs} | {call.sync} "
                     f"| {copies} |")
    return "\n".join(lines)
