"""The only thing that crosses the process boundary: a request file in, one JSON result on a pipe out.

Worker side and parent side both import this module; it must run on Python >= 3.9 with the standard
library only. The child never writes its result to stdout (frameworks print there); stdout and stderr go
to the cell's log file.

Statuses (the ``status`` column):

    ok           measured
    failed       the worker raised, or returned something that is not a valid result
    timeout      the cell's time budget ran out; the whole process group was killed
    oom          the worker ran out of memory (MemoryError, or killed by SIGKILL without a timeout)
    crashed      the worker died from a signal (segfault, abort) or exited without a result
    unsupported  the combination cannot run here (provider not installed, conversion rejected)
    unavailable  the framework's environment does not exist (no interpreter); nothing was spawned
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

PROTOCOL_VERSION = 1
STATUSES = ("ok", "failed", "timeout", "oom", "crashed", "unsupported", "unavailable")
WORKER_STATUSES = ("ok", "failed", "oom", "unsupported")

#: Phase marks the worker reports, in order, as ``time.monotonic_ns()`` values.
MARKS = (
    "start",
    "import_start", "import_end",
    "load_start", "load_end",
    "first_start", "first_end",
    "warmup_start", "warmup_end",
    "steady_start", "steady_end",
    "end",
)
#: Marks present only when the request asked for them, each pair in order between ``steady_end`` and ``end``.
OPTIONAL_MARKS = ("active_idle_start", "active_idle_end")


class ProtocolError(Exception):
    """The worker's answer is not a valid result."""


def encode(message: Dict[str, Any]) -> bytes:
    return json.dumps(dict(message, protocol=PROTOCOL_VERSION), allow_nan=True).encode()


def decode_result(data: bytes) -> Dict[str, Any]:
    """Parse and check a result; raise :class:`ProtocolError` with what is wrong."""
    if not data:
        raise ProtocolError("the worker sent no result")
    try:
        result = json.loads(data.decode())
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"the worker's result is not JSON ({exc}); first bytes: {data[:60]!r}") from None
    if not isinstance(result, dict):
        raise ProtocolError(f"the worker's result is a {type(result).__name__}, not an object")
    if result.get("protocol") != PROTOCOL_VERSION:
        raise ProtocolError(f"protocol version {result.get('protocol')!r}, expected {PROTOCOL_VERSION}")
    status = result.get("status")
    if status not in WORKER_STATUSES:
        raise ProtocolError(f"unknown status {status!r}")
    if status == "ok":
        _check_ok(result)
    return result


def _check_ok(result: Dict[str, Any]) -> None:
    marks = result.get("marks")
    if not isinstance(marks, dict) or any(not isinstance(marks.get(m), int) for m in MARKS):
        raise ProtocolError("an ok result lacks phase marks")
    values = [marks[m] for m in MARKS]
    if values != sorted(values):
        raise ProtocolError("phase marks are out of order")
    optional = [marks.get(m) for m in OPTIONAL_MARKS]
    if any(v is not None for v in optional):
        if any(not isinstance(v, int) for v in optional):
            raise ProtocolError(f"an ok result has only some of {', '.join(OPTIONAL_MARKS)}")
        if [marks["steady_end"], *optional, marks["end"]] != sorted([marks["steady_end"], *optional, marks["end"]]):
            raise ProtocolError("active idle marks are out of order")
    lat = result.get("latencies_ns")
    if not isinstance(lat, list) or not lat or not all(isinstance(x, int) and x >= 0 for x in lat):
        raise ProtocolError("an ok result needs a non-empty list of non-negative latencies")


def error_result(status: str, exc: BaseException, marks: Optional[Dict[str, int]] = None) -> Dict[str, Any]:
    return {
        "status": status,
        "error_class": type(exc).__name__,
        "error_message": _one_line(str(exc)) or type(exc).__name__,
        "marks": marks or {},
    }


def _one_line(text: str, limit: int = 500) -> str:
    lines: List[str] = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    line = lines[-1] if lines else ""
    if len(lines) > 1 and len(lines[0]) < 200:
        line = f"{lines[0]} … {line}" if lines[0] != line else line
    return line[:limit]
