"""A cell's thermal and clock columns from the samples taken while it ran, and the warnings they call for.

``thermal_columns`` fills exactly ``COLUMNS`` (see runner.results.schema); ``cooldown_s`` comes from
runner.thermal.cooldown. Windows: the temperature columns cover the whole cell (the first sample is
taken before the worker is spawned, the last after it exited); ``cpu_freq_mean_hz`` covers the steady
phase when its marks exist (else the whole cell), and when no cpufreq tick fell inside that phase, the
ticks just before and after it. A column that cannot be filled is null and ``thermal_reason`` says why.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from runner.thermal.base import ThermalSample
from runner.thermal.sampler import Discovery
from runner.thermal.throttle import assess

COLUMNS = ("temperature_start_c", "temperature_max_c", "temperature_sensor", "cpu_freq_mean_hz", "throttled",
           "throttle_flags", "thermal_reason")
#: default of --max-temp-rise-c: well above sensor resolution (0.5-1 °C) and idle jitter (1-2 °C), well
#: below the gap between a warm idle device and its throttle point (Raspberry Pi: 60 °C soft limit,
#: 80-85 °C throttling; Jetson Orin: about 87 °C sustained junction temperature)
DEFAULT_MAX_RISE_C = 10.0


def thermal_columns(samples: Sequence[ThermalSample], marks: Optional[Mapping[str, int]], found: Discovery,
                    max_rise_c: float = DEFAULT_MAX_RISE_C) -> Tuple[Dict[str, Any], List[str]]:
    """The cell's thermal columns and its trust warnings (one line each, with numbers and a next step)."""
    cols: Dict[str, Any] = dict.fromkeys(COLUMNS)
    reasons: List[str] = []
    warnings = _temperature(cols, samples, found, max_rise_c, reasons)
    cols["cpu_freq_mean_hz"] = mean_frequency(samples, marks or {})
    if cols["cpu_freq_mean_hz"] is None:
        reasons.append(f"cpu_freq: {_detail(found, 'cpufreq', 'no cpufreq sample during the cell')}")
    warnings += _throttle(cols, samples, found, reasons)
    cols["thermal_reason"] = " | ".join(reasons) or None
    return cols, warnings


def _detail(found: Discovery, source: str, default: str) -> str:
    probe = next((p for p in found.probes if p.source == source), None)
    return probe.detail if probe is not None and not probe.available else default


def _temperature(cols: Dict[str, Any], samples: Sequence[ThermalSample], found: Discovery, max_rise_c: float,
                 reasons: List[str]) -> List[str]:
    choice = found.choice
    if choice.sensor is None:
        zones, hwmon = _detail(found, "thermal_zone", ""), _detail(found, "hwmon", "")
        reasons.append(f"temperature: no thermal sensors ({'; '.join(d for d in (zones, hwmon) if d)})")
        return []
    cols["temperature_sensor"] = choice.sensor
    series = [s.temperature_c for s in samples
              if (s.source, s.sensor) == (choice.source, choice.sensor) and s.temperature_c is not None]
    if not series:
        reasons.append(f"temperature: {choice.sensor} gave no reading during the cell")
        return []
    start, top = series[0], max(series)
    cols.update(temperature_start_c=start, temperature_max_c=top)
    if top - start > max_rise_c:
        return [f"temperature rose {top - start:.1f} °C during the cell ({start:.1f} -> {top:.1f} °C, {choice.sensor}),"
                f" more than --max-temp-rise-c {max_rise_c:g}: later iterations ran hotter than earlier ones; "
                "cool down before each cell (--cooldown-to-c, --cooldown-s) or warm up longer"]
    return []


def _throttle(cols: Dict[str, Any], samples: Sequence[ThermalSample], found: Discovery,
              reasons: List[str]) -> List[str]:
    if not found.has_throttle_source():
        nvml, pi = _detail(found, "nvml", "no NVML GPU"), _detail(found, "vcgencmd", "no vcgencmd")
        reasons.append(f"throttled: no throttle flags on this device (nvml: {nvml}; vcgencmd: {pi})")
        return []
    verdict = assess(samples)
    cols.update(throttled=verdict.throttled, throttle_flags=verdict.flags or None)
    if verdict.throttled is None:
        reasons.append("throttled: no throttle-flag sample during the cell")
        return []
    if verdict.throttled:
        return [f"throttling during the cell: {verdict.flags}; its latencies and energy are not comparable "
                "with unthrottled cells: improve cooling or the power supply, or cool down with --cooldown-to-c"]
    return []


def mean_frequency(samples: Sequence[ThermalSample], marks: Mapping[str, int]) -> Optional[float]:
    """Mean of every CPU's frequency over the steady phase (or the whole cell), in Hz."""
    freq = sorted((s for s in samples if s.frequency_hz is not None), key=lambda s: s.t_ns)
    if not freq:
        return None
    t0, t1 = marks.get("steady_start"), marks.get("steady_end")
    if not (isinstance(t0, int) and isinstance(t1, int) and t1 >= t0):
        t0, t1 = freq[0].t_ns, freq[-1].t_ns
    inside = [s.frequency_hz for s in freq if t0 <= s.t_ns <= t1]
    if not inside:  # the phase fell between two ticks: use the tick before it and the tick after it
        before = max((s.t_ns for s in freq if s.t_ns < t0), default=None)
        after = min((s.t_ns for s in freq if s.t_ns > t1), default=None)
        inside = [s.frequency_hz for s in freq if s.t_ns in (before, after)]
    return sum(inside) / len(inside) if inside else None


def thermal_rows(samples: Sequence[ThermalSample], run_id: str, cell_id: str) -> List[Dict[str, Any]]:
    """Rows of the ``thermal`` table."""
    return [dict(vars(s), run_id=run_id, cell_id=cell_id) for s in samples]
