"""The energy columns of one cell, and the warnings that say when not to trust them (DESIGN §5).

``energy_columns`` fills exactly ``COLUMNS`` (see runner.results.schema). Gross numbers are always
stored; ``energy_per_inference_net_j`` subtracts ``idle_power_w`` x the steady duration. When
nothing was measured every number is null and ``energy_reason`` reads ``<reason>: <detail>``, where
``<reason>`` is a probe reason (runner.meters.base.REASONS) or one of:

* ``no_marks``   the worker reported no phase marks (it failed before any phase finished);
* ``no_samples`` meters ran but no sample covers any phase window.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from runner.meters.base import Meter, Probe, Sample
from runner.meters.integrate import Series, group, phase_windows, total_energy

COLUMNS = (
    "energy_source",
    "energy_method",
    "energy_reason",
    "energy_import_j",
    "energy_load_j",
    "energy_first_j",
    "energy_steady_j",
    "energy_per_inference_j",
    "energy_per_inference_net_j",
    "power_avg_w",
    "power_idle_w",
)
PHASE_COLUMNS = {
    "import": "energy_import_j",
    "load": "energy_load_j",
    "first": "energy_first_j",
    "steady": "energy_steady_j",
}
REASON_PRIORITY = ("permission_denied", "not_installed", "unsupported", "no_counter", "not_found", "disabled")
MIN_PERIODS = 10


def energy_columns(
    samples: Sequence[Sample],
    marks: Optional[Mapping[str, int]],
    iterations: Optional[int],
    idle_power_w: Optional[float],
    meters: Sequence[Meter],
    probes: Sequence[Probe],
) -> Tuple[Dict[str, Any], List[str]]:
    """The cell's energy columns and its trust warnings (one line each, numbers and next step)."""
    cols: Dict[str, Any] = dict.fromkeys(COLUMNS)
    cols["power_idle_w"] = idle_power_w
    if not meters:
        cols.update(energy_source="none", energy_method="none", energy_reason=no_meter_reason(probes))
        return cols, []
    cols["energy_source"] = "+".join(m.name for m in meters)
    cols["energy_method"] = "counter" if all(m.method == "counter" for m in meters) else "integrated"
    windows = phase_windows(marks or {})
    if not windows:
        cols["energy_reason"] = "no_marks: the worker reported no complete phase window"
        return cols, []
    series = group(samples)
    for phase, column in PHASE_COLUMNS.items():
        if phase in windows:
            cols[column] = total_energy(series, meters, *windows[phase])
    if all(cols[c] is None for c in PHASE_COLUMNS.values()):
        cols["energy_reason"] = f"no_samples: {len(samples)} samples cover none of the phase windows"
    warnings = _steady(cols, windows.get("steady"), iterations, idle_power_w)
    warnings += window_warnings(series, meters, windows) + scope_warnings(meters)
    return cols, warnings


def _steady(
    cols: Dict[str, Any],
    window: Optional[Tuple[int, int]],
    iterations: Optional[int],
    idle_power_w: Optional[float],
) -> List[str]:
    energy = cols["energy_steady_j"]
    if window is None:
        return []
    if energy is None:
        return [
            "energy_steady_j is null: no meter sample covers the steady window; "
            "the meter session must run from before spawn until after exit"
        ]
    seconds = (window[1] - window[0]) / 1e9
    if seconds > 0:
        cols["power_avg_w"] = energy / seconds
    if iterations:
        cols["energy_per_inference_j"] = energy / iterations
        if idle_power_w is not None:
            cols["energy_per_inference_net_j"] = (energy - idle_power_w * seconds) / iterations
    net = cols["energy_per_inference_net_j"]
    if net is not None and iterations and net * iterations < -0.01 * abs(energy):  # beyond rounding noise
        return [
            f"net energy is negative: steady power {cols['power_avg_w']:.3g} W is below the idle baseline "
            f"{idle_power_w:.3g} W; re-measure the idle baseline on a quiet, warmed-up device"
        ]
    return []


def effective_period_s(series: Mapping[Tuple[str, str], Series], meter: Meter, window: Tuple[int, int]) -> float:
    """The longer of the sensor's update period and the sampling interval around the window."""
    gaps = [s.spacing_s(*window) for d in meter.summed for s in [series.get((meter.name, d))] if s is not None]
    return max([meter.update_period_s] + gaps)


def short_phases(
    series: Mapping[Tuple[str, str], Series], meter: Meter, windows: Mapping[str, Tuple[int, int]]
) -> Dict[str, Tuple[float, float]]:
    """Phase -> (window s, effective period s) for the phases shorter than MIN_PERIODS periods."""
    short = {}
    for phase in PHASE_COLUMNS:
        if phase in windows:
            seconds = (windows[phase][1] - windows[phase][0]) / 1e9
            period = effective_period_s(series, meter, windows[phase])
            if seconds < MIN_PERIODS * period:
                short[phase] = (seconds, period)
    return short


def window_warnings(
    series: Mapping[Tuple[str, str], Series], meters: Sequence[Meter], windows: Mapping[str, Tuple[int, int]]
) -> List[str]:
    """Windows shorter than MIN_PERIODS update periods, one line per meter and kind of phase."""
    out = []
    for m in meters:
        short = short_phases(series, m, windows)
        if "steady" in short:
            seconds, period = short.pop("steady")
            out.append(
                f"steady window {seconds:.3g} s is shorter than {MIN_PERIODS} update periods of {m.name} "
                f"({MIN_PERIODS} x {period:.3g} s{_sensor_note(m, period)}); raise --min-time-s"
            )
        if short:
            listed = ", ".join(f"{p} {s:.3g} s" for p, (s, _) in short.items())
            period = max(p for _, p in short.values())
            out.append(
                f"{listed} window(s) shorter than {MIN_PERIODS} update periods of {m.name} "
                f"({MIN_PERIODS} x {period:.3g} s): energy of those phases is indicative only; "
                "compare it across repetitions, not per cell"
            )
    return out


def _sensor_note(meter: Meter, period: float) -> str:
    if period > meter.update_period_s > 0:
        return f": sampled every {period:.3g} s, sensor updates every {meter.update_period_s:.3g} s"
    return ""


def scope_warnings(meters: Sequence[Meter]) -> List[str]:
    """Caveats about what was measured: synthetic power, or a sum of rails instead of a module input."""
    out = []
    for m in meters:
        if m.name == "fake":
            out.append(
                f"energy is synthetic: fake meter at {getattr(m, 'power_w', 0):g} W constant, "
                "not a measurement; use --meters auto for real readings"
            )
        if getattr(m, "scope", "") == "sum_of_rails":
            out.append(
                f"{m.name}: this board has no module input rail; energy is the sum_of_rails "
                f"{' + '.join(m.summed)}, not a module total; compare only with the same board"
            )
    return out


def no_meter_reason(probes: Sequence[Probe]) -> str:
    """``<reason>: <detail>`` for a cell with no meter: the most actionable probe first."""
    bad = [p for p in probes if not p.available]
    if not bad:
        return "not_found: no energy meter selected"
    rank = {r: i for i, r in enumerate(REASON_PRIORITY)}
    top = min(bad, key=lambda p: rank.get(p.reason, len(rank)))
    others = ", ".join(f"{p.meter}: {p.reason}" for p in bad if p is not top)
    detail = f"{top.meter}: {top.detail}" if top.meter != "none" else top.detail
    return f"{top.reason}: {detail}" + (f" | {others}" if others else "")
