"""The only thing that crosses the process boundary: a :class:`CellRequest` file in, one :class:`CellResult`
(JSON) on a pipe out.

Worker side and parent side both import this module; it runs on Python >= 3.9 with the standard library
only. The child never writes its result to stdout (frameworks print there); stdout and stderr go to the
cell's log file. Both messages are dataclasses with a JSON round trip (``to_json`` / ``from_json``) that
checks every field's type: anything else the parent reads is a :class:`ProtocolError`, and the cell a
``failed`` row.

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

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from runner.cell import Cell

PROTOCOL_VERSION = 3
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
    """A message that is not what the protocol says; the text says what is wrong."""


@dataclass(frozen=True)
class CellRequest:
    """What one worker measures: the cell, its artifact folder and its reference outputs (paths, or None): for
    the measured batch, and for the quality inputs (the cell's ``quality_samples`` seeded items)."""

    cell: Cell
    artifact_dir: Optional[str] = None
    reference: Optional[str] = None
    quality_reference: Optional[str] = None
    min_steady_s: Optional[float] = None  # the meters' shortest measurable steady window (runner.worker.energy)
    active_idle_s: Optional[float] = None  # idle this long after the steady phase, model loaded
    active_idle_settle_s: Optional[float] = None  # after a settling gap this long
    status_path: Optional[str] = None  # where the worker appends its live status lines (runner.worker.status)

    def to_json(self) -> str:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return json.dumps(dict(fields, protocol=PROTOCOL_VERSION, cell=self.cell.to_dict()))

    @classmethod
    def from_json(cls, text: str) -> CellRequest:
        data = _object(text, "cell request", {"cell": dict, "artifact_dir": _STR, "reference": _STR,
                                              "quality_reference": _STR,
                                              "min_steady_s": _FLOAT, "active_idle_s": _FLOAT,
                                              "active_idle_settle_s": _FLOAT, "status_path": (str, None)})
        try:
            cell = Cell.from_dict(data.pop("cell"))
        except (TypeError, ValueError) as exc:
            raise ProtocolError(f"the cell request's cell is not a cell: {exc}") from None
        return cls(cell, **data)


@dataclass(frozen=True)
class Memory:
    """Memory after each phase (bytes); None where it could not be read."""

    rss_after_import_bytes: Optional[int] = None
    rss_after_load_bytes: Optional[int] = None
    uss_after_load_bytes: Optional[int] = None
    rss_after_steady_bytes: Optional[int] = None
    rss_peak_bytes: Optional[int] = None


@dataclass(frozen=True)
class OutputCheck:
    """The last output against the reference: shape, checksum, max |diff| and the reference's scale."""

    shape: List[int]
    checksum: Optional[float]  # null when the output holds NaN/inf (runner.worker.output)
    max_abs_diff: Optional[float] = None
    reference_scale: Optional[float] = None
    problem: str = ""


@dataclass(frozen=True)
class Quality:
    """Agreement with the fp32 reference over ``samples`` seeded inputs (runner.measure.quality): the output's
    signal-to-quantization-noise ratio (dB; inf where identical) and the share of inputs whose arg-max
    matches; or the problem that kept them from being computed."""

    samples: int
    sqnr_db: Optional[float] = None
    top1_agreement: Optional[float] = None
    problem: str = ""


@dataclass(frozen=True)
class CellResult:
    """How one worker ended. ``ok`` needs every mark of :data:`MARKS`, in order, and a non-empty list of
    non-negative steady-state latencies (ns); a failure carries its class, one message line and the marks
    reached. ``info`` holds the adapter's facts (delegate, thread settings, ...) as JSON values."""

    status: str
    marks: Dict[str, int] = field(default_factory=dict)
    error_class: Optional[str] = None
    error_message: Optional[str] = None
    framework_version: Optional[str] = None
    latencies_ns: List[int] = field(default_factory=list)
    warmup_iterations: Optional[int] = None
    converged: Optional[bool] = None
    rel_ci: Optional[float] = None
    stop: Optional[str] = None  # why the steady phase ended (runner.measure.loop.STOPS)
    drift_rel: Optional[float] = None  # second-half vs first-half median change at the last check
    cpu_utilization: Optional[float] = None
    memory: Memory = field(default_factory=Memory)
    gpu_mem_peak_bytes: Optional[int] = None
    output: Optional[OutputCheck] = None
    quality: Optional[Quality] = None
    info: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def failure(cls, status: str, exc: BaseException, marks: Optional[Dict[str, int]] = None) -> CellResult:
        return cls(status, dict(marks or {}), type(exc).__name__, one_line(str(exc)) or type(exc).__name__)

    def to_json(self) -> bytes:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # no deep copy of latencies
        fields.update(memory=dataclasses.asdict(self.memory), protocol=PROTOCOL_VERSION,
                      output=dataclasses.asdict(self.output) if self.output else None,
                      quality=dataclasses.asdict(self.quality) if self.quality else None)
        return json.dumps(fields, allow_nan=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> CellResult:
        """Parse and check a result; raise :class:`ProtocolError` with what is wrong."""
        if not data:
            raise ProtocolError("the worker sent no result")
        try:
            text = data.decode()
        except UnicodeDecodeError as exc:
            raise ProtocolError(f"the worker's result is not JSON ({exc}); first bytes: {data[:60]!r}") from None
        fields = _object(text, "worker's result", _RESULT_TYPES)
        if fields.get("status") not in WORKER_STATUSES:
            raise ProtocolError(f"unknown status {fields.get('status')!r}")
        fields["memory"] = Memory(**_fields(fields.get("memory") or {}, "result's memory", _MEMORY_TYPES))
        if fields.get("output") is not None:
            fields["output"] = OutputCheck(**_fields(fields["output"], "result's output", _OUTPUT_TYPES))
        if fields.get("quality") is not None:
            fields["quality"] = Quality(**_fields(fields["quality"], "result's quality", _QUALITY_TYPES))
        result = cls(**fields)
        result.validate()
        return result

    def validate(self) -> None:
        """Raise :class:`ProtocolError` unless an ok result has its marks in order and its latencies."""
        if self.status != "ok":
            return
        if any(not isinstance(self.marks.get(m), int) for m in MARKS):
            raise ProtocolError("an ok result lacks phase marks")
        values = [self.marks[m] for m in MARKS]
        if values != sorted(values):
            raise ProtocolError("phase marks are out of order")
        self._check_optional_marks()
        lat = self.latencies_ns  # 10^5 values: checked with C-level loops (map, set, min)
        if not lat or set(map(type, lat)) != {int} or min(lat) < 0:
            raise ProtocolError("an ok result needs a non-empty list of non-negative integer latencies")


    def _check_optional_marks(self) -> None:
        """The optional marks: all of them or none, in order between ``steady_end`` and ``end``."""
        optional = [self.marks.get(m) for m in OPTIONAL_MARKS]
        if all(v is None for v in optional):
            return
        if any(not isinstance(v, int) for v in optional):
            raise ProtocolError(f"an ok result has only some of {', '.join(OPTIONAL_MARKS)}")
        span = [self.marks["steady_end"], *optional, self.marks["end"]]
        if span != sorted(span):
            raise ProtocolError("active idle marks are out of order")


_INT, _FLOAT, _STR = (int, None), (float, int, None), (str, None)
_RESULT_TYPES: Dict[str, Any] = {
    "status": str, "marks": dict, "error_class": _STR, "error_message": _STR, "framework_version": _STR,
    "latencies_ns": list, "warmup_iterations": _INT, "converged": (bool, None), "rel_ci": _FLOAT, "stop": _STR,
    "drift_rel": _FLOAT,
    "cpu_utilization": _FLOAT, "memory": (dict, None), "gpu_mem_peak_bytes": _INT, "output": (dict, None),
    "quality": (dict, None), "info": dict,
}
_MEMORY_TYPES = {f.name: _INT for f in dataclasses.fields(Memory)}
_QUALITY_TYPES = {"samples": int, "sqnr_db": _FLOAT, "top1_agreement": _FLOAT, "problem": str}
_OUTPUT_TYPES = {"shape": list, "checksum": _FLOAT, "max_abs_diff": _FLOAT, "reference_scale": _FLOAT,
                 "problem": str}


def _object(text: str, what: str, types: Mapping[str, Any]) -> Dict[str, Any]:
    """The JSON object ``text`` without its protocol version, each field checked against ``types``."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ProtocolError(f"the {what} is not JSON ({exc}); first bytes: {text[:60]!r}") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"the {what} is a {type(data).__name__}, not an object")
    if data.get("protocol") != PROTOCOL_VERSION:
        raise ProtocolError(f"protocol version {data.get('protocol')!r}, expected {PROTOCOL_VERSION}")
    return _fields({k: v for k, v in data.items() if k != "protocol"}, what, types)


def _fields(data: Any, what: str, types: Mapping[str, Any]) -> Dict[str, Any]:
    """``data`` when it is an object whose keys are in ``types`` and whose values have those types."""
    if not isinstance(data, dict):
        raise ProtocolError(f"{what} is a {type(data).__name__}, not an object")
    for key, value in data.items():
        if key not in types:
            raise ProtocolError(f"unknown field {key!r} in the {what}")
        allowed = types[key] if isinstance(types[key], tuple) else (types[key],)
        classes = tuple(t for t in allowed if t is not None)
        bad_bool = isinstance(value, bool) and bool not in classes
        if not (value is None and None in allowed) and (bad_bool or not isinstance(value, classes)):
            raise ProtocolError(f"field {key!r} of the {what} is a {type(value).__name__}")
    return dict(data)


def one_line(text: str, limit: int = 500) -> str:
    """An error message as one line: the first and the last of its lines, at most ``limit`` characters."""
    lines: List[str] = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    line = lines[-1] if lines else ""
    if len(lines) > 1 and len(lines[0]) < 200:
        line = f"{lines[0]} … {line}" if lines[0] != line else line
    return line[:limit]
