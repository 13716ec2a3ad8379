"""The energy columns of one cell, and the warnings that say when not to trust them (DESIGN §5).

``energy_columns`` fills exactly ``COLUMNS`` (see runner.results.schema). Gross numbers are always
stored; ``energy_per_inference_net_j`` subtracts an idle power x the steady duration: the cell's own
active idle when the worker measured one (marks ``active_idle_start``/``_end``), else the baseline given
(runner.meters.baseline). ``energy_window_ok`` says whether the steady window reached the meters'
minimum (``energy_window_min_s``); a short one is flagged, never silently trusted. When
nothing was measured every number is null and ``energy_reason`` reads ``<reason>: <detail>``, where
``<reason>`` is a probe reason (runner.meters.base.REASONS) or one of:

* ``no_marks``   the worker reported no phase marks (it failed before any phase finished);
* ``no_samples`` meters ran but no sample covers any phase window.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from runner.meters.base import DEFAULT_PERIOD_S, Meter, Probe, Sample
from runner.meters.baseline import (
    MIN_PERIODS,
    IdleBaseline,
    active_idle,
    as_baseline,
    baseline_columns,
    meter_period_s,
    required_window_s,
)
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
    "power_idle_std_w",
    "power_idle_source",
    "power_idle_window_s",
    "energy_window_min_s",
    "energy_window_ok",
)
PHASE_COLUMNS = {
    "import": "energy_import_j",
    "load": "energy_load_j",
    "first": "energy_first_j",
    "steady": "energy_steady_j",
}
REASON_PRIORITY = ("permission_denied", "not_installed", "unsupported", "no_counter", "not_found", "disabled")


def energy_columns(
    samples: Sequence[Sample],
    marks: Optional[Mapping[str, int]],
    iterations: Optional[int],
    idle: Union[None, float, IdleBaseline],
    meters: Sequence[Meter],
    probes: Sequence[Probe],
    period_s: float = DEFAULT_PERIOD_S,
) -> Tuple[Dict[str, Any], List[str]]:
    """The cell's energy columns and its trust warnings (one line each, numbers and next step).

    ``idle`` is the baseline measured outside the cell (a bare number: a pre-grid idle power);
    ``period_s`` the sampling period the session was asked for.
    """
    cols: Dict[str, Any] = dict.fromkeys(COLUMNS)
    pre = as_baseline(idle)
    cols.update(baseline_columns(pre))
    if not meters:
        cols.update(energy_source="none", energy_method="none", energy_reason=no_meter_reason(probes))
        return cols, []
    cols["energy_source"] = "+".join(m.name for m in meters)
    cols["energy_method"] = "counter" if all(m.method == "counter" for m in meters) else "integrated"
    cols["energy_window_min_s"] = required_window_s(meters, period_s)
    windows = phase_windows(marks or {})
    if not windows:
        cols["energy_reason"] = "no_marks: the worker reported no complete phase window"
        return cols, []
    series = group(samples)
    _phases(cols, series, meters, windows, len(samples))
    active, warnings = active_idle(series, meters, windows.get("active_idle"), period_s)
    baseline = active or pre
    cols.update(baseline_columns(baseline))
    warnings += _steady(cols, windows.get("steady"), iterations, baseline)
    warnings += steady_window(cols, windows.get("steady"), meters, period_s)
    warnings += window_warnings(series, meters, windows) + scope_warnings(meters)
    return cols, warnings


def _phases(cols: Dict[str, Any], series: Mapping[Tuple[str, str], Series], meters: Sequence[Meter],
            windows: Mapping[str, Tuple[int, int]], n_samples: int) -> None:
    for phase, column in PHASE_COLUMNS.items():
        if phase in windows:
            cols[column] = total_energy(series, meters, *windows[phase])
    if all(cols[c] is None for c in PHASE_COLUMNS.values()):
        cols["energy_reason"] = f"no_samples: {n_samples} samples cover none of the phase windows"


def _steady(
    cols: Dict[str, Any],
    window: Optional[Tuple[int, int]],
    iterations: Optional[int],
    baseline: Optional[IdleBaseline],
) -> List[str]:
    energy = cols["energy_steady_j"]
    idle_power_w = baseline.power_w if baseline is not None else None
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
            f"{idle_power_w:.3g} W ({cols['power_idle_source']}); re-measure the idle baseline on a quiet, "
            "warmed-up device"
        ]
    return []


def steady_window(
    cols: Dict[str, Any], window: Optional[Tuple[int, int]], meters: Sequence[Meter], period_s: float
) -> List[str]:
    """``energy_window_ok`` for the steady phase, and the warning when it fell short of the meters' window."""
    need = cols["energy_window_min_s"]
    if window is None or cols["energy_steady_j"] is None:
        return []
    seconds = (window[1] - window[0]) / 1e9
    cols["energy_window_ok"] = seconds >= need * (1 - 1e-9)
    if cols["energy_window_ok"]:
        return []
    slowest = max(meters, key=lambda m: m.update_period_s)
    period = meter_period_s(meters, period_s)
    why = (f"{slowest.name} updates every {period:.3g} s" if slowest.update_period_s >= period_s
           else f"sampled every {period:.3g} s")
    return [
        f"steady window {seconds:.3g} s is shorter than the {need:.3g} s the meters need "
        f"({MIN_PERIODS} x {period:.3g} s: {why}); energy_window_ok=false: this cell's energy is left out of "
        f"verdicts; raise --max-time-s to at least {need:.3g} (the steady phase is lengthened to that "
        "within --max-time-s)"
    ]


def effective_period_s(series: Mapping[Tuple[str, str], Series], meter: Meter, window: Tuple[int, int]) -> float:
    """The longer of the sensor's update period and the sampling interval around the window."""
    gaps = [s.spacing_s(*window) for d in meter.summed for s in [series.get((meter.name, d))] if s is not None]
    return max([meter.update_period_s] + gaps)


def short_phases(
    series: Mapping[Tuple[str, str], Series], meter: Meter, windows: Mapping[str, Tuple[int, int]]
) -> Dict[str, Tuple[float, float]]:
    """Phase -> (window s, effective period s) for the non-steady phases shorter than MIN_PERIODS periods."""
    short = {}
    for phase in PHASE_COLUMNS:
        if phase in windows and phase != "steady":
            seconds = (windows[phase][1] - windows[phase][0]) / 1e9
            period = effective_period_s(series, meter, windows[phase])
            if seconds < MIN_PERIODS * period:
                short[phase] = (seconds, period)
    return short


def window_warnings(
    series: Mapping[Tuple[str, str], Series], meters: Sequence[Meter], windows: Mapping[str, Tuple[int, int]]
) -> List[str]:
    """Import, load and first-inference windows shorter than MIN_PERIODS update periods, one line per meter."""
    out = []
    for m in meters:
        short = short_phases(series, m, windows)
        if short:
            listed = ", ".join(f"{p} {s:.3g} s" for p, (s, _) in short.items())
            period = max(p for _, p in short.values())
            out.append(
                f"{listed} window(s) shorter than {MIN_PERIODS} update periods of {m.name} "
                f"({MIN_PERIODS} x {period:.3g} s): energy of those phases is indicative only; "
                "compare it across repetitions, not per cell"
            )
    return out


def scope_warnings(meters: Sequence[Meter]) -> List[str]:
    """Caveats about what was measured: synthetic power, a sum of rails, a meter's own ``caveat``."""
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
        if m.caveat:
            out.append(f"{m.name}: {m.caveat}")
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
