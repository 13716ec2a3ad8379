"""Background sampling of the selected meters, and the idle baseline (DESIGN §3, §6).

    meters, probes = select(spec, sysfs_root)      # runner.meters.registry
    session = Session(meters, period_s)            # a daemon thread reads every meter each tick
    session.start(); ...worker runs...; samples = session.stop()
    idle_w = measure_idle(meters, seconds)
    columns, warnings = energy_columns(samples, marks, iterations, idle_w, meters, probes)

Every tick reads every meter (RAPL counters included, which keeps wrap accounting safe); a thermal
sampler (``runner.thermal.Sampler``), when given, is ticked in the same thread and reads its sources on
their own, slower schedule (its samples are ``session.thermal_samples`` after ``stop()``). Samples
carry ``time.monotonic_ns()`` stamps from the meters' clock, the same clock as the worker's marks.
Memory is bounded: past ``max_samples`` every series keeps every other sample (first and last kept)
and the period doubles, so a runaway cell costs resolution, not memory.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from runner.meters.base import DEFAULT_PERIOD_S, Clock, Meter, Sample
from runner.meters.baseline import IdleBaseline, meter_period_s, power_stats
from runner.meters.columns import energy_columns
from runner.meters.integrate import covered_span, group
from runner.meters.registry import describe_meters, select

__all__ = [
    "IdleBaseline",
    "Session",
    "decimate",
    "describe_meters",
    "energy_columns",
    "idle_baseline",
    "measure_idle",
    "select",
]

MAX_SAMPLES = 200_000


class Session:
    """Samples ``meters`` every ``period_s`` in a daemon thread between ``start()`` and ``stop()``."""

    def __init__(
        self,
        meters: Sequence[Meter],
        period_s: float = DEFAULT_PERIOD_S,
        clock: Optional[Clock] = None,
        max_samples: int = MAX_SAMPLES,
        thermal: Any = None,
    ) -> None:
        if period_s <= 0:
            raise ValueError(f"sampling period must be positive, got {period_s}")
        self.meters = list(meters)
        self.period_s = period_s
        self.clock: Clock = clock or time.monotonic_ns
        self.max_samples = max_samples
        self.errors: List[str] = []  # one line per meter that raised (first time only)
        self._samples: List[Sample] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.t_start_ns: Optional[int] = None
        self.t_stop_ns: Optional[int] = None
        self.thermal = thermal if thermal is not None and thermal.sources else None
        self.thermal_samples: List[Any] = []

    def start(self) -> None:
        self._samples, self.errors, self.thermal_samples = [], [], []
        self._stop.clear()
        for m in self.meters:
            self._guard(m, m.start)
        if self.thermal is not None:
            self.thermal.start()
        self.t_start_ns = self.clock()
        self._tick(force=True)
        if self.meters or self.thermal is not None:
            self._thread = threading.Thread(target=self._run, name="edgebench-meters", daemon=True)
            self._thread.start()

    def stop(self) -> List[Sample]:
        """Stop sampling, take a final reading of every meter, and return all samples in time order."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(5.0, 4 * self.period_s))
            self._thread = None
        self._tick(force=True)
        self.t_stop_ns = self.clock()
        for m in self.meters:
            self._guard(m, m.stop)
        if self.thermal is not None:
            self.thermal_samples = self.thermal.stop()
            self.errors += [e for e in self.thermal.errors if e not in self.errors]
        with self._lock:
            return sorted(self._samples, key=lambda s: s.t_ns)

    def _run(self) -> None:
        due = time.monotonic() + self.period_s  # a fixed schedule: tick time does not add up
        while not self._stop.wait(max(0.0, due - time.monotonic())):
            self._tick()
            due = max(due + self.period_s, time.monotonic())  # late: skip, never burst

    def _tick(self, force: bool = False) -> None:
        if self.thermal is not None:
            self.thermal.tick(force)
        for m in self.meters:
            got = self._guard(m, m.read) or []
            with self._lock:
                self._samples.extend(got)
        with self._lock:
            if len(self._samples) > self.max_samples:
                self._samples = decimate(self._samples)
                self.period_s *= 2

    def _guard(self, meter: Meter, call: Callable[[], Optional[List[Sample]]]) -> Optional[List[Sample]]:
        try:
            return call()
        except Exception as exc:  # a meter must never take the run down; report it once
            what = getattr(call, "__name__", "call")
            line = f"meter {meter.name} {what}() failed: {type(exc).__name__}: {exc}"
            if line not in self.errors:
                self.errors.append(line)
            return None


def decimate(samples: List[Sample]) -> List[Sample]:
    """Every other sample of each (meter, domain) series, keeping each series' first and last."""
    by_key: Dict[Tuple[str, str], List[Sample]] = {}
    for s in samples:
        by_key.setdefault((s.meter, s.domain), []).append(s)
    kept: List[Sample] = []
    for series in by_key.values():
        half = series[::2]
        if half[-1] is not series[-1]:
            half.append(series[-1])
        kept.extend(half)
    return sorted(kept, key=lambda s: s.t_ns)


def idle_baseline(
    meters: Sequence[Meter],
    seconds: float,
    period_s: float = DEFAULT_PERIOD_S,
    clock: Optional[Clock] = None,
    sleep: Callable[[float], None] = time.sleep,
    source: str = "pre_grid",
) -> IdleBaseline:
    """Sample ``meters`` for ``seconds`` while nothing runs: mean power, its spread and the samples."""
    if not meters or seconds <= 0:
        return IdleBaseline(None, 0.0, source=source)
    session = Session(meters, period_s, clock)
    session.start()
    sleep(seconds)
    samples = session.stop()
    series = group(samples)
    span = covered_span(series, meters)
    mean, std = power_stats(series, meters, *span, meter_period_s(meters, period_s)) if span else (None, None)
    duration = (span[1] - span[0]) / 1e9 if span else 0.0
    return IdleBaseline(mean, duration, samples, list(session.errors), std, source)


def measure_idle(meters: Sequence[Meter], seconds: float, period_s: float = DEFAULT_PERIOD_S) -> Optional[float]:
    """Idle power baseline in W (sum of the meters' summed domains), or None without meters or data."""
    return idle_baseline(meters, seconds, period_s).power_w
