"""Energy over a time window from timestamped samples (DESIGN §3, research/energy.md §7.2).

* Counters (``energy_j`` cumulative): the window's energy is the difference of the counter at the
  two edges, each edge interpolated linearly between the samples that bracket it.
* Power (``power_w``): the trapezoid rule over the samples inside the window, with the power at each
  edge interpolated between the bracketing samples.

A window that the samples do not cover (an edge before the first or after the last sample) has no
energy (None), never an extrapolated one. Times are ``time.monotonic_ns()`` integers.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from runner.meters.base import Meter, Sample

#: phase -> (start mark, end mark), marks as the worker reports them (runner.worker.protocol.MARKS)
PHASES: Dict[str, Tuple[str, str]] = {
    "import": ("import_start", "import_end"),
    "load": ("load_start", "load_end"),
    "first": ("first_start", "first_end"),
    "warmup": ("warmup_start", "warmup_end"),
    "steady": ("steady_start", "steady_end"),
    "active_idle": ("active_idle_start", "active_idle_end"),  # optional: only when the worker was asked
    "whole": ("start", "end"),
}


@dataclass
class Series:
    kind: str  # energy | power
    t_ns: List[int] = field(default_factory=list)
    values: List[float] = field(default_factory=list)

    def at(self, t: int) -> Optional[float]:
        """The value at ``t``, interpolated linearly; None outside the sampled span."""
        if not self.t_ns or t < self.t_ns[0] or t > self.t_ns[-1]:
            return None
        i = bisect_left(self.t_ns, t)
        if self.t_ns[i] == t:
            return self.values[i]
        t0, t1, v0, v1 = self.t_ns[i - 1], self.t_ns[i], self.values[i - 1], self.values[i]
        return v0 + (v1 - v0) * (t - t0) / (t1 - t0)

    def energy(self, t0: int, t1: int) -> Optional[float]:
        """Joules between t0 and t1 (counter difference or trapezoid), None if not covered."""
        if t1 < t0:
            return None
        v0, v1 = self.at(t0), self.at(t1)
        if v0 is None or v1 is None:
            return None
        if self.kind == "energy":
            return v1 - v0
        lo, hi = bisect_right(self.t_ns, t0), bisect_left(self.t_ns, t1)
        ts = [t0] + self.t_ns[lo:hi] + [t1]
        ps = [v0] + self.values[lo:hi] + [v1]
        return sum((ps[k] + ps[k + 1]) * (ts[k + 1] - ts[k]) for k in range(len(ts) - 1)) / 2e9

    def spacing_s(self, t0: int, t1: int) -> float:
        """Mean interval (s) between the samples that bracket and fill the window [t0, t1]."""
        lo, hi = max(bisect_right(self.t_ns, t0) - 1, 0), min(bisect_left(self.t_ns, t1) + 1, len(self.t_ns))
        if hi - lo < 2:
            return 0.0
        return (self.t_ns[hi - 1] - self.t_ns[lo]) / (hi - lo - 1) / 1e9


def group(samples: Iterable[Sample]) -> Dict[Tuple[str, str], Series]:
    """Samples by (meter, domain), each series sorted by time."""
    out: Dict[Tuple[str, str], Series] = {}
    for s in sorted(samples, key=lambda s: s.t_ns):
        value = s.energy_j if s.energy_j is not None else s.power_w
        if value is None:
            continue
        kind = "energy" if s.energy_j is not None else "power"
        series = out.setdefault((s.meter, s.domain), Series(kind))
        if series.t_ns and series.t_ns[-1] == s.t_ns:
            continue  # duplicate timestamp: keep the first
        series.t_ns.append(s.t_ns)
        series.values.append(value)
    return out


def meter_energy(series: Mapping[Tuple[str, str], Series], meter: Meter, t0: int, t1: int) -> Optional[float]:
    """Sum over the meter's summed domains; None if any of them has no value for the window."""
    if not meter.summed:
        return None
    total = 0.0
    for domain in meter.summed:
        s = series.get((meter.name, domain))
        e = s.energy(t0, t1) if s is not None else None
        if e is None:
            return None
        total += e
    return total


def total_energy(
    series: Mapping[Tuple[str, str], Series], meters: Sequence[Meter], t0: int, t1: int
) -> Optional[float]:
    """Sum over meters (disjoint by construction of the selection); None if any meter has no value."""
    values = [meter_energy(series, m, t0, t1) for m in meters]
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


def phase_windows(marks: Mapping[str, int]) -> Dict[str, Tuple[int, int]]:
    """The phases whose two marks are present and in order."""
    out = {}
    for phase, (a, b) in PHASES.items():
        t0, t1 = marks.get(a), marks.get(b)
        if isinstance(t0, int) and isinstance(t1, int) and t1 >= t0:
            out[phase] = (t0, t1)
    return out


def energy_by_phase(
    samples: Iterable[Sample], marks: Mapping[str, int], meters: Sequence[Meter]
) -> Dict[str, Optional[float]]:
    """Joules per phase (import, load, first, warmup, steady, whole), summed over the meters."""
    series = group(samples)
    return {phase: total_energy(series, meters, t0, t1) for phase, (t0, t1) in phase_windows(marks).items()}


def covered_span(series: Mapping[Tuple[str, str], Series], meters: Sequence[Meter]) -> Optional[Tuple[int, int]]:
    """The span every summed series covers (latest first sample, earliest last sample)."""
    spans = [
        (s.t_ns[0], s.t_ns[-1])
        for m in meters
        for d in m.summed
        for s in [series.get((m.name, d))]
        if s is not None and s.t_ns
    ]
    if not spans or len(spans) < sum(len(m.summed) for m in meters):
        return None
    t0, t1 = max(a for a, _ in spans), min(b for _, b in spans)
    return (t0, t1) if t1 > t0 else None


def mean_power(samples: Iterable[Sample], meters: Sequence[Meter]) -> Optional[float]:
    """Average power (W) over the span all summed domains cover; None without data."""
    series = group(samples)
    span = covered_span(series, meters)
    if span is None:
        return None
    energy = total_energy(series, meters, *span)
    return None if energy is None else energy / ((span[1] - span[0]) / 1e9)
