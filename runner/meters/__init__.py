"""Energy meters (orchestrator side). Contract used by the orchestrator:

    meters, probes = select(spec, sysfs_root)      # spec: "auto" | "none" | "rapl,nvml,..." | "fake[:W]"
    session = Session(meters, period_s)            # samples in a background thread (monotonic ns)
    session.start(); ...worker runs...; samples = session.stop()
    idle_w = measure_idle(meters, seconds)         # idle power baseline (W) or None
    columns, warnings = energy_columns(samples, marks, iterations, idle_w, meters, probes)
    rows = describe_meters(sysfs_root)             # every meter, available or why not (edgebench env)

``columns`` holds the energy columns of the cells schema (``energy_*_j``, ``power_avg_w``,
``power_idle_w``, ``energy_source``, ``energy_method``, ``energy_reason``). No source: every number
is null and ``energy_reason`` says why, never a guess. ``samples`` are the rows of the ``power`` table.

Backends (one module each): ``rapl`` (powercap), ``nvml`` (nvidia-ml-py), ``ina3221`` (Jetson rails),
``powersupply`` (battery), ``fake`` (synthetic, tests only). Integration lives in ``integrate``;
container mounts and permissions are described in ``README.md`` next to this file.
"""

from runner.meters.base import Meter, Probe, Sample
from runner.meters.integrate import energy_by_phase
from runner.meters.session import (
    IdleBaseline,
    Session,
    describe_meters,
    energy_columns,
    idle_baseline,
    measure_idle,
    select,
)

__all__ = [
    "IdleBaseline",
    "Meter",
    "Probe",
    "Sample",
    "Session",
    "describe_meters",
    "energy_by_phase",
    "energy_columns",
    "idle_baseline",
    "measure_idle",
    "select",
]
