"""Energy meters (orchestrator side). Contract used by the orchestrator:

    meters, probes = select(spec, sysfs_root)      # spec: "auto" | "none" | "rapl,nvml,..." | "fake[:W]"
    session = Session(meters, period_s)            # samples in a background thread (monotonic ns)
    session.start(); ...worker runs...; samples = session.stop()
    idle = idle_baseline(meters, seconds)          # IdleBaseline: mean power, its spread, the samples
    request.update(worker_window(meters, active_idle_s))   # min_steady_s, active_idle_s for the worker
    columns, warnings = energy_columns(samples, marks, iterations, idle, meters, probes)
    rows = describe_meters(sysfs_root)             # every meter, available or why not (edgebench env)

``columns`` holds the energy columns of the cells schema (``energy_*_j``, ``power_avg_w``,
``power_idle_*``, ``energy_window_*``, ``energy_source``, ``energy_method``, ``energy_reason``); idle
baselines and minimum windows are described in ``baseline``. No source: every number
is null and ``energy_reason`` says why, never a guess. ``samples`` are the rows of the ``power`` table.

Backends (one module each): ``rapl`` (powercap), ``nvml`` (nvidia-ml-py), ``ina3221`` (Jetson rails),
``rpi_pmic`` (Raspberry Pi 5 PMIC rails, vcgencmd), ``powersupply`` (battery), ``fake`` (synthetic, tests
only). Integration lives in ``integrate``; container mounts and permissions are described in
``README.md`` next to this file.
"""

from runner.meters.base import DEFAULT_PERIOD_S, Meter, Probe, Sample
from runner.meters.baseline import (
    DEFAULT_ACTIVE_IDLE_S,
    DEFAULT_IDLE_S,
    IdleBaseline,
    baseline_columns,
    required_window_s,
    worker_window,
)
from runner.meters.integrate import energy_by_phase
from runner.meters.session import (
    Session,
    describe_meters,
    energy_columns,
    idle_baseline,
    measure_idle,
    select,
)

__all__ = [
    "DEFAULT_ACTIVE_IDLE_S",
    "DEFAULT_IDLE_S",
    "DEFAULT_PERIOD_S",
    "IdleBaseline",
    "Meter",
    "Probe",
    "Sample",
    "Session",
    "baseline_columns",
    "describe_meters",
    "energy_by_phase",
    "energy_columns",
    "idle_baseline",
    "measure_idle",
    "required_window_s",
    "select",
    "worker_window",
]
