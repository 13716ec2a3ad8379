"""Idle baselines and the windows a meter needs (DESIGN §6, research/energy.md §7.1, §7.3).

* **Idle baselines.** Net energy subtracts an idle power x the steady duration. The best baseline is the
  cell's own *active idle*: the worker sleeps ``active_idle_s`` after the steady phase with the model
  loaded and the runtime (GPU context included) alive, at the temperature the cell reached. Without it,
  the idle measured before the cell (``--idle-between-s``) or before the grid (``--idle-s``) is used.
  ``power_idle_source`` says which; ``power_idle_std_w`` is the spread of that idle power over
  consecutive windows of one meter period.
* **Minimum windows.** A window shorter than ``MIN_PERIODS`` meter periods (the longer of the sampling
  period and the sensor's update period: NVML power is a 1 s average, the INA3221 converts every
  ``update_interval``, RAPL updates about every 1 ms) does not hold enough independent readings. The
  orchestrator asks the worker for a steady phase at least that long (``min_steady_s``, within
  ``max_time_s``) and an active idle at least that long, starting ``SETTLE_PERIODS`` meter periods after
  the steady phase; a steady window that still fell short is flagged (``energy_window_ok = false``) and
  left out of verdicts.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from runner.meters.base import DEFAULT_PERIOD_S, Meter, Sample
from runner.meters.integrate import Series, total_energy

MIN_PERIODS = 10
SOURCES = ("active_idle", "before_cell", "pre_grid")
#: --idle-s: research/energy.md §7.1 asks for >= 30-60 s; 30 s gives 600 samples at the 0.05 s sampling
#: period and 30 independent readings of NVML's 1 s power average, once per run
DEFAULT_IDLE_S = 30.0
#: --active-idle-s: per cell, so short; >= every common meter's minimum window at the default sampling
#: period (RAPL, NVML counters, INA3221: 0.5-1 s; longer ones are raised to their window) and 20 samples
DEFAULT_ACTIVE_IDLE_S = 1.0
#: meter periods between the end of the steady phase and the active idle window: a counter reports the
#: energy of its last update period late (NVML: every 100 ms), so a window right after a heavy phase gets
#: some of that phase's energy. Measured on an H200 after 4 s of 8192^2 matmuls: the next 1 s read
#: 156-169 W with no gap, 131-133 W after 0.1-0.5 s, 129-132 W later on.
SETTLE_PERIODS = 5


@dataclass(frozen=True)
class IdleBaseline:
    power_w: Optional[float]  # mean power of the summed domains, None without data
    duration_s: float
    samples: List[Sample] = field(default_factory=list)  # for the power table (cell_id "idle")
    errors: List[str] = field(default_factory=list)
    std_w: Optional[float] = None
    source: str = "pre_grid"  # one of SOURCES


def meter_period_s(meters: Sequence[Meter], period_s: float = DEFAULT_PERIOD_S) -> float:
    """The longer of the sampling period and the slowest meter's update period."""
    return max([period_s] + [m.update_period_s for m in meters])


def required_window_s(meters: Sequence[Meter], period_s: float = DEFAULT_PERIOD_S) -> float:
    """The shortest window the meters can measure: MIN_PERIODS meter periods (0 without meters)."""
    return MIN_PERIODS * meter_period_s(meters, period_s) if meters else 0.0


def worker_window(meters: Sequence[Meter], active_idle_s: float,
                  period_s: float = DEFAULT_PERIOD_S) -> Dict[str, float]:
    """What the worker is asked for: the steady minimum, and the active idle (at least one window) with the
    settling gap before it."""
    need = required_window_s(meters, period_s)
    idle = max(active_idle_s, need) if meters and active_idle_s > 0 else 0.0
    settle = SETTLE_PERIODS * meter_period_s(meters, period_s) if idle else 0.0
    return {"min_steady_s": need, "active_idle_s": idle, "active_idle_settle_s": settle}


def power_stats(series: Mapping[Tuple[str, str], Series], meters: Sequence[Meter], t0: int, t1: int,
                bin_s: float) -> Tuple[Optional[float], Optional[float]]:
    """Mean power over [t0, t1] and its standard deviation over consecutive ``bin_s`` windows (W).

    A window is never shorter than the samples' own spacing: interpolating between two samples would
    invent readings of constant power and understate the spread.
    """
    if t1 <= t0:
        return None, None
    energy = total_energy(series, meters, t0, t1)
    mean = None if energy is None else energy / ((t1 - t0) / 1e9)
    spacing = [s.spacing_s(t0, t1) for m in meters for d in m.summed for s in [series.get((m.name, d))] if s]
    step = max(int(max([bin_s] + spacing) * 1e9), 1)
    powers = []
    for a in range(t0, t1 - step + 1, step):
        e = total_energy(series, meters, a, a + step)
        if e is not None:
            powers.append(e / (step / 1e9))
    return mean, (statistics.stdev(powers) if len(powers) >= 2 else None)


def as_baseline(idle: Union[None, float, IdleBaseline]) -> Optional[IdleBaseline]:
    """A bare number is a pre-grid idle power of unknown spread."""
    if idle is None or isinstance(idle, IdleBaseline):
        return idle
    return IdleBaseline(float(idle), 0.0)


def active_idle(series: Mapping[Tuple[str, str], Series], meters: Sequence[Meter],
                window: Optional[Tuple[int, int]], period_s: float) -> Tuple[Optional[IdleBaseline], List[str]]:
    """The cell's active-idle baseline, or None (with a warning when it was too short to use)."""
    if window is None or not meters:
        return None, []
    seconds = (window[1] - window[0]) / 1e9
    need = required_window_s(meters, period_s)
    if seconds < need:
        return None, [f"active idle {seconds:.3g} s is shorter than the {need:.3g} s the meters need "
                      f"({MIN_PERIODS} x {meter_period_s(meters, period_s):.3g} s): not used as the idle baseline; "
                      "raise --active-idle-s"]
    mean, std = power_stats(series, meters, *window, meter_period_s(meters, period_s))
    return (IdleBaseline(mean, seconds, std_w=std, source="active_idle") if mean is not None else None), []


def baseline_columns(idle: Optional[IdleBaseline]) -> Dict[str, Any]:
    if idle is None or idle.power_w is None:
        return dict.fromkeys(("power_idle_w", "power_idle_std_w", "power_idle_source", "power_idle_window_s"))
    return {"power_idle_w": idle.power_w, "power_idle_std_w": idle.std_w, "power_idle_source": idle.source,
            "power_idle_window_s": idle.duration_s or None}
